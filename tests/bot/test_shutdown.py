"""Graceful shutdown and readiness of a real `kansli serve` process.

The slow request is a real one: /readyz asks the database, and the database sits
behind a proxy the test holds, so the request is still in flight when SIGTERM
arrives. The service must stop taking new connections, answer the request once
the database replies, and exit 0.
"""
from __future__ import annotations

import asyncio
import signal
import threading
from pathlib import Path
from typing import Iterator

import pytest
from aiohttp.test_utils import TestClient, TestServer

from bot.app import build
from bot.config import Settings
from bot.serve import create_app
from storage.db import make_engine
from tests.bot.opstools import PgSchema, Proxy, Served, http_get, pg_target, schema_fixture, via, wait_until


@pytest.fixture
def pg() -> Iterator[PgSchema]:
    yield from schema_fixture()


def test_sigterm_lets_the_request_in_flight_finish_and_exits_0(pg: PgSchema, tmp_path: Path) -> None:
    proxy = Proxy(pg_target(pg.url))
    # The scheduler runs too: its pass waits on the same held database and must not stop the exit.
    served = Served(via(pg.url, "127.0.0.1", proxy.port), cwd=tmp_path, KANSLI_SCHEDULER="true")
    try:
        served.wait_healthy()
        assert http_get(served.base + "/readyz")[0] == 200

        proxy.hold()  # the next database round trip hangs
        answer: dict[str, object] = {}

        def slow_request() -> None:
            answer["status"], answer["body"], answer["headers"] = http_get(served.base + "/readyz", timeout=60)

        client = threading.Thread(target=slow_request)
        client.start()
        wait_until(proxy.held.is_set, "the readiness check to reach the database")

        served.proc.send_signal(signal.SIGTERM)
        # It stops taking requests while the first one is still waiting for the database.
        wait_until(lambda: not served.accepting(), "the service to close its listening socket")
        assert client.is_alive(), "the request in flight was dropped"
        assert served.proc.poll() is None, "the service exited before its request was answered"

        proxy.release()
        client.join(60)
        assert answer.get("status") == 200, answer
        assert '"status": "ok"' in str(answer["body"])
        assert served.proc.wait(60) == 0, served.output()
    finally:
        served.stop()
        proxy.close()
    assert "Traceback" not in served.output()


def test_readyz_is_503_while_the_database_is_unreachable_and_200_again_after(pg: PgSchema) -> None:
    proxy = Proxy(pg_target(pg.url))
    try:
        services = build(Settings(_env_file=None, KANSLI_DATABASE_URL=via(pg.url, "127.0.0.1", proxy.port),
                                  KANSLI_SCHEDULER=False))

        async def readyz(client: TestClient) -> tuple[int, dict]:
            r = await client.get("/readyz")
            return r.status, await r.json()

        async def go() -> list[tuple[int, dict]]:
            async with TestClient(TestServer(create_app(services))) as client:
                up = await readyz(client)
                proxy.cut()
                down = await readyz(client)
                health = (await client.get("/healthz")).status
                proxy.restore()
                again = await readyz(client)
                return [up, down, (health, {}), again]

        up, down, health, again = asyncio.run(go())
    finally:
        proxy.close()
    assert up[0] == 200
    assert down[0] == 503 and down[1]["status"] == "unavailable"
    assert "database unreachable" in down[1]["detail"]
    assert health[0] == 200, "/healthz only says the process is alive"
    assert again[0] == 200


def test_readyz_is_503_when_the_schema_is_behind(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'k.db'}"
    services = build(Settings(_env_file=None, KANSLI_DATABASE_URL=url, KANSLI_SCHEDULER=False))
    engine = make_engine(url)
    with engine.begin() as conn:
        conn.exec_driver_sql("UPDATE alembic_version SET version_num = 'old'")
    engine.dispose()

    async def go() -> tuple[int, dict]:
        async with TestClient(TestServer(create_app(services))) as client:
            r = await client.get("/readyz")
            return r.status, await r.json()

    status, body = asyncio.run(go())
    assert status == 503 and "schema at old" in body["detail"]
