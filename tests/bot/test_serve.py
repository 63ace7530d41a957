"""kansli serve: health and readiness over real HTTP."""
from __future__ import annotations

import asyncio
from pathlib import Path

from aiohttp.test_utils import TestClient, TestServer

from bot.app import build
from bot.config import Settings
from bot.serve import create_app


def test_healthz_and_readyz_answer_on_a_fresh_store(tmp_path: Path) -> None:
    services = build(Settings(KANSLI_DATABASE_URL=f"sqlite:///{tmp_path / 'k.db'}"))

    async def go() -> tuple[int, dict, int, dict]:
        async with TestClient(TestServer(create_app(services))) as client:
            h = await client.get("/healthz")
            r = await client.get("/readyz")
            return h.status, await h.json(), r.status, await r.json()

    hs, hbody, rs, rbody = asyncio.run(go())
    assert (hs, hbody["status"]) == (200, "ok")
    assert (rs, rbody["status"]) == (200, "ok")
