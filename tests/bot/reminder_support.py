"""Shared by the reminder tests: a transport that records what it sends (with its addressing), and a pass driver."""
from __future__ import annotations

import asyncio
from dataclasses import dataclass, field
from datetime import date, datetime
from types import SimpleNamespace
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from bot import addressing
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
    """A transport that reaches everyone (`reaches`) and remembers every message, or fails with `fail`."""

    name = "recorder"
    reaches = True

    def __init__(self, fail: Exception | None = None, *, with_parts: bool = True) -> None:
        self.sent: list[Sent] = []
        self.fail = fail
        self.with_parts = with_parts
        self.now: datetime | None = None

    async def send(self, message: Outgoing) -> None:
        if self.fail is not None:
            raise self.fail
        kind, due_at, parts = message.address
        assert message.row_id is not None
        self.sent.append(Sent(to=message.label, reply=message.reply, row_id=message.row_id, kind=kind,
                              at=self.now or due_at, parts=parts))


class Ledgered:
    """The Recorder's addressing, on the deliverer's database thread: the row's kind, when it was due and
    the reminder ledger keys it carries."""

    def __init__(self, recorder: Recorder) -> None:
        self.recorder = recorder

    def reaches(self, session: Session, recipient: Recipient) -> bool:
        return self.recorder.reaches

    def address(self, session: Session, recipient: Recipient, reply: Reply, row: Outbox | None, *,
                now: datetime) -> Any:
        assert row is not None
        parts = list(session.scalars(select(ReminderLedger.key).where(ReminderLedger.delivery_id == row.id))
                     ) if self.recorder.with_parts else []
        return (row.kind, row.next_attempt_at, sorted(parts))


def addressing_of(recorder: Recorder) -> dict[str, Any]:
    """The addressing a deliverer needs for `recorder` next to kansli's platforms'."""
    return {recorder.name: Ledgered(recorder)}


def services(maker: sessionmaker[Session], transport: Any) -> SimpleNamespace:
    """What run_pass needs from bot.app.Services: the sessionmaker and a deliverer."""
    return SimpleNamespace(
        sessionmaker=maker,
        deliverer=Deliverer(sessionmaker=maker, transports=[transport], clock=lambda: transport.now,
                            addressing=addressing.standard(more=addressing_of(transport))),
    )


def tick(maker: sessionmaker[Session], recorder: Recorder, now: datetime) -> list[Sent]:
    """Run one pass at `now`; return what it delivered."""
    from bot.scheduler import run_pass

    recorder.now = now
    before = len(recorder.sent)
    asyncio.run(run_pass(services(maker, recorder), now=now))
    return recorder.sent[before:]
