"""Microsoft Teams behind `POST /api/messages`: the shared component, and its Bot Framework SDK glue.

The rest of kansli sees `bot.teams_setup.setup(app, services)`, a Transport named "teams" and neutral Replies
(rendered to Adaptive Card JSON by `bot.render.teams`, which has no SDK imports). `TeamsComponent` here holds everything
that is not SDK-specific: the endpoint's gate (closed by default; tokens must vouch for the activity's
serviceUrl; a loopback-only local mode), turn handling (messages, mentions, card submits and
`adaptiveCard/action` invokes, run through the turn pipeline of `bot.turn`; installs), conversation-reference storage, the per-conversation pace,
bounded retries on 412/429/502/504 and per-recipient delivery queues. Its methods under "the Bot
Framework SDK" are the glue to botbuilder-core / botbuilder-integration-aiohttp (archived upstream;
KANSLI_TEAMS_SDK=botbuilder); `bot.teams_agents` overrides exactly those for the Microsoft 365 Agents
SDK (KANSLI_TEAMS_SDK=agents, the default).

No database work runs on the event loop and no connection is held across a connector call: turns and
reference look-ups (for deliveries, bot.addressing.TeamsAddressing, owned by the deliverer) run on kansli's
database threads and end their transactions before anything is sent; the transport gets the reference as data.
"""
from __future__ import annotations

import asyncio
import html
import logging
import random
import re
import time
from dataclasses import dataclass
from datetime import datetime
from types import SimpleNamespace
from typing import Any, Awaitable, Callable

from aiohttp import web
from botbuilder.core import InvokeResponse, TurnContext, serializer_helper
from botbuilder.integration.aiohttp import CloudAdapter, ConfigurationBotFrameworkAuthentication
from botbuilder.schema import Activity, ActivityTypes, Attachment, ConversationReference
from botframework.connector.auth import AuthenticationConstants, ConnectorFactory
from msrest.exceptions import ClientRequestError, HttpOperationError
from msrest.serialization import Model
from sqlalchemy import bindparam
from sqlalchemy.orm import Session

from bot.app import Services
from bot.addressing import find_reference as _find_reference
from bot.delivery import Outgoing, PermanentError, TransientError
from bot.dispatch import INTERNAL, Identity, unknown_person_reply
from bot.render.teams import CARD_CONTENT_TYPE, TeamsMessage, render_messages, submitted_command
from bot.turn import Dispatched, Turn, TurnPipeline
from handlers.base import CHANNEL, GROUP, PERSONAL, Reply
from handlers.i18n import _
from storage import built, queries
from storage.models import ConversationRef, Person

log = logging.getLogger("kansli.teams")


PLATFORM = "teams"
ROUTE = "/api/messages"

# Seconds deliveries queued by turns may still run after SIGTERM before they are handed back to the outbox.
SHUTDOWN_GRACE = 5.0

# Teams asks bots to retry these (rate limited, precondition failed, bad gateway, gateway timeout).
RETRY_STATUSES = frozenset({412, 429, 502, 504})
# The conversation is gone (app uninstalled, bot removed, user blocked it): forget the reference.
GONE_STATUSES = frozenset({403, 404})

GREETING_PERSONAL = _(
    "Hej {name}! Här kan du skriva till Kansli, till exempel ”möten”, ”dagordning” eller ”anmäl frånvaro”. "
    "Skriv hjälp för att se alla kommandon."
)
GREETING_SHARED = _(
    "Hej! Kansli är tillagd här. Nämn mig följt av ett kommando, till exempel ”@kansli dagordning”; "
    "skriv ”@kansli hjälp” för att se alla kommandon."
)
NOT_JSON = _("Teams-slutpunkten tar bara emot JSON (Content-Type: application/json).")
NOT_ACTIVITY = _("Det här är ingen Bot Framework-aktivitet som Kansli kan svara på.")
_TEXT_FIELDS = ("id", "text", "name", "channelId", "locale", "action", "textFormat", "replyToId")


_ID = re.compile(r"[\x21-\x7e]{1,1024}")


_BAD_CHARS = re.compile("[\x00\ud800-\udfff]")


def _bad_text(node: Any) -> bool:
    """NUL characters or unpaired surrogates anywhere in the body (a JSON parser lets both through)."""
    if isinstance(node, str):
        return _BAD_CHARS.search(node) is not None
    if isinstance(node, dict):
        return any(_bad_text(k) or _bad_text(v) for k, v in node.items())
    if isinstance(node, list):
        return any(_bad_text(v) for v in node)
    return False


def read_activity(body: Any, parse: Callable[[dict[str, Any]], Any] | None = None) -> tuple[Any, str | None]:
    """The activity in a request body, or why it is not one kansli can answer.

    Bot Framework always sends type, serviceUrl, from.id and conversation.id; anything
    without them, or with fields of the wrong shape, is refused with 400 (issue 10).
    The body is read into an Activity once, here, and handed to the adapter as it is.
    """
    try:
        problem = _shape_problem(body)
    except RecursionError:
        problem = "nested too deep"
    if problem is not None:
        return None, problem
    try:
        return (parse or Activity().deserialize)(body), None
    except Exception as exc:  # noqa: BLE001 - any shape the SDK cannot read
        return None, f"not an activity: {type(exc).__name__}"


def _shape_problem(body: Any) -> str | None:
    if not isinstance(body, dict):
        return "not a JSON object"
    if not isinstance(body.get("type"), str) or not body["type"]:
        return "no type"
    if not isinstance(body.get("serviceUrl"), str) or not body["serviceUrl"]:
        return "no serviceUrl"
    for key in ("from", "conversation"):
        part = body.get(key)
        if not isinstance(part, dict) or not isinstance(part.get("id"), str) or not part["id"]:
            return f"no {key}.id"
    if body.get("recipient") is not None and not isinstance(body["recipient"], dict):
        return "recipient is not an object"
    for key in _TEXT_FIELDS:
        if body.get(key) is not None and not isinstance(body[key], str):
            return f"{key} is not text"
    if body.get("channelData") is not None and not isinstance(body["channelData"], dict):
        return "channelData is not an object"
    # Ids travel in URLs and HTTP headers (x-ms-conversation-id): Bot Framework ids are printable ASCII.
    for value in (body.get("id"), body["serviceUrl"], body["from"]["id"], body["from"].get("aadObjectId"),
                  body["conversation"]["id"], (body.get("recipient") or {}).get("id")):
        if value is not None and (not isinstance(value, str) or not _ID.fullmatch(value)):
            return "an id that is not printable ASCII"
    if _bad_text(body):
        return "text with NUL or unpaired surrogate characters"
    return None


# ------------------------------------------------------------------------------------ settings → SDK


def sdk_configuration(settings: Any) -> SimpleNamespace:
    """The configuration object ConfigurationBotFrameworkAuthentication reads (APP_ID, APP_PASSWORD, …)."""
    config = SimpleNamespace(
        APP_ID=settings.microsoft_app_id or None,
        APP_PASSWORD=settings.microsoft_app_password or None,
        # Without an app id (the local mode) there is no credential, so no tenant to name.
        APP_TYPE=(settings.microsoft_app_type or "SingleTenant") if settings.microsoft_app_id else "MultiTenant",
        APP_TENANTID=settings.microsoft_app_tenant_id or None,
    )
    metadata = getattr(settings, "teams_openid_metadata_url", "")
    if metadata:  # another token issuer's keys (tests, sovereign clouds)
        config.TO_BOT_FROM_CHANNEL_OPENID_METADATA_URL = metadata
        config.TO_BOT_FROM_EMULATOR_OPENID_METADATA_URL = metadata
        config.TO_BOT_FROM_CHANNEL_TOKEN_ISSUER = AuthenticationConstants.TO_BOT_FROM_CHANNEL_TOKEN_ISSUER
    return config


class _ReusedConnectors(ConnectorFactory):
    """The SDK's connector factory, with one client per service URL and audience instead of one per turn.

    CloudAdapter builds a new ConnectorClient (a requests session, retry policy and configuration)
    for every turn and every proactive message, and so opens a new TCP connection for each reply; and
    building msrest's retry policy tests 999 status codes against a 500-item list (about 5 ms of CPU
    per client, measured in `make bench`). Reusing the clients pays both once, without patching the SDK.
    The older BotFrameworkAdapter kept its clients in the same way; the credentials inside still
    fetch and refresh their own tokens, and the sender keeps one requests session per thread.
    """

    def __init__(self, inner: ConnectorFactory, cache: dict[tuple[str, str | None], Any]) -> None:
        self._inner = inner
        self._cache = cache

    async def create(self, service_url: str, audience: str | None = None) -> Any:
        key = (service_url, audience)
        client = self._cache.get(key)
        if client is None:
            client = await self._inner.create(service_url, audience)
            if len(self._cache) >= 64:  # service URLs are a handful per region; never grow without end
                self._cache.clear()
            self._cache[key] = client
        return client


class KansliAuthentication(ConfigurationBotFrameworkAuthentication):
    """Bot Framework authentication as configured, reusing connector and user-token clients across turns.

    kansli never signs users in, so the user-token client the adapter asks for on every turn is
    built once per bot id rather than per turn.
    """

    def __init__(self, configuration: Any) -> None:
        super().__init__(configuration)
        self._connectors: dict[str, dict[tuple[str, str | None], Any]] = {}
        self._token_clients: dict[str | None, Any] = {}

    def _reused(self, factory: ConnectorFactory, claims_identity: Any) -> ConnectorFactory:
        app_id = _app_id(claims_identity) or ""
        return _ReusedConnectors(factory, self._connectors.setdefault(app_id, {}))

    async def authenticate_request(self, activity: Activity, auth_header: str) -> Any:
        result = await super().authenticate_request(activity, auth_header)
        if result.connector_factory is not None:
            result.connector_factory = self._reused(result.connector_factory, result.claims_identity)
        return result

    def create_connector_factory(self, claims_identity: Any) -> ConnectorFactory:
        return self._reused(super().create_connector_factory(claims_identity), claims_identity)

    async def create_user_token_client(self, claims_identity: Any) -> Any:
        app_id = _app_id(claims_identity)
        client = self._token_clients.get(app_id)
        if client is None:
            client = await super().create_user_token_client(claims_identity)
            self._token_clients[app_id] = client
        return client


def _app_id(claims_identity: Any) -> str | None:
    """The bot id a turn runs as (the audience claim), as the SDK itself reads it."""
    claims = getattr(claims_identity, "claims", None) or {}
    return claims.get(AuthenticationConstants.AUDIENCE_CLAIM) or claims.get(AuthenticationConstants.APP_ID_CLAIM)


# ------------------------------------------------------------------------------------ who may post


SERVICE_URL_CLAIM = "serviceurl"  # the claim in a Bot Framework channel token naming the connector it vouches for
NO_AUTH_WARNING_EVERY = 60.0  # seconds between warnings while the unauthenticated local mode is used


def is_loopback_url(url: str) -> bool:
    """Whether a service URL points at this machine (127.0.0.0/8, ::1 or localhost)."""
    import ipaddress
    from urllib.parse import urlsplit

    try:
        host = urlsplit(url).hostname or ""
    except ValueError:
        return False
    if host.lower() == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def is_loopback_peer(remote: str | None) -> bool:
    """Whether the request came from this machine (its peer address is on loopback)."""
    import ipaddress

    if not remote:
        return False
    try:
        address = ipaddress.ip_address(str(remote).split("%", 1)[0])
    except ValueError:
        return False
    mapped = getattr(address, "ipv4_mapped", None)  # a dual-stack socket shows 127.0.0.1 as ::ffff:127.0.0.1
    return (mapped or address).is_loopback


def _same_url(a: str, b: str) -> bool:
    return a.strip().rstrip("/").lower() == b.strip().rstrip("/").lower()


class Gate:
    """Who may post to the endpoint, the same for every SDK.

    With an app id every request carries a Bot Framework token that the SDK validates, and the
    activity's serviceUrl must be the one the token vouches for (its `serviceurl` claim): kansli
    never posts where an unauthenticated sender points it. Without an app id the endpoint is only
    served with KANSLI_TEAMS_NO_AUTH=1, for the Bot Framework tools on one machine, and then only
    activities whose serviceUrl is on loopback are taken, with a warning each minute it is used.
    """

    def __init__(self, *, app_id: str | None, clock: Callable[[], float] = time.monotonic) -> None:
        self.app_id = app_id
        self.clock = clock
        self._warned_at: float | None = None

    async def authenticate(self, service_url: str, header: str,
                           validate: Callable[[str], Awaitable[Any]], *, peer: str | None = "127.0.0.1") -> Any:
        """The SDK's authentication result for the request, or the response refusing it (401, 503).

        `peer` is the request's remote address: the unauthenticated mode takes requests from this machine
        only, whatever serviceUrl the activity names (the sender writes that)."""
        if self.app_id is None:
            if not is_loopback_peer(peer):
                log.warning("Teams request refused: unauthenticated mode takes requests from this machine only")
                return web.Response(status=401)
            if not is_loopback_url(service_url):
                log.warning("Teams request refused: unauthenticated mode takes only loopback service URLs")
                return web.Response(status=401)
            now = self.clock()
            if self._warned_at is None or now - self._warned_at >= NO_AUTH_WARNING_EVERY:
                self._warned_at = now
                log.warning("KANSLI_TEAMS_NO_AUTH=1: %s is taking unauthenticated activities (local testing only)",
                            ROUTE)
        elif not header:
            return web.Response(status=401)
        try:
            result = await validate(header)
        except PermissionError as exc:  # the SDK's refusal (an OSError, so before the next clause)
            log.info("Teams request refused: %s", str(exc)[:200])
            return web.Response(status=401)
        except (asyncio.TimeoutError, OSError) as exc:  # the token's keys could not be fetched: try later
            log.warning("Teams request not authenticated, signing keys unreachable: %s", exc)
            return web.Response(status=503)
        except Exception as exc:  # noqa: BLE001 - any bad, malformed or foreign token is a 401
            log.info("Teams request refused: %s: %s", type(exc).__name__, str(exc)[:200])
            return web.Response(status=401)
        if self.app_id is not None:
            claims = getattr(getattr(result, "claims_identity", result), "claims", None) or {}
            vouched = claims.get(SERVICE_URL_CLAIM) if isinstance(claims, dict) else None
            if not isinstance(vouched, str) or not _same_url(vouched, service_url):
                log.warning("Teams request refused: its serviceUrl is not the one its token vouches for")
                return web.Response(status=401)
        return result


# ------------------------------------------------------------------------------------ rate limit, retry


class ConversationLimiter:
    """A token bucket per conversation (chat or channel thread).

    Teams limits how fast a bot may post into one thread (at the time of
    writing about 7 messages per 3 seconds, 60 per 30 seconds and 1800 per hour
    per bot and thread) and answers 429 beyond that. The defaults here, a burst
    of 3 and then 1 message per second, stay inside the short windows; kansli
    never comes near the hourly one. Other conversations are not held up.
    """

    def __init__(self, *, burst: float = 3, per_second: float = 1.0,
                 clock: Callable[[], float] = time.monotonic,
                 sleep: Callable[[float], Awaitable[Any]] = asyncio.sleep) -> None:
        self.burst = burst
        self.per_second = per_second
        self.clock = clock
        self.sleep = sleep
        self._buckets: dict[str, tuple[float, float]] = {}
        self._locks: dict[str, asyncio.Lock] = {}

    async def acquire(self, key: str) -> None:
        if self.per_second <= 0:
            return
        lock = self._locks.setdefault(key, asyncio.Lock())
        async with lock:
            while True:
                now = self.clock()
                tokens, last = self._buckets.get(key, (self.burst, now))
                tokens = min(self.burst, tokens + (now - last) * self.per_second)
                if tokens >= 1:
                    self._buckets[key] = (tokens - 1, now)
                    break
                self._buckets[key] = (tokens, now)
                await self.sleep((1 - tokens) / self.per_second)
        if len(self._buckets) > 5000:  # forget idle conversations (their buckets are full again)
            now = self.clock()
            for k, (__, last) in list(self._buckets.items()):
                if now - last > self.burst / self.per_second and not self._locks[k].locked():
                    self._buckets.pop(k, None)
                    self._locks.pop(k, None)


@dataclass
class RetryPolicy:
    """Bounded retries with exponential back-off and jitter; Retry-After is honoured up to `max_delay`."""

    attempts: int = 4
    base_delay: float = 1.0
    max_delay: float = 20.0
    sleep: Callable[[float], Awaitable[Any]] = asyncio.sleep

    def delay(self, attempt: int, retry_after: float | None) -> float:
        if retry_after is not None:
            return min(max(retry_after, 0.0), self.max_delay)
        backoff = self.base_delay * 2 ** (attempt - 1)
        return min(backoff + random.uniform(0, self.base_delay / 2), self.max_delay)


def _http_status(exc: BaseException) -> int | None:
    response = getattr(exc, "response", None)
    status = getattr(response, "status_code", None) or getattr(response, "status", None)
    return int(status) if isinstance(status, int) else None


def _retry_after(exc: BaseException) -> float | None:
    headers = getattr(getattr(exc, "response", None), "headers", None) or {}
    value = headers.get("Retry-After") if hasattr(headers, "get") else None
    try:
        return float(value) if value is not None else None
    except ValueError:
        return None


# ------------------------------------------------------------------------------------ references


def _now(services: Services) -> datetime:
    return services.clock()


def _upsert_reference(session: Session, *, scope: str, scope_id: str, reference: dict[str, Any],
                      now: datetime) -> None:
    stmt = built.statement(session, "upsert_reference", _upsert_reference_statement)
    session.execute(stmt, {"v_platform": PLATFORM, "v_scope": scope, "v_scope_id": scope_id[:300],
                           "v_reference": reference, "v_now": now})


def _upsert_reference_statement(insert: Any) -> Any:
    stmt = insert(ConversationRef.__table__).values(
        platform=bindparam("v_platform"), scope=bindparam("v_scope"), scope_id=bindparam("v_scope_id"),
        reference=bindparam("v_reference"), updated_at=bindparam("v_now"))
    return stmt.on_conflict_do_update(
        index_elements=["platform", "scope", "scope_id"],
        set_={"reference": stmt.excluded.reference, "updated_at": stmt.excluded.updated_at},
    )


def _channel_data(activity: Activity) -> dict[str, Any]:
    data = activity.channel_data
    return data if isinstance(data, dict) else {}


def _teams_channel_id(activity: Activity) -> str | None:
    channel = _channel_data(activity).get("channel") or {}
    return channel.get("id") if isinstance(channel, dict) else None


def _conversation_type(activity: Activity) -> str:
    conv = activity.conversation
    kind = getattr(conv, "conversation_type", None) if conv else None
    if kind:
        return str(kind)
    if _teams_channel_id(activity):
        return "channel"
    return "groupChat" if conv is not None and conv.is_group else "personal"


def conversation_kind(activity: Activity) -> str:
    """PERSONAL, GROUP or CHANNEL for the dispatcher; a kind Teams may add later counts as a channel."""
    return {"personal": PERSONAL, "groupChat": GROUP}.get(_conversation_type(activity), CHANNEL)


def dispatch_channel(activity: Activity) -> str | None:
    """The id a forum is configured with (Forum.teams_channel): the channel id, or a group chat's id."""
    kind = _conversation_type(activity)
    if kind == "personal":
        return None
    channel = _teams_channel_id(activity)
    if channel:
        return channel
    conv_id = activity.conversation.id if activity.conversation else None
    return conv_id.split(";", 1)[0] if conv_id else None


def _reference_json(activity: Activity, *, shared_target: str | None) -> dict[str, Any]:
    """The activity's conversation reference, ready for proactive posts.

    The message id is dropped so that a proactive post is a new message, not a
    reply in someone's thread; in a channel the conversation is the channel
    itself and the person who happened to write last is not kept.
    """
    ref = TurnContext.get_conversation_reference(activity)
    ref.activity_id = None
    if shared_target is not None:
        ref.user = None
        if ref.conversation is not None and _teams_channel_id(activity):
            ref.conversation.id = shared_target
    return wire_reference(ref.serialize())


_REFERENCE_KEYS = ("activityId", "user", "bot", "conversation", "channelId", "locale", "serviceUrl")


def wire_reference(reference: dict[str, Any]) -> dict[str, Any]:
    """A stored conversation reference as both SDKs read it: the Bot Framework wire names, nothing else."""
    return {k: reference[k] for k in _REFERENCE_KEYS if reference.get(k) is not None}


# ------------------------------------------------------------------------------------ text from Teams


_TAG = re.compile(r"</?[A-Za-z][^<>]*>")
_AT = re.compile(r"<at[^>]*>(.*?)</at>", re.IGNORECASE | re.DOTALL)
_LINKS_ACCOUNTS = re.compile(r"\bledamot\s+(?:ny|ändra|andra)\b", re.IGNORECASE)


def command_text(session: Session, activity: Activity) -> str:
    """The command in a Teams message: the bot's @mention removed, people's mentions as @handle."""
    text = activity.text or ""
    bot_id = activity.recipient.id if activity.recipient else None
    bot_name = (activity.recipient.name or "") if activity.recipient else ""
    for props in _entity_dicts(activity):
        if str(props.get("type") or "").lower() != "mention":
            continue
        mentioned = props.get("mentioned") or {}
        shown = props.get("text") or f"<at>{mentioned.get('name', '')}</at>"
        if mentioned.get("id") and mentioned.get("id") == bot_id:
            text = text.replace(shown, " ")
            continue
        person = queries.person_by_teams(
            session, user_id=mentioned.get("id"), aad_object_id=mentioned.get("aadObjectId")
        )
        if person is not None:
            text = text.replace(shown, f"@{person.handle}")
        else:
            name = _AT.sub(r"\1", shown).strip() or str(mentioned.get("name") or "")
            if mentioned.get("id") and _LINKS_ACCOUNTS.search(text):
                # /ledamot ny|ändra: the mention names an account to record (handlers.admin_members)
                text = text.replace(shown, f"<@teams:{mentioned['id']}|{name}>")
            else:
                text = text.replace(shown, f"@{name}")
    # A mention of the bot without a matching entity (some clients): drop it by name.
    if bot_name:
        text = re.sub(rf"<at[^>]*>\s*{re.escape(bot_name)}\s*</at>", " ", text, flags=re.IGNORECASE)
    text = _TAG.sub(" ", text)
    text = html.unescape(text).replace("\u00a0", " ")
    return " ".join(text.split())


def _entity_dicts(activity: Any) -> list[dict[str, Any]]:
    """The activity's entities as wire JSON, from either SDK's objects."""
    out = []
    for entity in activity.entities or []:
        if hasattr(entity, "model_dump"):  # Agents SDK (pydantic)
            out.append(entity.model_dump(by_alias=True, exclude_none=True, mode="json"))
        else:  # Bot Framework SDK (msrest): unknown fields live in additional_properties
            out.append(dict(getattr(entity, "additional_properties", None) or {}, type=entity.type))
    return out


def _submit_data(activity: Activity) -> Any:
    """The data of a card submit: Action.Submit arrives as a message value, Action.Execute as an invoke."""
    value = activity.value
    if activity.type == ActivityTypes.invoke and isinstance(value, dict):
        action = value.get("action") or {}
        return action.get("data") if isinstance(action, dict) else None
    return value


# ------------------------------------------------------------------------------------ the transport


class TeamsTransport:
    """Delivers outbox rows to Teams through stored conversation references, as
    bot.addressing.TeamsAddressing read them from the store; it never sees a Session."""

    name = PLATFORM

    def __init__(self, component: "TeamsComponent") -> None:
        self.component = component

    async def send(self, message: Outgoing) -> None:
        """Post the addressed messages (reference row id, reference JSON, rendered messages) into the
        stored conversation; no connection is held while the rate limiter waits or the connector
        answers. A conversation gone meanwhile is forgotten (on a database thread)."""
        component = self.component
        if message.address is None:
            raise TransientError(f"no Teams conversation with {message.label} yet")
        ref_id, stored, messages = message.address
        reference = component.reference_from_json(stored)
        key = reference.conversation.id if reference.conversation else message.label
        for activity in messages:
            if not await component.paced(key):
                raise TransientError("kansli is stopping; the message is sent after the restart")
            try:
                await component.send_proactive(reference, activity)
            except _Gone as exc:
                await component.forget_reference(ref_id)
                raise TransientError(
                    f"Teams no longer reaches {message.label} ({exc}); waiting until they write again"
                ) from None


def _forget_reference(maker: Any, ref_id: int) -> None:
    with maker() as session:
        found = session.get(ConversationRef, ref_id)
        if found is not None:
            session.delete(found)
        session.commit()


class _CardActionAnswer(Model):
    """The answer to an adaptiveCard/action invoke: a short message Teams shows on the card."""

    _attribute_map = {
        "status_code": {"key": "statusCode", "type": "int"},
        "type": {"key": "type", "type": "str"},
        "value": {"key": "value", "type": "str"},
    }

    def __init__(self, *, status_code: int, type: str, value: str) -> None:  # noqa: A002 - the wire name
        super().__init__()
        self.status_code = status_code
        self.type = type
        self.value = value


class _CardContent(Model):
    """An Adaptive Card as attachment content, serialized as the plain JSON it already is.

    As a bare dict, msrest walks the card value by value (serialize_object) on every send: about
    4 ms for a 14 KB card, more than the command itself. A model whose only attribute is
    `additional_properties` (key '') is copied into the wire JSON as it stands.
    """

    _attribute_map = {"additional_properties": {"key": "", "type": "{object}"}}

    def __init__(self, card: dict[str, Any]) -> None:
        super().__init__()
        self.additional_properties = card

    def __deepcopy__(self, memo: dict[int, Any]) -> "_CardContent":
        # TurnContext.send_activities deep-copies every outgoing activity; a rendered card is never
        # changed afterwards, so the copy can share it (copying a 14 KB card cost several ms).
        return self


class _Gone(Exception):
    """The connector says the conversation no longer exists for the bot."""


# ------------------------------------------------------------------------------------ the bot


class TeamsComponent:
    """Everything Teams in one place: the adapter, the turn logic and the transport.

    The Bot Framework SDK's glue is in the methods under "the Bot Framework SDK"; bot.teams_agents
    overrides exactly those for the Microsoft 365 Agents SDK.
    """

    sdk = "botbuilder"

    def __init__(self, services: Services) -> None:
        self.services = services
        settings = services.settings
        self.app_id: str | None = settings.microsoft_app_id or None
        try:
            self.build_sdk(settings)
        except Exception as exc:  # noqa: BLE001 - the SDK refuses an incomplete combination in English
            from bot.config import SettingsError

            log.debug("Bot Framework configuration refused: %s", exc)
            raise SettingsError(
                _("Teams-inställningarna räcker inte för MicrosoftAppType={app_type}: sätt MicrosoftAppId, "
                  "MicrosoftAppPassword och (för SingleTenant och UserAssignedMSI) MicrosoftAppTenantId, eller "
                  "lämna MicrosoftAppId tom för lokal provkörning.", app_type=settings.microsoft_app_type)
            ) from None
        self.gate = Gate(app_id=self.app_id)
        self.limiter = ConversationLimiter()
        self.retry = RetryPolicy()
        self.transport = TeamsTransport(self)
        # Teams' turns and the notifications they queue (bot.turn), answers rendered as Teams messages.
        self.turns = TurnPipeline(services, render=render_messages)
        self.stopping = False
        self._stop = asyncio.Event()
        self.shutdown_grace = SHUTDOWN_GRACE

    # --- HTTP -------------------------------------------------------------------------------------

    async def handle(self, request: web.Request) -> web.StreamResponse:
        if "application/json" not in request.headers.get("Content-Type", ""):
            return web.json_response({"error": NOT_JSON}, status=415)
        try:
            body = await request.json()
        except (ValueError, RecursionError):  # not JSON, or nested deeper than the parser goes
            return web.json_response({"error": "Ogiltig JSON."}, status=400)
        activity, problem = read_activity(body, self.parse)
        if activity is None:  # malformed: 400 before the SDK sees it, and nothing is written
            log.info("Teams request refused: %s", problem)
            return web.json_response({"error": NOT_ACTIVITY}, status=400)
        auth = await self.gate.authenticate(activity.service_url, request.headers.get("Authorization", ""),
                                            lambda header: self.validate(activity, header), peer=request.remote)
        if isinstance(auth, web.Response):
            return auth
        try:
            return await self.process(auth, activity)
        except Exception:  # noqa: BLE001 - the caller gets a status, the log gets the detail
            log.exception("Teams activity failed")
            return web.Response(status=500)

    # --- the Bot Framework SDK (bot.teams_agents overrides these for the Agents SDK) -------------

    def build_sdk(self, settings: Any) -> None:
        self.auth = KansliAuthentication(sdk_configuration(settings))
        self.adapter = CloudAdapter(self.auth)

    parse = staticmethod(lambda body: Activity().deserialize(body))

    async def validate(self, activity: Any, header: str) -> Any:
        return await self.auth.authenticate_request(activity, header)

    async def process(self, auth: Any, activity: Any) -> web.StreamResponse:
        # What CloudAdapter.process does after reading the body, without reading it a second time:
        # run the turn on the authenticated request, answer an invoke with its response.
        invoke = await self.adapter.process_activity(auth, activity, self.on_turn)
        if invoke is not None:
            return web.json_response(serializer_helper(invoke.body), status=invoke.status)
        return web.Response(status=201)

    @staticmethod
    def invoke_answer(value: str) -> Any:
        """The activity answering an adaptiveCard/action invoke with a short message on the card."""
        body = _CardActionAnswer(status_code=200, type="application/vnd.microsoft.activity.message", value=value)
        return Activity(type=ActivityTypes.invoke_response, value=InvokeResponse(status=200, body=body))

    @staticmethod
    def reference_json(activity: Any, *, shared_target: str | None) -> dict[str, Any]:
        return _reference_json(activity, shared_target=shared_target)

    @staticmethod
    def reference_from_json(stored: dict[str, Any]) -> Any:
        return ConversationReference().deserialize(wire_reference(stored))

    @staticmethod
    def failure(exc: BaseException) -> tuple[str, int | None, float | None] | None:
        """What a connector call's exception means: ("http", status, retry-after), ("unreachable", …) or None."""
        if isinstance(exc, HttpOperationError):
            return "http", _http_status(exc), _retry_after(exc)
        if isinstance(exc, ClientRequestError):
            return "unreachable", None, None
        return None

    async def idle(self) -> None:
        """Wait for background deliveries started by earlier turns (tests)."""
        await self.turns.idle()

    async def stopping_now(self, app: web.Application) -> None:
        """SIGTERM: no new connector calls from deliveries; what waits for the pace is sent after the restart."""
        self.stopping = True
        self._stop.set()

    async def forget_reference(self, ref_id: int) -> None:
        """Delete a stored conversation reference Teams says is gone, on a database thread."""
        await self.services.threads.run(_forget_reference, self.services.sessionmaker, ref_id)

    async def paced(self, key: str) -> bool:
        """Wait for the conversation's turn under the rate limit; False when kansli stops meanwhile."""
        if self.stopping:
            return False
        turn = asyncio.ensure_future(self.limiter.acquire(key))
        if turn.done():
            return True
        stop = asyncio.ensure_future(self._stop.wait())
        done, __ = await asyncio.wait({turn, stop}, return_when=asyncio.FIRST_COMPLETED)
        if turn in done:
            stop.cancel()
            return True
        turn.cancel()
        return False

    async def close(self, app: web.Application) -> None:
        """Give queued deliveries a moment and cancel the rest; their rows are handed back when the
        service's last cleanup step releases the process's claims (bot.serve)."""
        await self.turns.stop(self.shutdown_grace)

    # --- turns ------------------------------------------------------------------------------------

    async def on_turn(self, turn: TurnContext) -> None:
        """The Bot entry point the CloudAdapter calls for each authenticated activity."""
        activity = turn.activity
        try:
            if activity.type == ActivityTypes.message:
                await self._on_message(turn)
            elif activity.type == ActivityTypes.invoke:
                await self._on_invoke(turn)
            elif activity.type == ActivityTypes.conversation_update:
                await self._on_conversation_update(turn)
            elif activity.type == ActivityTypes.installation_update:
                if str(activity.action or "").startswith("remove"):
                    await self.services.threads.run(self._forget, activity)
                else:
                    await self.services.threads.run(self._remember, activity)
        except Exception:  # noqa: BLE001 - no traceback ever reaches a user
            log.exception("Teams turn failed (%s)", activity.type)
            if activity.type in (ActivityTypes.message, ActivityTypes.invoke):
                await turn.send_activity(self._activity(TeamsMessage(text=INTERNAL)))

    async def _on_message(self, turn: TurnContext) -> None:
        await self.turns.run(self._turn(turn.activity), self._replier(turn))

    async def _on_invoke(self, turn: TurnContext) -> None:
        if turn.activity.name != "adaptiveCard/action":
            return  # the adapter answers 501 for invokes kansli does not offer
        dispatched = await self.turns.dispatch(self._turn(turn.activity))
        value = "Klart." if dispatched is None or dispatched.outcome.reply.ok else "Se svaret i chatten."
        try:
            await turn.send_activity(self.invoke_answer(value))
        finally:
            if dispatched is not None:
                await self.turns.answer(dispatched, self._replier(turn))

    async def _on_conversation_update(self, turn: TurnContext) -> None:
        activity = turn.activity
        bot_id = activity.recipient.id if activity.recipient else None
        added = [m for m in (activity.members_added or []) if m.id == bot_id]
        if any(m.id == bot_id for m in (activity.members_removed or [])):
            await self.services.threads.run(self._forget, activity)  # uninstalled: later messages wait instead
            return
        person = await self.services.threads.run(self._remember, activity)
        if not added:
            return
        if _conversation_type(activity) == "personal":
            if person is None:
                reply = unknown_person_reply(self._identity(activity), PLATFORM)
                await self._send_reply(turn, reply)
            else:
                await self._send_reply(turn, Reply(lines=[GREETING_PERSONAL.format(name=person[1])]))
        else:
            await self._send_reply(turn, Reply(lines=[GREETING_SHARED]))

    def _turn(self, activity: Activity) -> Turn:
        """A message or card submit as a turn: recorded under its activity id (a redelivery carries the
        same), its conversation's reference kept in the same transaction, the command read there too
        (people's mentions become handles)."""
        data = _submit_data(activity)
        submitted = submitted_command(data) if data is not None else None
        key = None
        if activity.id and activity.conversation is not None:
            key = f"teams:{activity.conversation.id}:{activity.id}"
        return Turn(
            identity=self._identity(activity),
            platform=PLATFORM,
            text=submitted if submitted is not None else (lambda session: command_text(session, activity)),
            event_key=key,
            channel=dispatch_channel(activity),
            conversation=conversation_kind(activity),
            keep=lambda session: self._store_reference(session, activity),
        )

    def _replier(self, turn: TurnContext) -> Callable[[Dispatched], Awaitable[None]]:
        """The reply step: the rendered messages, into the conversation the turn came from."""
        return lambda dispatched: self._send_messages(turn, dispatched.rendered)

    async def _send_reply(self, turn: TurnContext, reply: Reply) -> None:
        await self._send_messages(turn, render_messages(reply))

    async def _send_messages(self, turn: TurnContext, messages: list[TeamsMessage]) -> None:
        for message in messages:
            activity = self._activity(message)
            await self._retrying(lambda: turn.send_activity(activity))

    # --- database work (run in a thread) ----------------------------------------------------------

    @staticmethod
    def _identity(activity: Activity) -> Identity:
        user = activity.from_property
        return Identity(
            teams_user_id=(user.id if user else None) or None,
            teams_aad_object_id=(getattr(user, "aad_object_id", None) if user else None) or None,
        )

    def _remember(self, activity: Activity) -> tuple[int, str] | None:
        """Store the activity's conversation reference; return (id, name) of the person writing, if known."""
        with self.services.sessionmaker() as session:
            person = self._store_reference(session, activity)
            session.commit()
            return (person.id, person.name) if person is not None else None

    def _forget(self, activity: Activity) -> None:
        """The bot was removed from this conversation: drop its stored reference."""
        with self.services.sessionmaker() as session:
            for scope, scope_id in self._scopes(session, activity, self._person(session, activity)):
                found = _find_reference(session, scope, scope_id)
                if found is not None:
                    session.delete(found)
            session.commit()

    def _person(self, session: Session, activity: Activity) -> Person | None:
        """The person writing. Within a turn this is the dispatcher's own look-up (the asker with their
        forums and the channel's roster), read once for both."""
        identity = self._identity(activity)
        if session.info.get(queries.TURN):
            return queries.identify(session, teams_user_id=identity.teams_user_id,
                                    teams_aad_object_id=identity.teams_aad_object_id,
                                    channel=dispatch_channel(activity))
        return queries.person_by_teams(
            session, user_id=identity.teams_user_id, aad_object_id=identity.teams_aad_object_id
        )

    @staticmethod
    def _scopes(session: Session, activity: Activity, person: Person | None) -> list[tuple[str, str]]:
        """Where this conversation's reference is kept: a personal chat under its person (an unknown
        user's chat is not kept), a forum's channel under the forum, anything else under its id."""
        if activity.conversation is None:
            return []
        if _conversation_type(activity) == "personal":
            return [("person", str(person.id))] if person is not None else []
        target = dispatch_channel(activity) or activity.conversation.id
        forum = queries.channel_forum(session, person, target)
        return [("forum", str(forum.id)) if forum is not None else ("conversation", target)]

    def _store_reference(self, session: Session, activity: Activity) -> Person | None:
        """Keep where this conversation can be reached later; return the person writing, if known."""
        if activity.conversation is None or not activity.service_url:
            return None
        person = self._person(session, activity)
        shared = None
        if _conversation_type(activity) != "personal":
            shared = dispatch_channel(activity) or activity.conversation.id
        reference = self.reference_json(activity, shared_target=shared)
        for scope, scope_id in self._scopes(session, activity, person):
            stored = _find_reference(session, scope, scope_id[:300])
            if stored is not None and stored.reference == reference:
                continue  # the usual case: nothing to write
            _upsert_reference(session, scope=scope, scope_id=scope_id, reference=reference,
                              now=_now(self.services))
        return person

    # --- sending ----------------------------------------------------------------------------------

    @staticmethod
    def _activity(message: TeamsMessage) -> Activity:
        if message.card is not None:
            return Activity(
                type=ActivityTypes.message,
                summary=message.summary[:200] or None,
                attachments=[Attachment(content_type=CARD_CONTENT_TYPE, content=_CardContent(message.card))],
            )
        return Activity(type=ActivityTypes.message, text=message.text, text_format="markdown")

    async def send_proactive(self, reference: ConversationReference, message: TeamsMessage) -> None:
        """Post one message into a stored conversation, retrying what Teams asks bots to retry."""

        async def post(turn: TurnContext) -> None:
            # Addressed from the stored reference (which has no message id), so this is a new message;
            # TurnContext.send_activity would make it a reply to the continuation event instead.
            activity = TurnContext.apply_conversation_reference(self._activity(message), reference)
            await turn.adapter.send_activities(turn, [activity])

        await self._retrying(lambda: self.adapter.continue_conversation(reference, post, bot_app_id=self.app_id))

    async def _retrying(self, call: Callable[[], Awaitable[Any]]) -> None:
        """Run one connector call: back off and retry 412/429/502/504 and lost connections a bounded number
        of times, then give up with TransientError (the outbox tries again later)."""
        policy = self.retry
        for attempt in range(1, policy.attempts + 1):
            try:
                await call()
                return
            except Exception as exc:  # noqa: BLE001 - classified below; anything else goes up as it is
                meaning = self.failure(exc)
                if meaning is None:
                    raise
                kind, status, retry_after = meaning
            if kind == "http":
                if status in GONE_STATUSES:
                    raise _Gone(f"HTTP {status}") from None
                if status not in RETRY_STATUSES:
                    if status is not None and 400 <= status < 500 and status != 401:
                        raise PermanentError(f"Teams refused the message: HTTP {status}") from None
                    raise TransientError(f"Teams answered HTTP {status}") from None
                if attempt == policy.attempts:
                    raise TransientError(f"Teams answered HTTP {status} {attempt} times") from None
                wait = policy.delay(attempt, retry_after)
                log.info("Teams answered %s; trying again in %.1f s", status, wait)
            else:
                if attempt == policy.attempts:
                    raise TransientError("Teams unreachable") from None
                wait = policy.delay(attempt, None)
            await policy.sleep(wait)
