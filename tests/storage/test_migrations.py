"""The migrations are the schema: they must build exactly what the models describe."""
from __future__ import annotations

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import Engine, inspect, text

from storage.db import current_revision, head_revision, make_engine, migrate
from storage.models import Base


def test_migrations_produce_exactly_the_models_schema(engine: Engine) -> None:
    with engine.connect() as conn:
        ctx = MigrationContext.configure(conn, opts={"compare_type": True})
        diff = compare_metadata(ctx, Base.metadata)
    assert diff == [], f"models and migrations differ: {diff}"


def test_store_is_at_head_after_migrate_and_migrate_is_idempotent(engine: Engine) -> None:
    migrate(engine)  # a second run changes nothing and does not fail
    assert current_revision(engine) == head_revision(engine)
    tables = set(inspect(engine).get_table_names())
    assert {"person", "forum", "meeting", "case_item", "absence", "outbox", "audit_log"} <= tables


def test_sqlite_store_runs_in_wal_mode_with_foreign_keys(tmp_path) -> None:  # type: ignore[no-untyped-def]
    engine = make_engine(f"sqlite:///{tmp_path / 'k.db'}")
    with engine.connect() as conn:
        assert conn.execute(text("PRAGMA journal_mode")).scalar() == "wal"
        assert conn.execute(text("PRAGMA foreign_keys")).scalar() == 1
