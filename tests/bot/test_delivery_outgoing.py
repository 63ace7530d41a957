"""Transports get plain data: the deliverer reads the store beforehand on its database threads; `send`
gets no Session and no ORM object."""
from __future__ import annotations

import asyncio
import dataclasses
from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from bot.delivery import Deliverer, Outgoing, Recipient
from handlers.base import Reply
from storage import outbox
from storage.models import Base, Person
from tests.conftest import at

NOW = at("2020-02-28T08:00")


class Careful:
    """A transport that records what reached `send`."""

    name = "careful"

    def __init__(self) -> None:
        self.got: list[Outgoing] = []

    def can_reach(self, session: Session, recipient: Recipient) -> bool:
        return True

    def prepare(self, session: Session, recipient: Recipient, reply: Reply, row: Any, *, now: datetime) -> Outgoing:
        assert recipient.person is not None
        return Outgoing.of(recipient, reply, row, ("user", recipient.person.handle))

    async def send(self, message: Outgoing) -> None:
        self.got.append(message)


def test_send_gets_plain_data_prepared_from_the_store(network) -> None:
    with network() as s:
        pid = s.scalar(select(Person.id).where(Person.handle == "maria.lind"))
        outbox.enqueue(s, key="note:1", kind="note", payload=Reply(title="Hej", lines=["Rad"]).to_dict(), now=NOW,
                       person_id=pid)
        s.commit()
    transport = Careful()
    counts = asyncio.run(Deliverer(sessionmaker=network, transports=[transport], clock=lambda: NOW)
                         .deliver(now=NOW))
    assert counts["sent"] == 1
    [message] = transport.got
    assert (message.key, message.label, message.address) == ("note:1", "maria.lind", ("user", "maria.lind"))
    assert message.reply.title == "Hej"
    for f in dataclasses.fields(message):  # nothing of the store travels with the message
        value = getattr(message, f.name)
        assert not isinstance(value, (Session, Base)), f.name
