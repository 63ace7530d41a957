"""Alembic environment: runs on the connection or engine kansli hands over."""
from __future__ import annotations

from alembic import context

from storage.models import Base, UTCDateTime

config = context.config
target_metadata = Base.metadata


def run() -> None:
    connection = config.attributes.get("connection")
    if connection is not None:
        _run_on(connection)
        return
    engine = config.attributes.get("engine")
    if engine is None:
        from storage.db import make_engine

        engine = make_engine()
    with engine.begin() as conn:
        _run_on(conn)


def _render_item(type_, obj, autogen_context):  # type: ignore[no-untyped-def]
    """Write UTCDateTime as a plain timezone-aware DateTime in migration files."""
    if type_ == "type" and isinstance(obj, UTCDateTime):
        return "sa.DateTime(timezone=True)"
    return False


def _run_on(connection) -> None:  # type: ignore[no-untyped-def]
    context.configure(
        connection=connection,
        target_metadata=target_metadata,
        render_as_batch=connection.dialect.name == "sqlite",
        compare_type=True,
        render_item=_render_item,
    )
    with context.begin_transaction():
        context.run_migrations()


run()
