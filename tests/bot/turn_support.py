"""What the turn tests read back from the store: how many rows, which event keys were recorded."""
from __future__ import annotations

from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session, sessionmaker

from storage.models import ProcessedEvent


def count(maker: sessionmaker[Session], model: Any) -> int:
    with maker() as s:
        return s.scalar(select(func.count()).select_from(model)) or 0


def keys(maker: sessionmaker[Session], prefix: str) -> list[str]:
    with maker() as s:
        return list(s.scalars(select(ProcessedEvent.event_key).where(ProcessedEvent.event_key.like(prefix + "%"))))
