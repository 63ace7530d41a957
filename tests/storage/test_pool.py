"""Pooled PostgreSQL connections (storage.db.make_engine): one that was idle is tested before use, so a
connection the server closed meanwhile (a restart, a firewall) is replaced without anyone noticing; one
handed back moments ago is used at once, with no extra round trip per command."""
from __future__ import annotations

from sqlalchemy import text

from storage import db
from tests.conftest import private_postgres_schema


def _own_pid(engine) -> int:  # type: ignore[no-untyped-def]
    with engine.connect() as conn:
        return int(conn.scalar(text("SELECT pg_backend_pid()")))


def test_an_idle_connection_closed_by_the_server_is_replaced_before_use(monkeypatch) -> None:  # type: ignore[no-untyped-def]
    with private_postgres_schema("pool") as url:
        engine = db.make_engine(url, pool_size=1, max_overflow=0)
        admin = db.make_engine(url)
        try:
            first = _own_pid(engine)
            with admin.begin() as conn:  # the server ends the pooled connection while it sits idle
                conn.execute(text("SELECT pg_terminate_backend(:pid)"), {"pid": first})
            monkeypatch.setattr(db, "PING_AFTER_IDLE_S", 0.0)
            second = _own_pid(engine)  # no error: the pool tested it, dropped it and connected anew
            assert second != first
        finally:
            engine.dispose()
            admin.dispose()


def test_a_connection_handed_back_moments_ago_is_used_without_a_test() -> None:
    with private_postgres_schema("pool") as url:
        engine = db.make_engine(url, pool_size=1, max_overflow=0)
        try:
            _own_pid(engine)
            pings: list[int] = []
            original = engine.dialect.do_ping
            engine.dialect.do_ping = lambda dbapi_conn: pings.append(1) or original(dbapi_conn)  # type: ignore[method-assign]
            for _ in range(5):
                _own_pid(engine)
            assert pings == []
        finally:
            engine.dispose()
