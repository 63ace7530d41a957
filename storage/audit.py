"""The audit log: who did what to which record, one row per act, written in the act's own transaction."""
from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import bindparam
from sqlalchemy.orm import Session

from storage import built
from storage.models import AuditLog


def record(session: Session, *, at: datetime, actor_id: int | None, action: str, entity: str,
           entity_id: int | None, detail: dict[str, Any] | None) -> None:
    """One entry, inserted at once (a statement built once, not an ORM object flushed later). The caller commits."""
    session.execute(built.statement(session, "audit", _insert),
                    {"v_at": at, "v_actor": actor_id, "v_action": action, "v_entity": entity,
                     "v_entity_id": entity_id, "v_detail": detail})


def _insert(insert: Any) -> Any:
    return insert(AuditLog.__table__).values(
        at=bindparam("v_at"), actor_id=bindparam("v_actor"), action=bindparam("v_action"),
        entity=bindparam("v_entity"), entity_id=bindparam("v_entity_id"), detail=bindparam("v_detail"))
