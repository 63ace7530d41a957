"""Addressing: what the deliverer reads from the store for each platform before anything is sent.

The Deliverer (bot.delivery) owns one Addressing per transport name and calls it on a database thread
with the Session: `reaches` says whether the platform reaches a recipient, `address` returns where the
message goes as plain data (a Slack user or channel id, a Teams conversation reference and the reply
rendered as cards, a built e-mail with its attachments and calendar invitation). The transport then gets
an `Outgoing` carrying that data and nothing of the store: transports never see a Session, and no
connection is held while a platform answers.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any, Mapping, Protocol

from sqlalchemy import bindparam, select
from sqlalchemy.orm import Session

from bot.mail.render import MailConfig, build
from bot.render.teams import render_messages
from handlers.base import Reply
from storage.models import ConversationRef, Forum, Outbox, Person


@dataclass
class Recipient:
    person: Person | None
    forum: Forum | None

    @property
    def label(self) -> str:
        if self.person is not None:
            return self.person.handle
        assert self.forum is not None
        return f"#{self.forum.key}"


@dataclass(frozen=True)
class Outgoing:
    """One message for one transport, as plain data read from the store beforehand: what to send
    (`reply`), to whom (`label`, for logs and the console), for which outbox row, and where the
    transport puts it (`address`, from the platform's Addressing)."""

    row_id: int | None
    key: str
    label: str
    reply: Reply
    address: Any = None

    @classmethod
    def of(cls, recipient: Recipient, reply: Reply, row: Outbox | None, address: Any = None) -> "Outgoing":
        return cls(row_id=row.id if row is not None else None, key=row.key if row is not None else "",
                   label=recipient.label, reply=reply, address=address)


class Addressing(Protocol):
    """One platform's side of delivery that reads the store; runs on a database thread."""

    def reaches(self, session: Session, recipient: Recipient) -> bool: ...

    def address(self, session: Session, recipient: Recipient, reply: Reply, row: Outbox | None, *,
                now: datetime) -> Any: ...


class Everyone:
    """Reaches everyone and needs no address (the console prints the recipient's label)."""

    def reaches(self, session: Session, recipient: Recipient) -> bool:
        return True

    def address(self, session: Session, recipient: Recipient, reply: Reply, row: Outbox | None, *,
                now: datetime) -> Any:
        return None


class SlackAddressing:
    """A person by their Slack user id (a DM is opened at sending), a forum by its channel."""

    def reaches(self, session: Session, recipient: Recipient) -> bool:
        if recipient.person is not None:
            return bool(recipient.person.slack_user_id) and not recipient.person.erased
        return recipient.forum is not None and bool(recipient.forum.slack_channel)

    def address(self, session: Session, recipient: Recipient, reply: Reply, row: Outbox | None, *,
                now: datetime) -> tuple[str, str]:
        """("user", Slack user id) for a person, ("channel", id) for a forum."""
        if recipient.person is not None:
            return ("user", str(recipient.person.slack_user_id))
        assert recipient.forum is not None
        return ("channel", str(recipient.forum.slack_channel))


TEAMS = "teams"


def find_reference(session: Session, scope: str, scope_id: str | None) -> ConversationRef | None:
    """A stored Teams conversation reference by scope ("person", "forum", "conversation") and id."""
    if not scope_id:
        return None
    return session.scalar(_REFERENCE, {"scope": scope, "scope_id": scope_id})


_REFERENCE = select(ConversationRef).where(ConversationRef.platform == TEAMS,
                                           ConversationRef.scope == bindparam("scope"),
                                           ConversationRef.scope_id == bindparam("scope_id"))


def reference_for(session: Session, recipient: Recipient) -> ConversationRef | None:
    """The stored conversation that reaches a person (their personal chat) or a forum (its channel)."""
    if recipient.person is not None:
        return find_reference(session, "person", str(recipient.person.id))
    if recipient.forum is not None:
        return find_reference(session, "forum", str(recipient.forum.id)) or find_reference(
            session, "conversation", recipient.forum.teams_channel
        )
    return None


class TeamsAddressing:
    """A person or forum through the conversation reference stored when they last wrote (bot.teams)."""

    def reaches(self, session: Session, recipient: Recipient) -> bool:
        return reference_for(session, recipient) is not None

    def address(self, session: Session, recipient: Recipient, reply: Reply, row: Outbox | None, *,
                now: datetime) -> tuple[int, dict[str, Any], list[Any]] | None:
        """The stored reference (row id, JSON) and the reply rendered as Teams messages; None when Teams
        does not reach them (any more): the transport then says so as a transient error."""
        stored = reference_for(session, recipient)
        return (stored.id, dict(stored.reference), render_messages(reply)) if stored is not None else None


class EmailAddressing:
    """A person with an e-mail address; the message is built from the store (bot.mail.render)."""

    def __init__(self, config: MailConfig) -> None:
        self.config = config

    def reaches(self, session: Session, recipient: Recipient) -> bool:
        person = recipient.person
        return person is not None and bool(person.email) and not person.erased

    def address(self, session: Session, recipient: Recipient, reply: Reply, row: Outbox | None, *,
                now: datetime) -> Any:
        """The e-mail, with its attachments and calendar invitation."""
        assert recipient.person is not None and row is not None
        return build(session, self.config, recipient.person, reply, row, now=now)


def mail_config(settings: Any) -> MailConfig:
    return MailConfig(sender=settings.mail_from, public_url=settings.public_url, link_secret=settings.link_secret)


def standard(*, mail: MailConfig | None = None, more: Mapping[str, Addressing] | None = None) -> dict[str, Addressing]:
    """The addressing of kansli's platforms by transport name; e-mail when `mail` is given; `more` adds or
    replaces some (tests' stand-in platforms)."""
    table: dict[str, Addressing] = {"console": Everyone(), "slack": SlackAddressing(), TEAMS: TeamsAddressing()}
    if mail is not None:
        table["email"] = EmailAddressing(mail)
    table.update(more or {})
    return table
