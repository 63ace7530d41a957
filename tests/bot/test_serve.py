"""kansli serve: health and readiness over real HTTP."""
from __future__ import annotations

import asyncio
import os
import re
import signal
import socket
from pathlib import Path

from aiohttp.test_utils import TestClient, TestServer

from bot.app import build
from bot.config import Settings
from bot.serve import MAX_AUTO_WORKERS, create_app, worker_count, worker_settings
from tests.bot.opstools import KANSLI, WAIT, PgSchema, Served, http_get, need_postgres, wait_until


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


# ------------------------------------------------------------------------------------ several processes


def _workers_of(served: Served) -> list[int]:
    found = re.search(r"kansli runs (\d+) processes on port \d+ \(pids ([\d, ]+)\)", served.output())
    assert found, served.output()
    pids = [int(p) for p in found.group(2).split(", ")]
    assert len(pids) == int(found.group(1))
    return pids


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    # A zombie is gone for what a user can tell (it serves nothing); its parent reaps it.
    with open(f"/proc/{pid}/stat", encoding="ascii") as stat:
        return stat.read().rsplit(")", 1)[1].split()[0] != "Z"


def test_worker_count_follows_the_store_and_the_setting() -> None:
    sqlite = Settings(_env_file=None, KANSLI_DATABASE_URL="sqlite:///k.db", KANSLI_WORKERS=4)
    assert worker_count(sqlite) == 1  # one writer: SQLite is served by one process whatever is asked
    pg = "postgresql+psycopg://postgres@127.0.0.1:5432/test"
    assert worker_count(Settings(_env_file=None, KANSLI_DATABASE_URL=pg, KANSLI_WORKERS=3)) == 3
    auto = worker_count(Settings(_env_file=None, KANSLI_DATABASE_URL=pg))
    assert auto == max(1, min(len(os.sched_getaffinity(0)), MAX_AUTO_WORKERS))
    # Only the first process keeps the scheduler and the Socket Mode connection.
    first = Settings(_env_file=None, KANSLI_DATABASE_URL=pg, KANSLI_SCHEDULER=True,
                     SLACK_BOT_TOKEN="xoxb-1", SLACK_APP_TOKEN="xapp-1")
    assert (worker_settings(first, 0).scheduler, worker_settings(first, 0).slack_app_token) == (True, "xapp-1")
    assert (worker_settings(first, 1).scheduler, worker_settings(first, 1).slack_app_token) == (False, "")


def test_postgresql_is_served_by_two_processes_that_start_and_stop_as_one(tmp_path: Path) -> None:
    schema = PgSchema(need_postgres())
    served = Served(schema.url, cwd=tmp_path, KANSLI_WORKERS="2", KANSLI_SCHEDULER="true")
    try:
        served.wait_healthy()
        workers = _workers_of(served)
        assert len(workers) == 2 and all(_alive(pid) for pid in workers)
        # Many connections, each answered, whichever process the kernel hands it to.
        assert {http_get(served.base + "/readyz")[0] for _ in range(20)} == {200}
        log = served.output()
        assert "(process 1, pid" in log and "(process 2, pid" in log
        assert log.count("Scheduler started") == 1, log  # reminders are ticked by one process only
        # They start accepting together, once both are ready: a process listening alone for a while would
        # be handed every kept-alive connection opened meanwhile, and keep them.
        wait_until(lambda: served.output().count("accepts connections") == 2, "both workers to accept")
        log = served.output()
        assert max(log.index("(process 1, pid"), log.index("(process 2, pid")) < log.index("accepts connections")

        served.proc.send_signal(signal.SIGTERM)
        assert served.proc.wait(WAIT) == 0, served.output()
        wait_until(lambda: not any(_alive(pid) for pid in workers), "both workers to exit")
    finally:
        served.stop()
        schema.drop()
    assert "Traceback" not in served.output()


def test_a_worker_that_dies_stops_the_service_so_it_is_restarted_whole(tmp_path: Path) -> None:
    schema = PgSchema(need_postgres())
    served = Served(schema.url, cwd=tmp_path, KANSLI_WORKERS="2")
    try:
        served.wait_healthy()
        workers = _workers_of(served)
        wait_until(lambda: served.output().count("kansli listening on") == 2, "both workers to listen")
        os.kill(workers[1], signal.SIGKILL)
        # Not half a service: the supervisor stops the other worker and exits non-zero (systemd restarts it).
        assert served.proc.wait(WAIT) != 0
        wait_until(lambda: not _alive(workers[0]), "the other worker to exit")
        assert "worker 2 (pid" in served.output() and "stopping the others" in served.output()
    finally:
        served.stop()
        schema.drop()


def test_sqlite_is_served_by_one_process_even_when_more_are_asked_for(tmp_path: Path) -> None:
    served = Served(f"sqlite:///{tmp_path / 'k.db'}", cwd=tmp_path, KANSLI_WORKERS="3")
    try:
        served.wait_healthy()
        assert http_get(served.base + "/readyz")[0] == 200
        assert "KANSLI_WORKERS=3 ignored" in served.output()
        assert "processes on port" not in served.output()
    finally:
        assert served.stop() == 0


def test_a_port_already_taken_is_refused_in_a_sentence(tmp_path: Path) -> None:
    with socket.socket() as other:
        other.bind(("127.0.0.1", 0))
        other.listen()
        port = other.getsockname()[1]
        served = Served(f"sqlite:///{tmp_path / 'k.db'}", cwd=tmp_path,
                        argv=KANSLI + ["serve", "--host", "127.0.0.1", "--port", str(port)])
        assert served.proc.wait(WAIT) == 1
    assert f"Port {port} på 127.0.0.1 används redan" in served.output()
    assert "Traceback" not in served.output()


def test_a_second_kansli_is_not_let_onto_the_port_the_workers_share(tmp_path: Path) -> None:
    schema = PgSchema(need_postgres())
    first = Served(schema.url, cwd=tmp_path, KANSLI_WORKERS="2")
    try:
        first.wait_healthy()
        second = Served(schema.url, cwd=tmp_path, KANSLI_WORKERS="2",
                        argv=KANSLI + ["serve", "--host", "127.0.0.1", "--port", str(first.port)])
        assert second.proc.wait(WAIT) == 1
        assert f"Port {first.port} på 127.0.0.1 används redan" in second.output()
        assert http_get(first.base + "/readyz")[0] == 200
    finally:
        first.stop()
        schema.drop()


def test_once_started_the_loaded_objects_are_left_out_of_collections_and_collections_are_rarer() -> None:
    import gc

    from bot.serve import GC_THRESHOLDS, settle_memory

    before = gc.get_threshold()
    try:
        settle_memory()
        assert gc.get_freeze_count() > 10_000  # modules, SDKs, services: not walked by full collections
        assert gc.get_threshold() == GC_THRESHOLDS
    finally:
        gc.unfreeze()
        gc.set_threshold(*before)
