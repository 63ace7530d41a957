"""Test helpers for the Slack app: a loopback stand-in for Slack's Web API, and signed Slack requests.

The stand-in is a real aiohttp server on 127.0.0.1. kansli's AsyncWebClient
talks to it through SLACK_API_URL, and response_url links in the payloads
point at it too, so every call kansli makes is recorded as Slack would see it.
The payload builders follow the shapes Slack sends (form-encoded slash
commands, `payload=` JSON for interactivity, event_callback JSON), and every
request is signed with the v0 scheme over the exact bytes sent.
"""
from __future__ import annotations

import asyncio
import hashlib
import hmac
import itertools
import json
import time
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, AsyncIterator, Callable, Iterable
from urllib.parse import urlencode

from aiohttp import web
from aiohttp.test_utils import TestClient, TestServer
from sqlalchemy import Engine, update
from sqlalchemy.orm import Session, sessionmaker

from bot.app import Services
from bot.serve import create_app
from bot.config import Settings
from bot.delivery import Deliverer
from bot.dispatch import Dispatcher
from storage.models import Person
from tests.conftest import at

SECRET = "8f742231b10e8888abcd99yyyzzz85a5"
TOKEN = "xoxb-kansli-test"
TEAM = "T0KANSLI"
BOT_USER = "UKANSLIBOT"
BOT_ID = "BKANSLI"
APP_ID = "A0KANSLI"

# Slack ids given to the example network's people in these tests (karin.berg has hers in the file).
SLACK_IDS = {
    "karin.berg": "U01KARINB",
    "lars.holm": "U0LARSHOLM",
    "maria.lind": "U0MARIALIND",
    "per.ek": "U0PEREK",
    "eva.strand": "U0EVASTRAND",
}
FORUM_CHANNEL = "C01LCHNV"  # lchnv's channel in the example network


@dataclass
class Call:
    method: str  # Web API method ("chat.postMessage") or "response_url"
    args: dict[str, Any]
    headers: dict[str, str] = field(default_factory=dict)
    seq: int = 0
    peer: int = 0  # the client's port: calls over one kept-alive connection share it


def _peer(request: web.Request) -> int:
    name = request.transport.get_extra_info("peername") if request.transport is not None else None
    return int(name[1]) if name else 0


class SlackStandIn:
    """Answers Web API calls like Slack does ({"ok": true, …}) and records each one in order."""

    def __init__(self) -> None:
        self.calls: list[Call] = []
        self.failures: dict[str, list[tuple[int, dict[str, Any], dict[str, str], dict[str, str]]]] = {}
        self.ws_handler: Callable[[web.Request], Any] | None = None
        self._seq = itertools.count(1)
        self._ts = itertools.count(1)
        app = web.Application()
        app.router.add_post("/api/{method}", self._api)
        app.router.add_post("/respond/{token}", self._respond)
        app.router.add_get("/ws", self._ws)
        self.server = TestServer(app, host="127.0.0.1")

    async def start(self) -> "SlackStandIn":
        await self.server.start_server()
        return self

    async def close(self) -> None:
        await self.server.close()

    @property
    def api_url(self) -> str:
        return str(self.server.make_url("/api/"))

    def response_url(self, token: str = "cmd") -> str:
        return str(self.server.make_url(f"/respond/{token}"))

    def fail(self, method: str, status: int, body: dict[str, Any] | None = None, *, times: int = 1,
             headers: dict[str, str] | None = None, when: dict[str, str] | None = None) -> None:
        """Make the next `times` calls of `method` (whose arguments include `when`) answer `status` and `body`."""
        self.failures.setdefault(method, []).extend([(status, body or {"ok": False}, headers or {}, when or {})] * times)

    async def _read(self, request: web.Request) -> dict[str, Any]:
        raw = await request.text()
        if request.content_type == "application/json":
            return json.loads(raw or "{}")
        form = dict((await request.post()).items()) if raw else {}
        for key in ("blocks", "view", "attachments"):
            if isinstance(form.get(key), str):
                try:
                    form[key] = json.loads(form[key])
                except ValueError:
                    pass
        return dict(form)

    async def _api(self, request: web.Request) -> web.Response:
        method = request.match_info["method"]
        args = await self._read(request)
        args.update({k: v for k, v in request.query.items() if k not in args})
        self.calls.append(Call(method, args, dict(request.headers), next(self._seq), _peer(request)))
        queued = self.failures.get(method) or []
        for i, (status, body, headers, when) in enumerate(queued):
            if all(str(args.get(k)) == v for k, v in when.items()):
                del queued[i]
                return web.json_response(body, status=status, headers=headers)
        return web.json_response(self._answer(method, args))

    def _answer(self, method: str, args: dict[str, Any]) -> dict[str, Any]:
        if method == "auth.test":
            return {"ok": True, "url": "https://kansli-test.slack.com/", "team": "Test", "user": "kansli",
                    "team_id": TEAM, "user_id": BOT_USER, "bot_id": BOT_ID, "is_enterprise_install": False}
        if method == "conversations.open":
            return {"ok": True, "channel": {"id": "D" + str(args.get("users", "X")).lstrip("UW")}}
        if method == "chat.postMessage":
            ts = f"1700000000.{next(self._ts):06d}"
            return {"ok": True, "channel": args.get("channel"), "ts": ts, "message": {"text": args.get("text")}}
        if method == "chat.postEphemeral":
            return {"ok": True, "message_ts": f"1700000000.{next(self._ts):06d}"}
        if method in ("views.open", "views.publish", "views.update"):
            return {"ok": True, "view": {"id": "V0KANSLI", "type": (args.get("view") or {}).get("type")}}
        if method == "apps.connections.open":
            return {"ok": True, "url": str(self.server.make_url("/ws")).replace("http", "ws", 1)}
        return {"ok": True}

    async def _respond(self, request: web.Request) -> web.Response:
        args = await self._read(request)
        self.calls.append(Call("response_url", args, dict(request.headers), next(self._seq), _peer(request)))
        return web.Response(text="ok")

    async def _ws(self, request: web.Request) -> web.StreamResponse:
        assert self.ws_handler is not None, "no Socket Mode script set"
        return await self.ws_handler(request)

    # -------------------------------------------------------------- reading what was sent

    def of(self, *methods: str) -> list[Call]:
        return [c for c in self.calls if c.method in methods]

    def answers(self) -> list[Call]:
        """Calls that carry a message to someone (not auth.test or conversations.open)."""
        return self.of("chat.postMessage", "chat.postEphemeral", "response_url", "views.open", "views.publish")

    async def wait_for(self, check: Callable[[], Any], *, timeout: float = 15.0) -> Any:
        """Wait until `check()` returns something truthy (kansli answers after the ack, in the background)."""
        loop = asyncio.get_running_loop()
        deadline = loop.time() + timeout
        while True:
            result = check()
            if result:
                return result
            if loop.time() > deadline:
                raise AssertionError(f"Slack stand-in never saw it; calls were: {[c.method for c in self.calls]}")
            await asyncio.sleep(0.02)

    async def settle(self, rounds: int = 10) -> None:
        """Let background answers finish (used before asserting that nothing more was sent)."""
        for _ in range(rounds):
            await asyncio.sleep(0.02)


def text_of(call: Call) -> str:
    """Everything a person would read in one recorded message: text, blocks, view blocks."""
    parts: list[str] = [str(call.args.get("text") or "")]

    def walk(node: Any) -> None:
        if isinstance(node, dict):
            for key, value in node.items():
                if key == "text" and isinstance(value, str):
                    parts.append(value)
                else:
                    walk(value)
        elif isinstance(node, list):
            for item in node:
                walk(item)

    walk(call.args.get("blocks"))
    walk((call.args.get("view") or {}).get("blocks"))
    return "\n".join(parts)


def buttons_of(call: Call) -> list[dict[str, Any]]:
    blocks = call.args.get("blocks") or (call.args.get("view") or {}).get("blocks") or []
    return [e for b in blocks
            for e in (b.get("elements", []) if b.get("type") == "actions" else [b.get("accessory") or {}])
            if e.get("type") == "button"]


# ------------------------------------------------------------------ signed requests


def sign(body: str, *, secret: str = SECRET, timestamp: int | None = None) -> dict[str, str]:
    ts = str(int(time.time()) if timestamp is None else timestamp)
    digest = hmac.new(secret.encode(), f"v0:{ts}:{body}".encode(), hashlib.sha256).hexdigest()
    return {"X-Slack-Request-Timestamp": ts, "X-Slack-Signature": f"v0={digest}"}


def form_request(fields: dict[str, Any], **sign_args: Any) -> tuple[str, dict[str, str]]:
    body = urlencode(fields)
    headers = {"Content-Type": "application/x-www-form-urlencoded", **sign(body, **sign_args)}
    return body, headers


def json_request(payload: dict[str, Any], **sign_args: Any) -> tuple[str, dict[str, str]]:
    body = json.dumps(payload)
    headers = {"Content-Type": "application/json", **sign(body, **sign_args)}
    return body, headers


TRIGGER = "13345224609.738474920.8088930838d88f008e0"


def slash_command(command: str, text: str, *, user: str, channel: str = "D0PEREK", response_url: str,
                  channel_name: str = "directmessage", trigger_id: str = TRIGGER) -> dict[str, str]:
    return {
        "token": "legacy-verification-token",
        "team_id": TEAM,
        "team_domain": "kansli-test",
        "channel_id": channel,
        "channel_name": channel_name,
        "user_id": user,
        "user_name": "someone",
        "command": command,
        "text": text,
        "api_app_id": APP_ID,
        "is_enterprise_install": "false",
        "response_url": response_url,
        "trigger_id": trigger_id,
    }


_event_ids = itertools.count(1)


def event_callback(event: dict[str, Any], *, event_id: str | None = None) -> dict[str, Any]:
    return {
        "token": "legacy-verification-token",
        "team_id": TEAM,
        "api_app_id": APP_ID,
        "event": event,
        "type": "event_callback",
        "event_id": event_id or f"Ev0KANSLI{next(_event_ids):04d}",
        "event_time": 1700000000,
        "authorizations": [{"enterprise_id": None, "team_id": TEAM, "user_id": BOT_USER, "is_bot": True,
                            "is_enterprise_install": False}],
        "is_ext_shared_channel": False,
        "event_context": "4-eyJldCI6Im1lc3NhZ2UiLCJ0aWQiOiJUMCJ9",
    }


def dm_event(user: str, text: str, *, channel: str | None = None, **extra: Any) -> dict[str, Any]:
    return {
        "type": "message",
        "channel": channel or "D" + user.lstrip("U"),
        "user": user,
        "text": text,
        "ts": "1700000100.000100",
        "event_ts": "1700000100.000100",
        "channel_type": "im",
        "team": TEAM,
        **extra,
    }


def mention_event(user: str, text: str, *, channel: str = FORUM_CHANNEL, **extra: Any) -> dict[str, Any]:
    return {
        "type": "app_mention",
        "user": user,
        "text": text,
        "ts": "1700000200.000200",
        "event_ts": "1700000200.000200",
        "channel": channel,
        "team": TEAM,
        **extra,
    }


def block_action(user: str, value: str, *, response_url: str | None, channel: str | None = "D0PEREK",
                 container: dict[str, Any] | None = None, view: dict[str, Any] | None = None,
                 action_id: str = "kansli_cmd_1", trigger_id: str = TRIGGER) -> dict[str, Any]:
    payload: dict[str, Any] = {
        "type": "block_actions",
        "user": {"id": user, "username": "someone", "name": "someone", "team_id": TEAM},
        "api_app_id": APP_ID,
        "token": "legacy-verification-token",
        "container": container or {"type": "message", "message_ts": "1700000000.000001", "channel_id": channel,
                                   "is_ephemeral": False},
        "trigger_id": trigger_id,
        "team": {"id": TEAM, "domain": "kansli-test"},
        "enterprise": None,
        "is_enterprise_install": False,
        "actions": [{"action_id": action_id, "block_id": "b1", "text": {"type": "plain_text", "text": "Knapp"},
                     "value": value, "type": "button", "action_ts": "1700000300.000300"}],
    }
    if channel:
        payload["channel"] = {"id": channel, "name": "directmessage"}
    if response_url:
        payload["response_url"] = response_url
    if view is not None:
        payload["view"] = view
    return payload


def view_submission(user: str, view: dict[str, Any], values: dict[str, Any], *,
                    trigger_id: str = "13345224609.738474920.8088930838d88f008e1") -> dict[str, Any]:
    return {
        "type": "view_submission",
        "team": {"id": TEAM, "domain": "kansli-test"},
        "user": {"id": user, "username": "someone", "name": "someone", "team_id": TEAM},
        "api_app_id": APP_ID,
        "token": "legacy-verification-token",
        "trigger_id": trigger_id,
        "view": {
            "id": "V0KANSLI",
            "team_id": TEAM,
            "type": "modal",
            "blocks": view.get("blocks", []),
            "private_metadata": view.get("private_metadata", ""),
            "callback_id": view.get("callback_id"),
            "state": {"values": values},
            "hash": "156772938.1827394",
            "title": view.get("title"),
            "close": view.get("close"),
            "submit": view.get("submit"),
            "root_view_id": "V0KANSLI",
            "app_id": APP_ID,
            "bot_id": BOT_ID,
        },
        "response_urls": [],
        "is_enterprise_install": False,
        "enterprise": None,
    }


def interactive(payload: dict[str, Any], **sign_args: Any) -> tuple[str, dict[str, str]]:
    return form_request({"payload": json.dumps(payload)}, **sign_args)


# ------------------------------------------------------------------ the store and the services


def give_slack_ids(maker: sessionmaker[Session], ids: dict[str, str] = SLACK_IDS) -> None:
    with maker() as s:
        for handle, uid in ids.items():
            s.execute(update(Person).where(Person.handle == handle).values(slack_user_id=uid))
        s.commit()


def slack_settings(standin: SlackStandIn, database_url: str = "sqlite://", **extra: Any) -> Settings:
    values: dict[str, Any] = {
        "KANSLI_DATABASE_URL": database_url,
        "SLACK_BOT_TOKEN": TOKEN,
        "SLACK_SIGNING_SECRET": SECRET,
        "SLACK_API_URL": standin.api_url,
        "KANSLI_SCHEDULER": False,  # reminder passes run only when a test asks for one
        **extra,
    }
    return Settings(**values)


def services_on(maker: sessionmaker[Session], engine: Engine, settings: Settings,
                clock: Callable[[], datetime]) -> Services:
    """Services over a given sessionmaker (the test's rolled-back transaction), as bot.app.build wires them."""
    transports: list[Any] = []
    return Services(
        settings=settings,
        engine=engine,
        sessionmaker=maker,
        dispatcher=Dispatcher(sessionmaker=maker, clock=clock),
        deliverer=Deliverer(sessionmaker=maker, transports=transports, clock=clock),
        clock=clock,
        transports=transports,
    )


def values_for(**fields: Any) -> dict[str, Any]:
    """view.state.values for the case modal, as Slack sends them."""
    out: dict[str, Any] = {}
    for block, value in fields.items():
        if block in ("syfte", "forum"):
            out[block] = {"value": {"type": "static_select",
                                    "selected_option": None if value is None else {
                                        "text": {"type": "plain_text", "text": value}, "value": value}}}
        elif block == "foredragande":
            out[block] = {"value": {"type": "users_select", "selected_user": value}}
        elif block == "bilaga":
            out[block] = {"value": {"type": "url_text_input", "value": value}}
        else:
            out[block] = {"value": {"type": "plain_text_input", "value": value}}
    return out


def iter_blocks(calls: Iterable[Call]) -> Iterable[dict[str, Any]]:
    for call in calls:
        yield from call.args.get("blocks") or []


# ------------------------------------------------------------------ the running service


@dataclass
class Harness:
    """Signed requests into the running service. Sequential by default: each request waits until the
    previous one has been answered, because the `db` fixture's store is one connection shared by threads."""

    standin: SlackStandIn
    client: TestClient
    services: Any
    clock: dict[str, str] = field(default_factory=dict)  # {"now": ISO}: the service's clock, settable
    sequential: bool = True

    async def idle(self) -> None:
        """Wait until the app has answered everything it acknowledged (and delivered what that queued)."""
        assert await self.services.slack.drain(timeout=15)

    async def post(self, body: str, headers: dict[str, str]) -> Any:
        if self.sequential:
            await self.idle()
        return await self.client.post("/slack/events", data=body.encode(), headers=headers)

    async def slash(self, command: str, text: str = "", *, user: str = SLACK_IDS["per.ek"], channel: str = "D0PEREK",
                    **sign: Any) -> Any:
        fields = slash_command(command, text, user=user, channel=channel,
                               response_url=self.standin.response_url(command.strip("/")))
        return await self.post(*form_request(fields, **sign))

    async def event(self, event: dict[str, Any], *, event_id: str | None = None,
                    headers: dict[str, str] | None = None) -> Any:
        body, signed = json_request(event_callback(event, event_id=event_id))
        return await self.post(body, {**signed, **(headers or {})})

    async def interact(self, payload: dict[str, Any]) -> Any:
        return await self.post(*interactive(payload))


@asynccontextmanager
async def slack_app(maker: sessionmaker[Session], engine: Engine, *, now: str = "2020-02-20T09:00",
                    **settings: Any) -> AsyncIterator[Harness]:
    standin = await SlackStandIn().start()
    clock = {"now": now}
    services = services_on(maker, engine, slack_settings(standin, **settings), lambda: at(clock["now"]))
    client = TestClient(TestServer(create_app(services), host="127.0.0.1"))
    await client.start_server()
    try:
        harness = Harness(standin, client, services, clock)
        yield harness
        await harness.idle()
    finally:
        await client.close()
        await standin.close()


# ------------------------------------------------------------------ Socket Mode


class SocketModeHarness:
    """The running service connected out over Socket Mode (SLACK_APP_TOKEN, no signing secret) to the
    stand-in's websocket: `deliver` sends one envelope as Slack does and waits for its acknowledgement
    and for kansli to have answered it. Nothing is signed in Socket Mode."""

    def __init__(self, standin: SlackStandIn, services: Any) -> None:
        self.standin = standin
        self.services = services
        self.acks: list[dict[str, Any]] = []
        self.connected = asyncio.Event()
        self.ws: web.WebSocketResponse | None = None
        standin.ws_handler = self._serve

    async def _serve(self, request: web.Request) -> web.WebSocketResponse:
        ws = web.WebSocketResponse(autoping=True)
        await ws.prepare(request)
        await ws.send_json({"type": "hello", "num_connections": 1, "connection_info": {"app_id": APP_ID}})
        self.ws = ws
        self.connected.set()
        async for msg in ws:
            if msg.type == web.WSMsgType.TEXT:
                self.acks.append(json.loads(msg.data))
        return ws

    async def idle(self) -> None:
        assert await self.services.slack.drain(timeout=15)

    async def deliver(self, kind: str, payload: dict[str, Any], *, envelope_id: str,
                      retry_attempt: int | None = None) -> dict[str, Any]:
        """Send an envelope ("slash_commands", "interactive", "events_api"); return kansli's acknowledgement."""
        await asyncio.wait_for(self.connected.wait(), 15)
        assert self.ws is not None
        before = len(self.acks)
        envelope: dict[str, Any] = {"envelope_id": envelope_id, "type": kind, "payload": payload,
                                    "accepts_response_payload": kind != "events_api"}
        if retry_attempt is not None:
            envelope.update(retry_attempt=retry_attempt, retry_reason="timeout")
        await self.ws.send_json(envelope)
        [ack] = await self.standin.wait_for(
            lambda: [a for a in self.acks[before:] if a.get("envelope_id") == envelope_id])
        await self.idle()
        return ack


@asynccontextmanager
async def socket_mode_app(maker: sessionmaker[Session], engine: Engine, *, now: str = "2020-02-20T09:00",
                          **settings: Any) -> AsyncIterator[SocketModeHarness]:
    standin = await SlackStandIn().start()
    services = services_on(maker, engine, slack_settings(standin, SLACK_SIGNING_SECRET="",
                                                         SLACK_APP_TOKEN="xapp-1-A0KANSLI-test", **settings),
                           lambda: at(now))
    harness = SocketModeHarness(standin, services)
    client = TestClient(TestServer(create_app(services), host="127.0.0.1"))
    await client.start_server()
    try:
        yield harness
        await harness.idle()
    finally:
        await client.close()
        await standin.close()
