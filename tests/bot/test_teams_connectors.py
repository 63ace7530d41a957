"""Teams replies go over HTTP sessions kansli keeps across turns (bot.teams_agents._ReusedConnectors): a new
bot token gets a new session, and a reply already under way on another one still arrives."""
from __future__ import annotations

import asyncio
from typing import Any

import pytest
from aiohttp import web
from aiohttp.test_utils import TestServer

pytest.importorskip("microsoft_agents.hosting.core")

from microsoft_agents.hosting.core import ClaimsIdentity  # noqa: E402

from bot.teams_agents import _ReusedConnectors  # noqa: E402


class _Tokens:
    """The connection manager's token provider: the bot's current token, renewed by the test."""

    def __init__(self) -> None:
        self.current = "token-0"

    def get_token_provider(self, claims: Any, service_url: str) -> "_Tokens":
        return self

    async def get_access_token(self, audience: str, scopes: list[str]) -> str:
        return self.current


async def _region() -> TestServer:
    async def reply(request: web.Request) -> web.Response:
        return web.json_response({"id": "activity-1", "auth": request.headers.get("Authorization")})

    app = web.Application()
    app.router.add_post("/v3/conversations/{conversation}/activities", reply)
    server = TestServer(app)
    await server.start_server()
    return server


def test_a_reply_under_way_in_one_region_arrives_while_another_brings_new_tokens() -> None:
    async def go() -> tuple[int, str, bool]:
        emea, amer = await _region(), await _region()
        tokens = _Tokens()
        factory = _ReusedConnectors(tokens)
        claims = ClaimsIdentity({}, True)

        async def connector(server: TestServer) -> Any:
            return await factory.create_connector_client(None, claims, str(server.make_url("/")), "aud",
                                                        scopes=["scope"])

        try:
            # Many hours of token renewals, with turns in both regions.
            for hour in range(32):
                tokens.current = f"token-{hour}"
                await connector(emea)
                await connector(amer)
            # A turn in one region has its connector and is about to send its reply when the token is
            # renewed and a turn in the other region starts.
            under_way = await connector(amer)
            tokens.current = "token-new"
            await connector(emea)
            async with under_way.client.post("v3/conversations/c1/activities", json={"text": "svar"}) as r:
                body = await r.json()
                status = r.status
            return status, body["auth"], under_way.client.closed
        finally:
            await factory.close()
            await emea.close()
            await amer.close()

    status, auth, closed = asyncio.run(go())
    assert (status, closed) == (200, False)
    assert auth == "Bearer token-31"


def test_a_new_token_gets_a_new_session_and_shutdown_closes_every_session() -> None:
    async def go() -> tuple[str, bool, bool]:
        emea = await _region()
        tokens = _Tokens()
        factory = _ReusedConnectors(tokens)
        claims = ClaimsIdentity({}, True)
        url = str(emea.make_url("/"))
        try:
            old = await factory.create_connector_client(None, claims, url, "aud", scopes=["scope"])
            tokens.current = "token-1"
            new = await factory.create_connector_client(None, claims, url, "aud", scopes=["scope"])
            async with new.client.post("v3/conversations/c1/activities", json={"text": "svar"}) as r:
                auth = (await r.json())["auth"]
        finally:
            await factory.close()
            await emea.close()
        return auth, old.client.closed, new.client.closed

    auth, old_closed, new_closed = asyncio.run(go())
    assert auth == "Bearer token-1"
    assert old_closed and new_closed


class _Turn:
    """What the factory reads of a turn: its activity (neither agentic nor from a Copilot Studio connector)."""

    def __init__(self) -> None:
        from microsoft_agents.activity import Activity, ChannelAccount

        self.activity = Activity(type="message", recipient=ChannelAccount(id="28:kansli"))


def test_turns_share_their_clients_until_the_token_changes() -> None:
    """A turn and a proactive post make no SDK clients of their own (each would open an HTTP session and read
    the SDK's version from the package metadata): the same token gets the same clients."""
    async def go() -> None:
        emea = await _region()
        tokens = _Tokens()
        factory = _ReusedConnectors(tokens)
        claims = ClaimsIdentity({"aud": "app-id", "appid": "app-id"}, True)
        url = str(emea.make_url("/"))
        try:
            turn = _Turn()
            first = await factory.create_connector_client(turn, claims, url, "aud", scopes=["scope"])
            assert await factory.create_connector_client(turn, claims, url, "aud", scopes=["scope"]) is first
            assert await factory.create_connector_client(None, claims, url, "aud", scopes=["scope"]) is first
            signin = await factory.create_user_token_client(turn, claims)
            assert await factory.create_user_token_client(turn, claims) is signin
            await first.close()  # what the adapter does as the turn ends: the kept client stays open
            await signin.close()
            assert not first.client.closed and not signin.client.closed
            tokens.current = "token-1"
            assert await factory.create_connector_client(turn, claims, url, "aud", scopes=["scope"]) is not first
            assert await factory.create_user_token_client(turn, claims) is not signin
            async with first.client.post("v3/conversations/c1/activities", json={"text": "svar"}) as r:
                assert r.status == 200  # a reply under way on the replaced client still goes out
        finally:
            await factory.close()
            await emea.close()
        assert first.client.closed and signin.client.closed

    asyncio.run(go())
