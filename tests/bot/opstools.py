"""Helpers for the operations tests: real processes, a PostgreSQL schema of their own, a cuttable TCP proxy.

Tests that start `kansli serve` or other processes cannot use the rolled-back
`db` fixture: each process commits for real. They get a PostgreSQL schema of
their own inside the KANSLI_TEST_DATABASE_URL database (dropped afterwards),
or a SQLite file in tmp_path.
"""
from __future__ import annotations

import os
import socket
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.request
import uuid
from pathlib import Path
from contextlib import contextmanager
from typing import Any, Callable, Iterator
from urllib.parse import urlsplit, urlunsplit

import pytest
from sqlalchemy import text

from storage.db import make_engine, normalise_url
from tests.conftest import PG_URL, REQUIRE_PG, ROOT

KANSLI = [sys.executable, "-m", "bot.cli"]
WAIT = 60.0  # seconds a test waits for a process to come up or go down before failing


def need_postgres() -> str:
    """The PostgreSQL test URL, or skip (fail when CI requires PostgreSQL)."""
    if not PG_URL:
        if REQUIRE_PG:
            pytest.fail("KANSLI_REQUIRE_POSTGRES=1 but KANSLI_TEST_DATABASE_URL is not set")
        pytest.skip("needs a PostgreSQL server: set KANSLI_TEST_DATABASE_URL (CI does)")
    return normalise_url(PG_URL)


def with_schema(url: str, schema: str) -> str:
    sep = "&" if "?" in url else "?"
    return f"{url}{sep}options=-csearch_path%3D{schema}"


def via(url: str, host: str, port: int) -> str:
    """The same database URL, reached through host:port (the proxy)."""
    parts = urlsplit(url)
    netloc = parts.netloc.rsplit("@", 1)
    userinfo = netloc[0] + "@" if len(netloc) == 2 else ""
    return urlunsplit((parts.scheme, f"{userinfo}{host}:{port}", parts.path, parts.query, parts.fragment))


def pg_target(url: str) -> tuple[str, int]:
    parts = urlsplit(url)
    return parts.hostname or "127.0.0.1", parts.port or 5432


class PgSchema:
    """A fresh schema in the PostgreSQL test database; `url` makes it the search path."""

    def __init__(self, base: str) -> None:
        self.base = base
        self.name = f"ops_{uuid.uuid4().hex[:10]}"
        self.url = with_schema(base, self.name)
        self._admin = make_engine(base)
        with self._admin.begin() as conn:
            conn.execute(text(f'CREATE SCHEMA "{self.name}"'))

    def drop(self) -> None:
        with self._admin.begin() as conn:
            conn.execute(text(f'DROP SCHEMA IF EXISTS "{self.name}" CASCADE'))
        self._admin.dispose()


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def env_for(url: str, **extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("KANSLI_", "SLACK_", "Microsoft"))}
    env.update(PYTHONPATH=str(ROOT), KANSLI_DATABASE_URL=url, KANSLI_SCHEDULER="false", PYTHONUNBUFFERED="1")
    env.update(extra)
    return env


def kansli(args: list[str], url: str, *, cwd: Path, timeout: float = 120, **extra: str
           ) -> subprocess.CompletedProcess[str]:
    return subprocess.run(KANSLI + args, env=env_for(url, **extra), cwd=cwd, capture_output=True, text=True,
                          timeout=timeout)


def http_get(url: str, *, timeout: float = 30) -> tuple[int, str, dict[str, str]]:
    try:
        with urllib.request.urlopen(url, timeout=timeout) as resp:
            return resp.status, resp.read().decode(), dict(resp.headers)
    except urllib.error.HTTPError as exc:
        return exc.code, exc.read().decode(), dict(exc.headers)


class Served:
    """`kansli serve` (or another command line) as a child process on a free port."""

    def __init__(self, url: str, *, cwd: Path, argv: list[str] | None = None, **extra: str) -> None:
        self.port = free_port()
        self.base = f"http://127.0.0.1:{self.port}"
        self.log = cwd / f"serve-{self.port}.log"
        self._logfile = self.log.open("w")
        cmd = argv or KANSLI + ["serve", "--host", "127.0.0.1", "--port", str(self.port)]
        self.proc = subprocess.Popen(cmd, env=env_for(url, KANSLI_PORT=str(self.port), **extra), cwd=cwd,
                                     stdout=self._logfile, stderr=subprocess.STDOUT, text=True)

    def output(self) -> str:
        if not self._logfile.closed:
            self._logfile.flush()
        return self.log.read_text(encoding="utf-8", errors="replace")

    def wait_healthy(self) -> None:
        deadline = time.monotonic() + WAIT
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise AssertionError(f"kansli serve exited with {self.proc.returncode}:\n{self.output()}")
            try:
                status, _, _ = http_get(self.base + "/healthz", timeout=2)
                if status == 200:
                    return
            except OSError:
                pass
            time.sleep(0.1)
        raise AssertionError(f"kansli serve did not answer /healthz:\n{self.output()}")

    def accepting(self) -> bool:
        try:
            with socket.create_connection(("127.0.0.1", self.port), timeout=1):
                return True
        except OSError:
            return False

    def stop(self) -> int:
        if self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(WAIT)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        self._logfile.close()
        return self.proc.returncode


class Proxy:
    """A loopback TCP forwarder to a database server that a test can cut, restore, hold and release.

    cut(): close the listener and every open connection (the database "goes away");
    restore(): listen again on the same port. hold(): stop passing bytes on (requests
    hang in the middle of a query) until release(); `held` is set once something waits.
    """

    def __init__(self, target: tuple[str, int]) -> None:
        self.target = target
        self.port = free_port()
        self._flowing = threading.Event()
        self._flowing.set()
        self.held = threading.Event()
        self._lock = threading.Lock()
        self._sockets: set[socket.socket] = set()
        self._listener: socket.socket | None = None
        self.restore()

    def restore(self) -> None:
        listener = socket.socket()
        listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        listener.bind(("127.0.0.1", self.port))
        listener.listen(64)
        self._listener = listener
        threading.Thread(target=self._accept, args=(listener,), daemon=True).start()

    def cut(self) -> None:
        listener, self._listener = self._listener, None
        if listener is not None:
            try:
                listener.shutdown(socket.SHUT_RDWR)  # wakes the thread blocked in accept()
            except OSError:
                pass
            listener.close()
        with self._lock:
            for s in list(self._sockets):
                try:
                    s.shutdown(socket.SHUT_RDWR)
                except OSError:
                    pass
                s.close()
            self._sockets.clear()

    def hold(self) -> None:
        self.held.clear()
        self._flowing.clear()

    def release(self) -> None:
        self._flowing.set()

    def close(self) -> None:
        self.release()
        self.cut()

    def _accept(self, listener: socket.socket) -> None:
        while True:
            try:
                client, _ = listener.accept()
            except OSError:
                return
            try:
                upstream = socket.create_connection(self.target, timeout=10)
                upstream.settimeout(None)
            except OSError:
                client.close()
                continue
            with self._lock:
                self._sockets.update((client, upstream))
            threading.Thread(target=self._pump, args=(client, upstream), daemon=True).start()
            threading.Thread(target=self._pump, args=(upstream, client), daemon=True).start()

    def _pump(self, src: socket.socket, dst: socket.socket) -> None:
        try:
            while True:
                data = src.recv(65536)
                if not data:
                    break
                if not self._flowing.is_set():
                    self.held.set()
                    self._flowing.wait()
                dst.sendall(data)
        except OSError:
            pass
        finally:
            for s in (src, dst):
                try:
                    s.shutdown(socket.SHUT_RDWR)
                except OSError:
                    pass


def wait_until(predicate, what: str, timeout: float = WAIT) -> None:  # type: ignore[no-untyped-def]
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return
        time.sleep(0.05)
    raise AssertionError(f"gave up waiting: {what}")


@contextmanager
def temporary_command(name: str, handler: Callable[[Any, str], Any]) -> Iterator[None]:
    """Register a chat command for one test only, and take it out of the table afterwards."""
    from handlers import registry

    registry.command(name, usage=f"/{name}", help="endast för test")(handler)
    try:
        yield
    finally:
        registry._INDEX.pop(tuple(registry.normalise(name).split()), None)
        registry._COMMANDS[:] = [c for c in registry._COMMANDS if c.name != name]


def schema_fixture() -> Iterator[PgSchema]:
    schema = PgSchema(need_postgres())
    try:
        yield schema
    finally:
        schema.drop()
