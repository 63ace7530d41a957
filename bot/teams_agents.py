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
from microsoft_agents.activity import Activity, ActivityTypes, Attachment, ConversationReference, InvokeResponse
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
    """A turn's connector client on an HTTP session kept across turns: the adapter closes its connector
    client when the turn ends, which for this one leaves the session (and its open connection) alone."""

    async def close(self) -> None:
        return None


class _ReusedConnectors(RestChannelServiceClientFactory):
    """The SDK's client factory, with each turn's connector client sharing one HTTP session per service URL
    and token, so replies go over a kept-alive connection instead of a new one per turn. The SDK still
    decides the URL, the audience and the token (a new token gets a new session); kansli only keeps the
    session, closes a replaced one a while later (turns may still be sending on it), and closes them all
    when the service stops."""

    MAX_SESSIONS = 64  # service URLs are a handful per region, tokens one per bot id and hour
    # Seconds a session stays open after it was replaced (a new token) or evicted: turns that already hold a
    # connector on it still send their replies.
    RETIRE_AFTER = 120.0

    def __init__(self, connection_manager: Any) -> None:
        super().__init__(connection_manager)
        self._sessions: dict[tuple[str, str], aiohttp.ClientSession] = {}
        self._retiring: dict[aiohttp.ClientSession, asyncio.TimerHandle] = {}
        self._closing: set[asyncio.Task[None]] = set()

    async def create_connector_client(self, context: Any, claims_identity: Any, service_url: str, audience: str,
                                      scopes: list[str] | None = None, use_anonymous: bool = False) -> Any:
        fresh = await super().create_connector_client(context, claims_identity, service_url, audience, scopes,
                                                      use_anonymous)
        if type(fresh) is not TeamsConnectorClient:
            return fresh  # another kind of channel (Copilot Studio): as the SDK made it
        session: aiohttp.ClientSession = fresh.client
        key = (fresh.base_uri, session.headers.get("Authorization", ""))
        kept = self._sessions.get(key)
        if kept is None or kept.closed:
            # The same service URL with an earlier token, and when there are too many, every session: closed
            # once the turns using them are done, never under a reply being sent.
            for old in [k for k in self._sessions
                        if k[0] == key[0] or len(self._sessions) >= self.MAX_SESSIONS]:
                self._retire(self._sessions.pop(old))
            self._sessions[key] = kept = session
        else:
            await fresh.close()  # never used: it opened no connection
        return _KeptConnector(key[0], "", session=kept)

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
        sessions = [*self._sessions.values(), *self._retiring]
        self._sessions, self._retiring = {}, {}
        for session in sessions:
            await session.close()
        if self._closing:
            await asyncio.gather(*self._closing, return_exceptions=True)


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
                            attachments=[Attachment(content_type=CARD_CONTENT_TYPE, content=message.card)])
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
