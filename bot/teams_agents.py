"""Microsoft Teams on the Microsoft 365 Agents SDK for Python (KANSLI_TEAMS_SDK=agents).

Only the SDK glue lives here: reading an activity, validating the Bot Framework token with the
SDK's JwtTokenValidator, running the turn through its CloudAdapter, building outgoing activities,
conversation references and proactive posts (`continue_conversation_with_claims`), and what a
connector failure means. Everything else, turn handling, card rendering, reference storage, pacing
and retries, the endpoint's gate, is `bot.teams.TeamsComponent`, shared with the Bot Framework SDK.

Stored conversation references are the Bot Framework wire JSON (camelCase) in both SDKs, so a
reference stored under one SDK is used by the other after a switch.
"""
from __future__ import annotations

import asyncio
import logging
from typing import Any

import aiohttp
from aiohttp import web
from microsoft_agents.activity import (
    Activity,
    ActivityTypes,
    Attachment,
    ConversationReference,
    InvokeResponse,
    RoleTypes,
)
from microsoft_agents.authentication.msal import MsalAuth
from microsoft_agents.hosting.aiohttp import CloudAdapter
from microsoft_agents.hosting.core import (
    AgentAuthConfiguration,
    AuthTypes,
    ClaimsIdentity,
    ConnectionManager,
    TurnContext,
)
from microsoft_agents.hosting.core.authorization import JwtTokenValidator
from microsoft_agents.hosting.core.connector.client.user_token_client import UserTokenClient
from microsoft_agents.hosting.core.connector.teams import TeamsConnectorClient
from microsoft_agents.hosting.core.rest_channel_service_client_factory import RestChannelServiceClientFactory

from bot import teams as shared
from bot.render.teams import CARD_CONTENT_TYPE, TeamsMessage

log = logging.getLogger("kansli.teams")

# The audience of the anonymous connector client in the local mode (no credentials are sent).
_CHANNEL_AUDIENCE = "https://api.botframework.com"


def auth_configuration(settings: Any) -> AgentAuthConfiguration:
    """kansli's MicrosoftApp* settings as the Agents SDK's connection settings."""
    app_id = settings.microsoft_app_id or None
    if app_id is None:
        return AgentAuthConfiguration(anonymous_allowed=True)
    kind = settings.microsoft_app_type or "SingleTenant"
    tenant = settings.microsoft_app_tenant_id or None
    if kind == "UserAssignedMSI":
        if not tenant:
            raise ValueError("UserAssignedMSI needs a tenant")
        return AgentAuthConfiguration(AuthTypes.user_managed_identity, client_id=app_id, tenant_id=tenant)
    if not settings.microsoft_app_password or (kind == "SingleTenant" and not tenant):
        raise ValueError("incomplete credentials")
    # A multi-tenant bot (registered before August 2025) gets its tokens from the Bot Framework tenant.
    token_tenant = tenant if kind == "SingleTenant" else "botframework.com"
    login = getattr(settings, "teams_login_url", "")
    return AgentAuthConfiguration(AuthTypes.client_secret, client_id=app_id, tenant_id=token_tenant,
                                  client_secret=settings.microsoft_app_password,
                                  authority=f"{login.rstrip('/')}/{token_tenant}" if login else None)


class _MsalAuth(MsalAuth):
    """The SDK's MSAL token provider; with a login host of kansli's own (KANSLI_TEAMS_LOGIN_URL) MSAL
    is told not to ask login.microsoftonline.com whether that host is a known Entra instance (instance
    discovery), which a loopback or private token service never is. Without it, nothing changes."""

    def _create_client_application(self, tenant_id: str | None = None) -> Any:
        config = self.configuration
        if config.AUTHORITY and config.AUTH_TYPE == AuthTypes.client_secret:
            from msal import ConfidentialClientApplication

            return ConfidentialClientApplication(client_id=config.CLIENT_ID, client_credential=config.CLIENT_SECRET,
                                                 authority=self._resolve_authority(config, tenant_id),
                                                 instance_discovery=False)
        return super()._create_client_application(tenant_id)


class _FixedKeys:
    """Signing keys from the configured issuer's OpenID metadata (KANSLI_TEAMS_OPENID_METADATA_URL)
    instead of the SDK's built-in locations; used by tests and sovereign clouds."""

    def __init__(self, metadata_url: str) -> None:
        self.metadata_url = metadata_url
        self._clients: dict[str, Any] = {}

    async def get_signing_key(self, jwks_uri: str, header: dict[str, Any]) -> Any:
        import asyncio

        import jwt
        import requests

        def fetch() -> Any:
            client = self._clients.get("keys")
            if client is None:
                keys_url = requests.get(self.metadata_url, timeout=10).json()["jwks_uri"]
                client = self._clients["keys"] = jwt.PyJWKClient(keys_url)
            return client.get_signing_key(header["kid"])

        return await asyncio.to_thread(fetch)


class _KeptConnector(TeamsConnectorClient):
    """A connector client kept across turns: the adapter closes its connector client when the turn ends,
    which for this one leaves its session (and its open connection) alone."""

    async def close(self) -> None:
        return None


class _KeptUserTokenClient(UserTokenClient):
    """The user-token client (OAuth sign-in, which kansli does not offer) kept across turns likewise."""

    async def close(self) -> None:
        return None


def _endpoint(url: str) -> str:
    return url if url.endswith("/") else url + "/"


class _ReusedConnectors(RestChannelServiceClientFactory):
    """The SDK's client factory, with the clients of a turn kept and shared by later turns instead of made
    anew: one connector client (and HTTP session) per service URL and token, so replies go over a kept-alive
    connection, and one user-token client per token. The SDK makes both for every turn and proactive post,
    each with a session of its own and its version read from the installed package's metadata, which cost
    more processor time than answering a short command (`make bench`).

    Which token is used stays the SDK's: its connection manager's token provider, asked on every turn (it
    caches tokens itself), or the anonymous one; agentic requests and Copilot Studio connectors get the
    SDK's own clients, as made by the SDK. A client whose token was replaced is closed a while later (turns
    may still be sending on it), and all of them when the service stops."""

    MAX_CLIENTS = 64  # service URLs are a handful per region, tokens one per bot id and hour
    # Seconds a client stays open after it was replaced (a new token) or evicted: turns that already hold it
    # still send their replies.
    RETIRE_AFTER = 120.0

    def __init__(self, connection_manager: Any) -> None:
        super().__init__(connection_manager)
        self._clients: dict[tuple[str, str], Any] = {}
        self._user_tokens: dict[tuple[str, str, str], Any] = {}
        self._retiring: dict[aiohttp.ClientSession, asyncio.TimerHandle] = {}
        self._closing: set[asyncio.Task[None]] = set()

    @staticmethod
    def _sdk_made(context: Any) -> bool:
        """Requests whose clients the SDK makes differently (agentic identities, Copilot Studio)."""
        if context is None:
            return False
        activity = context.activity
        return bool(activity.is_agentic_request()) or (
            activity.recipient is not None and activity.recipient.role == RoleTypes.connector_user)

    async def _token(self, claims_identity: Any, resource_url: str, audience: str, scopes: list[str] | None,
                     use_anonymous: bool) -> str:
        provider = (self._ANONYMOUS_TOKEN_PROVIDER if use_anonymous
                    else self._connection_manager.get_token_provider(claims_identity, resource_url))
        return str(await provider.get_access_token(audience, scopes or claims_identity.get_token_scope()) or "")

    async def create_connector_client(self, context: Any, claims_identity: Any, service_url: str, audience: str,
                                      scopes: list[str] | None = None, use_anonymous: bool = False) -> Any:
        if not service_url or not audience or self._sdk_made(context):
            return await super().create_connector_client(context, claims_identity, service_url, audience, scopes,
                                                         use_anonymous)
        token = await self._token(claims_identity, service_url, audience, scopes, use_anonymous)
        key = (_endpoint(service_url), token)
        kept = self._clients.get(key)
        if kept is None or kept.client.closed:
            # The same service URL with an earlier token, and when there are too many, every client: closed
            # once the turns using them are done, never under a reply being sent.
            for old in [k for k in self._clients if k[0] == key[0] or len(self._clients) >= self.MAX_CLIENTS]:
                self._retire(self._clients.pop(old).client)
            self._clients[key] = kept = _KeptConnector(endpoint=key[0], token=token)
        return kept

    async def create_user_token_client(self, context: Any, claims_identity: Any,
                                       use_anonymous: bool = False) -> Any:
        if context is None or self._sdk_made(context):
            return await super().create_user_token_client(context, claims_identity, use_anonymous)
        endpoint = self._token_service_endpoint
        token = "" if use_anonymous else await self._token(
            claims_identity, endpoint, self._token_service_audience, claims_identity.get_token_scope(), False)
        if not use_anonymous and not token:
            return await super().create_user_token_client(context, claims_identity, use_anonymous)  # its error
        app_id = claims_identity.get_app_id() or ""
        key = (endpoint, app_id, token)
        kept = self._user_tokens.get(key)
        if kept is None or kept.client.closed:
            for old in [k for k in self._user_tokens
                        if k[:2] == key[:2] or len(self._user_tokens) >= self.MAX_CLIENTS]:
                self._retire(self._user_tokens.pop(old).client)
            self._user_tokens[key] = kept = _KeptUserTokenClient(app_id=app_id, endpoint=endpoint, token=token)
        return kept

    def _retire(self, session: aiohttp.ClientSession) -> None:
        self._retiring[session] = asyncio.get_running_loop().call_later(self.RETIRE_AFTER, self._close_retired,
                                                                        session)

    def _close_retired(self, session: aiohttp.ClientSession) -> None:
        self._retiring.pop(session, None)
        task = asyncio.ensure_future(session.close())
        self._closing.add(task)
        task.add_done_callback(self._closing.discard)

    async def close(self) -> None:
        for handle in self._retiring.values():
            handle.cancel()
        sessions = [c.client for c in (*self._clients.values(), *self._user_tokens.values())] + [*self._retiring]
        self._clients, self._user_tokens, self._retiring = {}, {}, {}
        for session in sessions:
            await session.close()
        if self._closing:
            await asyncio.gather(*self._closing, return_exceptions=True)


class _Card(dict):  # type: ignore[type-arg]
    """A rendered Adaptive Card as attachment content: the JSON object it is, shared by the copies the SDK makes.

    TurnContext.send_activities deep-copies every outgoing activity before sending it; a card is never changed
    once rendered, so the copy can hold the same one (a coordinator's list of assignments is a card of tens of
    KB, and copying it cost more than sending it)."""

    def __deepcopy__(self, memo: dict[int, Any]) -> "_Card":
        return self


async def _raise(context: Any, error: Exception) -> None:
    raise error


class AgentsTeamsComponent(shared.TeamsComponent):
    """The Teams component with the Microsoft 365 Agents SDK as its SDK."""

    sdk = "agents"

    def build_sdk(self, settings: Any) -> None:
        self.auth_config = auth_configuration(settings)
        self.connections = ConnectionManager(provider_factory=_MsalAuth,
                                             connections_configurations={"SERVICE_CONNECTION": self.auth_config})
        self.connectors = _ReusedConnectors(self.connections)
        self.adapter = CloudAdapter(connection_manager=self.connections,
                                    channel_service_client_factory=self.connectors)
        # The SDK's default turn-error handler posts the exception's text into the conversation and
        # swallows it; kansli's turns answer their own errors in Swedish, and a failed proactive post
        # must reach the retry logic and the outbox.
        self.adapter.on_turn_error = _raise
        self.validator = JwtTokenValidator(self.auth_config)
        metadata = getattr(settings, "teams_openid_metadata_url", "")
        if metadata:
            self.validator._jwk_client_manager = _FixedKeys(metadata)  # type: ignore[attr-defined]

    parse = staticmethod(lambda body: Activity.model_validate(body))

    async def close(self, app: web.Application) -> None:
        await super().close(app)
        await self.connectors.close()

    async def validate(self, activity: Any, header: str) -> Any:
        if self.app_id is None:
            return ClaimsIdentity({}, authentication_type="Anonymous")
        scheme, _, token = header.partition(" ")
        if scheme.lower() != "bearer" or not token.strip() or " " in token.strip():
            raise PermissionError("not a bearer token")
        return await self.validator.validate_token(token.strip())

    async def process(self, auth: Any, activity: Any) -> web.StreamResponse:
        invoke = await self.adapter.process_activity(auth, activity, self.on_turn)
        if activity.type == ActivityTypes.invoke:
            if invoke is None:
                return web.Response(status=501)
            body = invoke.body.model_dump(by_alias=True, exclude_none=True) \
                if hasattr(invoke.body, "model_dump") else invoke.body
            return web.json_response(body, status=invoke.status or 200)
        return web.Response(status=201)

    @staticmethod
    def invoke_answer(value: str) -> Any:
        body = {"statusCode": 200, "type": "application/vnd.microsoft.activity.message", "value": value}
        return Activity(type=ActivityTypes.invoke_response, value=InvokeResponse(status=200, body=body))

    @staticmethod
    def _activity(message: TeamsMessage) -> Any:
        if message.card is not None:
            return Activity(type=ActivityTypes.message, summary=message.summary[:200] or None,
                            attachments=[Attachment(content_type=CARD_CONTENT_TYPE, content=_Card(message.card))])
        return Activity(type=ActivityTypes.message, text=message.text, text_format="markdown")

    @staticmethod
    def reference_json(activity: Any, *, shared_target: str | None) -> dict[str, Any]:
        ref = activity.get_conversation_reference()
        ref.activity_id = None
        if shared_target is not None:
            ref.user = None
            if ref.conversation is not None and shared._teams_channel_id(activity):
                ref.conversation.id = shared_target
        return shared.wire_reference(ref.model_dump(by_alias=True, exclude_none=True, mode="json"))

    @staticmethod
    def reference_from_json(stored: dict[str, Any]) -> Any:
        return ConversationReference.model_validate(shared.wire_reference(stored))

    async def send_proactive(self, reference: Any, message: TeamsMessage) -> None:
        async def post(turn: TurnContext) -> None:
            # A new message in the conversation, not a reply to the continuation event.
            activity = self._activity(message).apply_conversation_reference(reference)
            await turn.adapter.send_activities(turn, [activity])

        if self.app_id is None:
            claims = ClaimsIdentity({}, authentication_type="Anonymous")
            call = lambda: self.adapter.continue_conversation_with_claims(  # noqa: E731
                claims, reference.get_continuation_activity(), post, audience=_CHANNEL_AUDIENCE)
        else:
            call = lambda: self.adapter.continue_conversation(  # noqa: E731
                self.app_id, reference.get_continuation_activity(), post)
        await self._retrying(call)

    @staticmethod
    def failure(exc: BaseException) -> tuple[str, int | None, float | None] | None:
        if isinstance(exc, aiohttp.ClientResponseError):
            retry_after = None
            headers = exc.headers or {}
            try:
                retry_after = float(headers.get("Retry-After")) if headers.get("Retry-After") else None
            except ValueError:
                pass
            return "http", exc.status, retry_after
        if isinstance(exc, (aiohttp.ClientError, OSError, TimeoutError)):
            return "unreachable", None, None
        return None
