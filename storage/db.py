"""Engines, sessions and schema migration.

`KANSLI_DATABASE_URL` selects the store; the default is a SQLite file in the
working directory. SQLite runs in WAL mode with foreign keys on.
"""
from __future__ import annotations

import os
import re
import time
from pathlib import Path

from sqlalchemy import Engine, create_engine, event
from sqlalchemy.exc import DisconnectionError
from sqlalchemy.orm import Session, sessionmaker

DEFAULT_URL = "sqlite:///kansli.db"
MIGRATIONS = Path(__file__).with_name("migrations")
# PostgreSQL advisory lock key held while migrating (any constant unique to kansli).
MIGRATION_LOCK = 4_711_001


def database_url() -> str:
    return os.environ.get("KANSLI_DATABASE_URL") or DEFAULT_URL


def normalise_url(url: str) -> str:
    """Let operators write postgres:// or postgresql:// and still get the psycopg 3 driver."""
    for prefix in ("postgres://", "postgresql://"):
        if url.startswith(prefix):
            return "postgresql+psycopg://" + url[len(prefix):]
    return url


def make_engine(url: str | None = None, *, pool_size: int | None = None, **kwargs: object) -> Engine:
    """The engine for `url`; `pool_size` sets how many PostgreSQL connections the pool keeps (at least as
    many as there are threads running commands at once: bot.app sizes it from KANSLI_DB_THREADS)."""
    url = normalise_url(url or database_url())
    if url.startswith("sqlite"):
        kwargs.setdefault("connect_args", {"timeout": 30, "check_same_thread": False})
        engine = create_engine(url, **kwargs)

        @event.listens_for(engine, "connect")
        def _sqlite_pragmas(dbapi_conn, _record):  # type: ignore[no-untyped-def]
            # Let SQLAlchemy, not the sqlite3 module, decide when transactions begin,
            # so that SAVEPOINTs and rollbacks behave as on PostgreSQL.
            dbapi_conn.isolation_level = None
            cur = dbapi_conn.cursor()
            if ":memory:" not in url and url not in ("sqlite://", "sqlite:///"):
                cur.execute("PRAGMA journal_mode=WAL")
            cur.execute("PRAGMA foreign_keys=ON")
            cur.execute("PRAGMA busy_timeout=30000")
            # In WAL mode NORMAL keeps the store consistent after any crash; only a power cut can lose
            # the last commits. PostgreSQL is the production store.
            cur.execute("PRAGMA synchronous=NORMAL")
            cur.close()

        @event.listens_for(engine, "begin")
        def _sqlite_begin(conn):  # type: ignore[no-untyped-def]
            conn.exec_driver_sql("BEGIN")

        return engine
    if pool_size is not None:
        kwargs.setdefault("pool_size", pool_size)
    engine = create_engine(url, **kwargs)
    if not kwargs.get("pool_pre_ping"):
        _ping_after_idle(engine)
    _commit_bookkeeping_without_waiting(engine)
    return engine


# A pooled connection unused for this long is tested before it is handed out (a PostgreSQL restart or a
# firewall closes idle connections); one handed back moments ago is not: under load that test would be one
# more round trip for every command. A connection that breaks anyway invalidates the pool, and the
# dispatcher runs that command again on a fresh one (bot.dispatch).
PING_AFTER_IDLE_S = 10.0
_CHECKED_IN = "kansli_checked_in"


def _ping_after_idle(engine: Engine) -> None:
    @event.listens_for(engine, "checkin")
    def _note_idle(dbapi_conn, record):  # type: ignore[no-untyped-def]
        record.info[_CHECKED_IN] = time.monotonic()

    @event.listens_for(engine, "checkout")
    def _ping_if_idle(dbapi_conn, record, proxy):  # type: ignore[no-untyped-def]
        since = record.info.get(_CHECKED_IN)
        if since is None or time.monotonic() - since < PING_AFTER_IDLE_S:
            return  # new, or back in the pool just now
        try:
            engine.dialect.do_ping(dbapi_conn)
        except engine.dialect.loaded_dbapi.Error as exc:
            # The pool drops this connection and hands out another (a new one if need be).
            raise DisconnectionError(f"pooled connection is gone: {exc}") from exc


# Writes whose loss costs nothing: that a platform event was handled, where a Teams conversation can be
# reached, and the platform a person last wrote from. Only a crash of the PostgreSQL server itself can lose a
# commit made without waiting for its WAL flush (never a crash of kansli), and by then the platform has its
# answer and sends nothing again; the next turn writes the other two again.
BOOKKEEPING = re.compile(
    r"INSERT INTO processed_event \("
    r"|INSERT INTO conversation_ref \("
    r"|UPDATE person SET last_platform=%\(last_platform\)s(::VARCHAR)? WHERE person\.id = %\(person_id\)s(::INTEGER)?$"
)
_WROTE = "kansli_wrote"
_BOOKKEPT = "kansli_bookkept"


def only_bookkeeping(statement: str) -> bool | None:
    """True for a write listed in BOOKKEEPING, False for any other write, None for a read."""
    head = statement.lstrip()[:7].upper()
    if not head.startswith(("INSERT", "UPDATE", "DELETE")):
        return None
    return BOOKKEEPING.match(statement.strip()) is not None


def _commit_bookkeeping_without_waiting(engine: Engine) -> None:
    """A transaction that wrote nothing but BOOKKEEPING (every read-only command's turn: its event record)
    commits without waiting for the disk (`SET LOCAL synchronous_commit TO OFF`); one that wrote anything
    else (a report, a case, an outbox row, a reminder's ledger) waits as always."""

    @event.listens_for(engine, "before_cursor_execute")
    def _note_write(conn, cursor, statement, parameters, context, executemany):  # type: ignore[no-untyped-def]
        kind = only_bookkeeping(statement)
        if kind is True:
            conn.info[_BOOKKEPT] = True
        elif kind is False:
            conn.info[_WROTE] = True

    @event.listens_for(engine, "begin")
    def _forget_writes(conn):  # type: ignore[no-untyped-def]
        conn.info.pop(_WROTE, None)
        conn.info.pop(_BOOKKEPT, None)

    @event.listens_for(engine, "commit")
    def _before_commit(conn):  # type: ignore[no-untyped-def]
        if conn.info.pop(_BOOKKEPT, False) and not conn.info.pop(_WROTE, False):
            conn.exec_driver_sql("SET LOCAL synchronous_commit TO OFF")


def make_sessionmaker(engine: Engine) -> sessionmaker[Session]:
    return sessionmaker(engine, expire_on_commit=False)


def alembic_config(engine: Engine):  # type: ignore[no-untyped-def]
    from alembic.config import Config

    cfg = Config()
    cfg.set_main_option("script_location", str(MIGRATIONS))
    cfg.attributes["engine"] = engine
    return cfg


def migrate(engine: Engine) -> None:
    """Bring the schema to head (idempotent)."""
    from alembic import command

    with engine.begin() as conn:
        if conn.dialect.name == "postgresql":
            # Replicas starting together migrate one at a time; the others then find the schema at head.
            conn.exec_driver_sql(f"SELECT pg_advisory_xact_lock({MIGRATION_LOCK})")
        cfg = alembic_config(engine)
        cfg.attributes["connection"] = conn
        command.upgrade(cfg, "head")


def current_revision(engine: Engine) -> str | None:
    from alembic.runtime.migration import MigrationContext

    with engine.connect() as conn:
        return MigrationContext.configure(conn).get_current_revision()


def head_revision(engine: Engine) -> str | None:
    from alembic.script import ScriptDirectory

    return ScriptDirectory.from_config(alembic_config(engine)).get_current_head()
