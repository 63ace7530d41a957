"""A real `kansli serve` under a burst of Teams notifications: SIGTERM ends it within its grace period,
and the deliveries it could not finish are taken back by the next start.

The service runs as a child process in the local Teams mode; its connector is a loopback stand-in in
this process (a thread of its own), paced by kansli's real per-conversation limiter (1 a second).
"""
from __future__ import annotations

import json
import signal
import threading
import time
import urllib.request
from urllib.parse import unquote
from concurrent.futures import ThreadPoolExecutor
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

from sqlalchemy import func, select

from bot.serve import SHUTDOWN_TIMEOUT
from storage.db import make_engine, make_sessionmaker
from storage.models import Outbox
from tests.bot.opstools import Served, kansli, wait_until
from tests.bot.test_teams import MARIA, PER, activity, give_teams_ids
from tests.conftest import EXAMPLE

MARIAS_CHAT = f"a:personal-{MARIA['id']}"


class Connector:
    """The Bot Framework connector on loopback: answers every post with an id and keeps what came."""

    def __init__(self) -> None:
        self.posts: list[tuple[str, dict[str, Any]]] = []
        lock = threading.Lock()
        posts = self.posts

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:  # noqa: N802 - the stdlib's name
                body = json.loads(self.rfile.read(int(self.headers.get("Content-Length", 0))) or b"{}")
                with lock:
                    posts.append((self.path, body))
                    data = json.dumps({"id": f"activity-{len(posts)}"}).encode()
                self.send_response(200)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

            def log_message(self, *args: Any) -> None:
                return None

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def notices_to_maria(self) -> int:
        """Proactive posts into Maria's chat (answers to her own messages are replies, with an id in the path)."""
        return sum(1 for path, _ in list(self.posts)
                   if unquote(path) == f"/v3/conversations/{MARIAS_CHAT}/activities")

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()


def post(base: str, body: dict[str, Any]) -> int:
    request = urllib.request.Request(base + "/api/messages", data=json.dumps(body).encode(),
                                     headers={"Content-Type": "application/json"})
    with urllib.request.urlopen(request, timeout=60) as resp:
        return resp.status


def statuses(maker) -> dict[str, int]:  # type: ignore[no-untyped-def]
    with maker() as s:
        return dict(s.execute(select(Outbox.status, func.count()).group_by(Outbox.status)).all())


def burst(base: str, service_url: str, n: int, tag: str) -> list[int]:
    bodies = [activity(service_url=service_url, user=PER, text=f"anmäl ärende {tag} {i}; forum: lchnv")
              for i in range(n)]
    with ThreadPoolExecutor(max_workers=20) as pool:
        return list(pool.map(lambda b: post(base, b), bodies))


def test_sigterm_in_a_burst_ends_the_service_and_the_next_start_takes_the_rest_back(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'kansli.db'}"
    assert kansli(["import", str(EXAMPLE)], url, cwd=tmp_path).returncode == 0
    engine = make_engine(url)
    maker = make_sessionmaker(engine)
    give_teams_ids(maker)
    connector = Connector()
    env = dict(KANSLI_TEAMS_NO_AUTH="1", KANSLI_SCHEDULER="true")
    served = Served(url, cwd=tmp_path, **env)
    try:
        served.wait_healthy()
        assert "Teams runs on the agents SDK" in served.output()  # the default
        assert post(served.base, activity(service_url=connector.url, user=MARIA, text="möten")) == 201

        # 60 cases raised at once, each told to the coordinator in her Teams chat.
        assert burst(served.base, connector.url, 60, "Brådskande") == [201] * 60
        try:
            wait_until(lambda: connector.notices_to_maria() >= 4, "the first notices at the limiter's pace")
        except AssertionError:
            raise AssertionError(f"{connector.posts[:3]} {statuses(maker)}\n{served.output()[-3000:]}") from None
        stopped_at = time.monotonic()
        served.proc.send_signal(signal.SIGTERM)
        assert served.proc.wait(SHUTDOWN_TIMEOUT + 10) == 0, served.output()
        assert time.monotonic() - stopped_at < SHUTDOWN_TIMEOUT
        sent_before = connector.notices_to_maria()
        assert sent_before < 60
        after_stop = statuses(maker)
        assert after_stop.get("sending", 0) == 0, after_stop  # handed back, none lost
        assert after_stop.get("sent", 0) + after_stop.get("pending", 0) >= 60  # (and the minute's reminders)
    finally:
        served.stop()

    # A process killed outright cannot hand anything back: the next start takes its rows back.
    killed = Served(url, cwd=tmp_path, KANSLI_TEAMS_NO_AUTH="1", KANSLI_SCHEDULER="false")
    try:
        killed.wait_healthy()
        sent_then = connector.notices_to_maria()
        assert burst(killed.base, connector.url, 10, "Akut") == [201] * 10
        # Past the limiter's burst of 3 the next delivery stays claimed while it waits its second; before
        # that, a claim lasts a few milliseconds and the kill could land between two deliveries.
        wait_until(lambda: connector.notices_to_maria() >= sent_then + 3 and statuses(maker).get("sending", 0) > 0,
                   "deliveries waiting for the pace")
        killed.proc.send_signal(signal.SIGKILL)
        killed.proc.wait(10)
        assert statuses(maker).get("sending", 0) > 0
    finally:
        killed.stop()

    again = Served(url, cwd=tmp_path, **env)
    try:
        again.wait_healthy()
        wait_until(lambda: statuses(maker).get("sending", 0) == 0 or connector.notices_to_maria() > sent_before + 5,
                   "the next start to take the rows back")
        before = connector.notices_to_maria()
        wait_until(lambda: connector.notices_to_maria() >= before + 2, "the rows taken back to be delivered")
    finally:
        again.stop()
        connector.close()
        engine.dispose()
    out = served.output()
    assert "Traceback" not in out, out[out.index("Traceback") - 1500:out.index("Traceback") + 2500]
