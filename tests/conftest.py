"""Shared fixtures: the store on SQLite and (when configured) PostgreSQL, and a chat driver.

Storage-backed tests take the `db` fixture and run once per backend: SQLite
always, PostgreSQL when KANSLI_TEST_DATABASE_URL is set (CI sets it and also
KANSLI_REQUIRE_POSTGRES=1, so a missing server fails instead of skipping).
Each test runs inside one outer transaction that is rolled back at the end;
commits made by the code under test become savepoints.
"""
from __future__ import annotations

import asyncio
import io
import os
import uuid
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Iterator
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import Engine, text
from sqlalchemy.orm import Session, sessionmaker

from storage.db import make_engine, migrate

STOCKHOLM = ZoneInfo("Europe/Stockholm")
ROOT = Path(__file__).resolve().parent.parent
DATA = Path(__file__).resolve().parent / "data"
EXAMPLE = ROOT / "bot" / "data" / "example-network.yaml"

PG_URL = os.environ.get("KANSLI_TEST_DATABASE_URL")
REQUIRE_PG = os.environ.get("KANSLI_REQUIRE_POSTGRES") == "1"


def at(text: str) -> datetime:
    """A Stockholm wall-clock time as an aware datetime: at('2020-02-20T09:00')."""
    return datetime.fromisoformat(text).replace(tzinfo=STOCKHOLM)


def reset_postgres(engine: Engine) -> None:
    """Empty the shared test database so migrations start from nothing."""
    with engine.begin() as conn:
        conn.execute(text("DROP SCHEMA IF EXISTS public CASCADE"))
        conn.execute(text("CREATE SCHEMA public"))


_ENGINES: dict[str, Engine] = {}


def backend_engine(backend: str, tmp_root: Path) -> Engine:
    if backend in _ENGINES:
        return _ENGINES[backend]
    if backend == "sqlite":
        engine = make_engine(f"sqlite:///{tmp_root / 'kansli-test.db'}")
    else:
        if not PG_URL:
            if REQUIRE_PG:
                pytest.fail("KANSLI_REQUIRE_POSTGRES=1 but KANSLI_TEST_DATABASE_URL is not set")
            pytest.skip("PostgreSQL run needs KANSLI_TEST_DATABASE_URL (CI sets it)")
        engine = make_engine(PG_URL)
        try:
            reset_postgres(engine)
        except Exception as exc:  # noqa: BLE001
            if REQUIRE_PG:
                pytest.fail(f"PostgreSQL at KANSLI_TEST_DATABASE_URL is not reachable: {exc}")
            pytest.skip(f"PostgreSQL not reachable: {exc}")
    migrate(engine)
    _ENGINES[backend] = engine
    return engine


@contextmanager
def private_postgres_schema(prefix: str) -> Iterator[str]:
    """A PostgreSQL URL whose search_path is a fresh schema, dropped afterwards.

    For tests whose code commits for real (subprocesses, concurrent engines), so that they neither see nor
    disturb the rolled-back fixture store. Skips without a server, fails instead when CI requires one.
    """
    if not PG_URL:
        if REQUIRE_PG:
            pytest.fail("KANSLI_REQUIRE_POSTGRES=1 but KANSLI_TEST_DATABASE_URL is not set")
        pytest.skip("PostgreSQL run needs KANSLI_TEST_DATABASE_URL (CI sets it)")
    schema = f"{prefix}_{uuid.uuid4().hex[:10]}"
    admin = make_engine(PG_URL)
    with admin.begin() as conn:
        conn.execute(text(f'CREATE SCHEMA "{schema}"'))
    sep = "&" if "?" in PG_URL else "?"
    try:
        yield f"{PG_URL}{sep}options=-csearch_path%3D{schema}"
    finally:
        with admin.begin() as conn:
            conn.execute(text(f'DROP SCHEMA "{schema}" CASCADE'))
        admin.dispose()


@pytest.fixture(scope="session")
def tmp_root(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("store")


@pytest.fixture(params=["sqlite", "postgresql"])
def backend(request: pytest.FixtureRequest) -> str:
    return request.param


@pytest.fixture
def engine(backend: str, tmp_root: Path) -> Engine:
    return backend_engine(backend, tmp_root)


@pytest.fixture
def db(engine: Engine) -> Iterator[sessionmaker[Session]]:
    """A sessionmaker whose every session lives inside one transaction rolled back after the test."""
    conn = engine.connect()
    outer = conn.begin()
    maker = sessionmaker(bind=conn, join_transaction_mode="create_savepoint", expire_on_commit=False)
    try:
        yield maker
    finally:
        outer.rollback()
        conn.close()


@pytest.fixture
def session(db: sessionmaker[Session]) -> Iterator[Session]:
    with db() as s:
        yield s


def load_network(maker: sessionmaker[Session], path: Path = EXAMPLE, *, now: datetime | None = None):  # type: ignore[no-untyped-def]
    from storage.network import apply, load_file

    with maker() as s:
        summary = apply(s, load_file(str(path)), now=now or at("2020-01-01T09:00"))
        s.commit()
    return summary


@pytest.fixture
def network(db: sessionmaker[Session]) -> sessionmaker[Session]:
    """The example network (seeds 000/003) loaded into the test store."""
    load_network(db)
    return db


@dataclass
class Said:
    """What one chat command produced: the reply text and every message sent to others."""

    reply: str
    sent: str
    ok: bool
    outcome: object = None
    messages: list[tuple[str, str]] = field(default_factory=list)

    def to(self, label: str) -> list[str]:
        """Texts of the messages sent to a handle or '#forum'."""
        return [body for who, body in self.messages if who == label]


class Chat:
    """Drives the real dispatcher and console delivery, as `kansli chat` does."""

    def __init__(self, maker: sessionmaker[Session]) -> None:
        from bot.delivery import ConsoleTransport, Deliverer
        from bot.dispatch import Dispatcher

        self.maker = maker
        self.stream = io.StringIO()
        self.dispatcher = Dispatcher(sessionmaker=maker, clock=lambda: at("2020-02-20T09:00"))
        self.deliverer = Deliverer(
            sessionmaker=maker, transports=[ConsoleTransport(self.stream)], clock=lambda: at("2020-02-20T09:00")
        )

    def __call__(self, handle: str, text: str, *, now: str = "2020-02-20T09:00", channel: str | None = None) -> Said:
        from bot.dispatch import Identity
        from bot.render.text import render_text

        when = at(now)
        outcome = self.dispatcher.run(text, identity=Identity(handle=handle), platform="cli", now=when,
                                      channel=channel)
        start = self.stream.tell()
        if outcome.outbox_ids:
            asyncio.run(self.deliverer.deliver(outcome.outbox_ids, now=when))
        sent = self.stream.getvalue()[start:]
        return Said(reply=render_text(outcome.reply), sent=sent, ok=outcome.reply.ok, outcome=outcome,
                    messages=split_sent(sent))


def split_sent(sent: str) -> list[tuple[str, str]]:
    """Console output → [(recipient, body)] using the 'till X:' header lines."""
    out: list[tuple[str, str]] = []
    who: str | None = None
    body: list[str] = []
    for line in sent.splitlines():
        if line.startswith("till ") and line.endswith(":"):
            if who is not None:
                out.append((who, "\n".join(body).strip()))
            who, body = line[5:-1], []
        elif who is not None:
            body.append(line)
    if who is not None:
        out.append((who, "\n".join(body).strip()))
    return out


@pytest.fixture
def chat(network: sessionmaker[Session]) -> Chat:
    return Chat(network)
