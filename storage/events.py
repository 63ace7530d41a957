"""Platform events already handled: each is recorded once under its key (Slack's event_id, a Teams activity id),
so that a redelivered event is answered once, also across replicas."""
from __future__ import annotations

from datetime import datetime, timedelta

from typing import Any

from sqlalchemy import bindparam, delete
from sqlalchemy.orm import Session

from storage import built
from storage.models import ProcessedEvent

KEY_LENGTH = 300
# How long a handled event is remembered: platforms redeliver within minutes, so two days is ample.
# The scheduler pass drops older records (bot.scheduler.prune); user turns never delete.
MEMORY = timedelta(days=2)


def record_once(session: Session, key: str, *, at: datetime) -> bool:
    """Record the event; False when it was recorded before (a redelivery). The caller commits."""
    stmt = built.statement(session, "record_once", _record_once)
    return session.execute(stmt, {"v_key": key[:KEY_LENGTH], "v_at": at}).scalar() is not None


def _record_once(insert: Any) -> Any:
    table = ProcessedEvent.__table__
    return (insert(table).values(event_key=bindparam("v_key"), at=bindparam("v_at"))
            .on_conflict_do_nothing(index_elements=["event_key"]).returning(table.c.id))


def forget_before(session: Session, *, before: datetime) -> int:
    """Drop the records of events (every platform) handled before `before`; returns how many."""
    result = session.execute(delete(ProcessedEvent).where(ProcessedEvent.at < before)
                             .execution_options(synchronize_session=False))
    return int(result.rowcount or 0)
