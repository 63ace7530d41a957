"""Transports get plain data: the deliverer's addressing reads the store beforehand on its database
threads; `send` gets no Session and no ORM object, and no transport of kansli's takes a Session anywhere."""
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


class ByHandle:
    """The stand-in platform's addressing: everyone, by handle, read on the deliverer's database thread."""

    def reaches(self, session: Session, recipient: Recipient) -> bool:
        assert isinstance(session, Session)
        return True

    def address(self, session: Session, recipient: Recipient, reply: Reply, row: Any, *, now: datetime) -> Any:
        assert isinstance(session, Session) and recipient.person is not None
        return ("user", recipient.person.handle)


class Careful:
    """A transport that records what reached `send`."""

    name = "careful"

    def __init__(self) -> None:
        self.got: list[Outgoing] = []

    async def send(self, message: Outgoing) -> None:
        self.got.append(message)


def test_send_gets_plain_data_prepared_from_the_store(network) -> None:
    with network() as s:
        pid = s.scalar(select(Person.id).where(Person.handle == "maria.lind"))
        outbox.enqueue(s, key="note:1", kind="note", payload=Reply(title="Hej", lines=["Rad"]).to_dict(), now=NOW,
                       person_id=pid)
        s.commit()
    transport = Careful()
    counts = asyncio.run(Deliverer(sessionmaker=network, transports=[transport], clock=lambda: NOW,
                                   addressing={"careful": ByHandle()}).deliver(now=NOW))
    assert counts["sent"] == 1
    [message] = transport.got
    assert (message.key, message.label, message.address) == ("note:1", "maria.lind", ("user", "maria.lind"))
    assert message.reply.title == "Hej"
    for f in dataclasses.fields(message):  # nothing of the store travels with the message
        value = getattr(message, f.name)
        assert not isinstance(value, (Session, Base)), f.name


def transport_classes() -> list[type]:
    """Every transport class in bot/: a class with a `name` and an `async send`, found by importing
    every module of the package (a new platform is checked without being listed here)."""
    import importlib
    import inspect
    import pkgutil

    import bot

    found: dict[str, type] = {}
    for info in pkgutil.walk_packages(bot.__path__, "bot."):
        module = importlib.import_module(info.name)
        for _, cls in inspect.getmembers(module, inspect.isclass):
            send = getattr(cls, "send", None)
            if cls.__module__ == info.name and isinstance(getattr(cls, "name", None), str) \
                    and inspect.iscoroutinefunction(send):
                found[f"{cls.__module__}.{cls.__qualname__}"] = cls
    return list(found.values())


def test_no_transport_takes_a_session() -> None:
    """A transport's surface (constructor, send and every other method) takes no Session, sessionmaker
    or store object: what it sends was read from the store beforehand, by the deliverer's addressing."""
    import inspect

    from bot.addressing import standard
    from bot.mail.render import MailConfig

    classes = transport_classes()
    names = {cls.name for cls in classes}  # type: ignore[attr-defined]
    assert {"console", "slack", "teams", "email"} <= names, names
    addressed = standard(mail=MailConfig(sender="kansli@example.se", public_url="", link_secret=""))
    store_words = ("Session", "sessionmaker", "Engine", "Outbox", "Person", "Forum", "ConversationRef")
    for cls in classes:
        assert cls.name in addressed, f"{cls.__qualname__}: no addressing for {cls.name!r}"  # type: ignore[attr-defined]
        for attr, member in inspect.getmembers(cls, inspect.isfunction):
            if attr.startswith("__") and attr != "__init__":
                continue
            for param in inspect.signature(member).parameters.values():
                annotation = str(param.annotation)
                assert param.name not in ("session", "maker", "sessionmaker"), \
                    f"{cls.__qualname__}.{attr} takes {param.name}"
                assert not any(w in annotation for w in store_words), \
                    f"{cls.__qualname__}.{attr}({param.name}: {annotation}) takes the store"
        send = inspect.signature(cls.send)  # type: ignore[attr-defined]
        assert [p for p in send.parameters][1:] == ["message"], f"{cls.__qualname__}.send{send}"
