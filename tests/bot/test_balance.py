"""Workers even out kept-alive connections by load (bot.balance): a worker carrying more than its share
answers with `Connection: close`, so the client's next connection is dealt again by the kernel."""
from __future__ import annotations

import asyncio
import os
from pathlib import Path

from aiohttp import web
from aiohttp.test_utils import TestClient, TestServer

from bot.app import build
from bot.balance import SharedLoad
from bot.config import Settings
from bot.serve import create_app


def test_what_a_forked_worker_publishes_the_others_read() -> None:
    shared = SharedLoad(2)
    pid = os.fork()
    if pid == 0:  # the second worker
        shared.join(1)
        shared.publish(7)
        os._exit(0)
    os.waitpid(pid, 0)
    shared.join(0)
    assert shared.loads() == [0, 7]
    assert not shared.over_share(3)  # 3 against an average of 5: under its share
    assert not shared.over_share(10)  # 10 against 8.5: the usual ups and downs
    assert shared.over_share(12)  # 12 against 9.5: more than a fifth over the average


def _statuses(tmp_path: Path, other_load: int, requests: int = 3) -> list[str]:
    services = build(Settings(_env_file=None, KANSLI_DATABASE_URL=f"sqlite:///{tmp_path / 'k.db'}",
                              KANSLI_SCHEDULER=False))
    shared = SharedLoad(2)
    shared.join(0)
    shared._loads[1] = other_load  # what the other worker published
    slow = asyncio.Event()

    async def go() -> list[str]:
        app = create_app(services, shared_load=shared)

        async def busy(request: web.Request) -> web.Response:  # requests that take a while, side by side
            await slow.wait()
            return web.Response(text="ok")

        app.router.add_get("/busy", busy)
        async with TestClient(TestServer(app)) as client:
            pending = [asyncio.ensure_future(client.get("/busy")) for _ in range(requests)]
            await asyncio.sleep(0.2)
            slow.set()
            answers = await asyncio.gather(*pending)
            return [r.headers.get("Connection", "keep-alive").lower() for r in answers]

    try:
        return asyncio.run(go())
    finally:
        services.engine.dispose()


def test_a_worker_busier_than_the_others_lets_connections_go(tmp_path: Path) -> None:
    # Three requests here while the other worker has none: this one sheds a connection (one at a time).
    assert "close" in _statuses(tmp_path, other_load=0)


def test_a_worker_with_its_share_keeps_its_connections(tmp_path: Path) -> None:
    # Three here, five there: nothing to shed.
    assert set(_statuses(tmp_path, other_load=5)) == {"keep-alive"}
