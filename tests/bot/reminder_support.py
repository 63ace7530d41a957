"""Shared by the reminder tests: a transport that records what it sends, and a pass driver."""
from __future__ import annotations

import asyncio
from dataclasses import dataclass, field
from datetime import date, datetime
from types import SimpleNamespace
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from bot.delivery import Deliverer, Outgoing, Recipient
from handlers.base import Reply
from handlers.fmt import local
from storage.models import Outbox, ReminderLedger


@dataclass
class Sent:
    """One delivered message and the reminders it carried."""

    to: str
    reply: Reply
    row_id: int
    kind: str
    at: datetime
    parts: list[str] = field(default_factory=list)  # ledger keys, e.g. reminder:assignment:a3:due:2020-05-20:p5

    @property
    def kinds(self) -> list[str]:
        return [k.split(":")[1] for k in self.parts]

    @property
    def text(self) -> str:
        return self.reply.plain_text()

    @property
    def local_day(self) -> date:
        return local(self.at).date()


class Recorder:
    """A transport that reaches everyone and remembers every message, or fails with `fail`."""

    name = "recorder"

    def __init__(self, fail: Exception | None = None, *, with_parts: bool = True) -> None:
        self.sent: list[Sent] = []
        self.fail = fail
        self.with_parts = with_parts
        self.now: datetime | None = None

    def can_reach(self, session: Session, recipient: Recipient) -> bool:
        return True

    def prepare(self, session: Session, recipient: Recipient, reply: Reply, row: Outbox, *,
                now: datetime) -> Outgoing:
        parts = list(session.scalars(select(ReminderLedger.key).where(ReminderLedger.delivery_id == row.id))
                     ) if self.with_parts else []
        return Outgoing.of(recipient, reply, row, (row.kind, row.next_attempt_at, sorted(parts)))

    async def send(self, message: Outgoing) -> None:
        if self.fail is not None:
            raise self.fail
        kind, due_at, parts = message.address
        assert message.row_id is not None
        self.sent.append(Sent(to=message.label, reply=message.reply, row_id=message.row_id, kind=kind,
                              at=self.now or due_at, parts=parts))


def services(maker: sessionmaker[Session], transport: Any) -> SimpleNamespace:
    """What run_pass needs from bot.app.Services: the sessionmaker and a deliverer."""
    return SimpleNamespace(
        sessionmaker=maker,
        deliverer=Deliverer(sessionmaker=maker, transports=[transport], clock=lambda: transport.now),
    )


def tick(maker: sessionmaker[Session], recorder: Recorder, now: datetime) -> list[Sent]:
    """Run one pass at `now`; return what it delivered."""
    from bot.scheduler import run_pass

    recorder.now = now
    before = len(recorder.sent)
    asyncio.run(run_pass(services(maker, recorder), now=now))
    return recorder.sent[before:]
