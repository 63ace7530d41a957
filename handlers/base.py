"""What every handler takes and returns: a context in, a neutral reply out.

Handlers know nothing of Slack, Teams or the terminal. They read and change
the store through the session in the context, raise `UserError` with a Swedish
sentence when the input is wrong (the dispatcher then rolls everything back),
and queue messages to other people with `ctx.notify_person` / `ctx.notify_forum`;
those go through the outbox once the transaction commits.
"""
from __future__ import annotations

import hashlib
from dataclasses import asdict, dataclass, field
from datetime import date, datetime
from typing import Any, Callable

from sqlalchemy.orm import Session

from storage import audit
from storage.models import Forum, Person


class KansliError(Exception):
    """Root of kansli's own errors."""


class UserError(KansliError):
    """A refusal or bad input: the message is a plain Swedish sentence saying what to type instead."""

    def __init__(self, message: str, *, reply: "Reply | None" = None) -> None:
        super().__init__(message)
        self.message = message
        self.reply = reply


class ConflictError(KansliError):
    """Someone else changed the same record at the same time."""


@dataclass
class Action:
    """A button: pressing it runs `command` as if the user had typed it."""

    label: str
    command: str
    style: str | None = None  # "primary" | "danger" | None


@dataclass
class Section:
    heading: str | None = None
    lines: list[str] = field(default_factory=list)
    fields: list[tuple[str, str]] = field(default_factory=list)
    actions: list[Action] = field(default_factory=list)


@dataclass
class Reply:
    """A platform-neutral answer: adapters render it as text, Block Kit or an Adaptive Card."""

    title: str | None = None
    lines: list[str] = field(default_factory=list)
    fields: list[tuple[str, str]] = field(default_factory=list)
    sections: list[Section] = field(default_factory=list)
    context: list[str] = field(default_factory=list)
    actions: list[Action] = field(default_factory=list)
    ok: bool = True
    # True: only the asker sees it (ephemeral in a channel). False: fit to show in the channel.
    private: bool = True
    # True: content restricted to roles or to the asker (a role's list, the asker's own overview, another
    # forum's content): never posted where others read every answer (a Teams channel or group chat); the
    # asker gets it in their own chat instead (handlers.invoke.shown_where_asked).
    restricted: bool = False
    # Name of a form the adapter should open instead (e.g. "case" for /anmäl ärende without text).
    form: str | None = None
    form_values: dict[str, str] = field(default_factory=dict)

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> "Reply":
        # An outbox payload may carry delivery hints beside the reply (Message.mail): only the reply's own keys.
        data = {k: v for k, v in data.items() if k in cls.__dataclass_fields__}
        data["fields"] = [tuple(f) for f in data.get("fields", [])]
        data["actions"] = [Action(**a) for a in data.get("actions", [])]
        data["sections"] = [
            Section(
                heading=s.get("heading"),
                lines=list(s.get("lines", [])),
                fields=[tuple(f) for f in s.get("fields", [])],
                actions=[Action(**a) for a in s.get("actions", [])],
            )
            for s in data.get("sections", [])
        ]
        return cls(**data)

    def plain_text(self) -> str:
        """All the words of the reply, for tests and logs."""
        parts: list[str] = []
        if self.title:
            parts.append(self.title)
        parts += self.lines
        parts += [f"{k}: {v}" for k, v in self.fields]
        for s in self.sections:
            if s.heading:
                parts.append(s.heading)
            parts += s.lines
            parts += [f"{k}: {v}" for k, v in s.fields]
            parts += [a.label for a in s.actions]
        parts += self.context
        parts += [a.label for a in self.actions]
        return "\n".join(parts)


def error_reply(message: str) -> Reply:
    return Reply(lines=[message], ok=False, private=True)


@dataclass
class Message:
    """Something to deliver to a person or a forum channel, once (the key makes it so)."""

    key: str
    kind: str
    reply: Reply
    person_id: int | None = None
    forum_id: int | None = None
    # For e-mail only (handlers.kallelse): what the e-mail renderer in bot/ adds, e.g.
    # {"kind": "kallelse", "meeting_id": 7, "method": "REQUEST", "sequence": 1}. Such a message goes by e-mail.
    mail: dict[str, Any] | None = None

    def payload(self) -> dict[str, Any]:
        data = self.reply.to_dict()
        if self.mail:
            data["mail"] = dict(self.mail)
        return data


# The kind of conversation a command came from, as the adapter tells it. Private content (absence notes,
# anything shown only to its recipients) is shown only in a PERSONAL one.
PERSONAL = "personal"  # a one-to-one chat with kansli (Slack DM or App Home, Teams personal chat, the terminal)
GROUP = "group"  # a group chat (Slack mpim, Teams groupChat)
CHANNEL = "channel"  # a channel, public or private, a forum's or not
CONVERSATIONS = (PERSONAL, GROUP, CHANNEL)

WhenParser = Callable[[str, datetime], Any]
WhenSplitter = Callable[[str, datetime], tuple[Any, str]]


@dataclass
class Context:
    session: Session
    now: datetime
    person: Person
    platform: str = "cli"
    # The forum whose channel the command came from, if any.
    forum: Forum | None = None
    # PERSONAL, GROUP or CHANNEL: where the answer will be seen.
    conversation: str = PERSONAL
    # Whether a private reply in a shared conversation is seen by the asker alone (Slack's ephemeral
    # messages, the terminal); where it is not (Teams), private content goes to the asker's own chat.
    whispers: bool = True
    parse_when: WhenParser | None = None
    split_when: WhenSplitter | None = None
    # True when this process sends e-mail (KANSLI_SMTP_HOST): kallelser and minutes are then e-mailed too.
    email: bool = False
    # The command being run (handlers.registry.Command), set by handlers.invoke: its declared roles are the
    # ones handlers.common.require_command_role checks.
    command: Any = None
    messages: list[Message] = field(default_factory=list)
    _roles: dict[int, set[str]] = field(default_factory=dict, repr=False)
    _today: tuple[datetime, date] | None = field(default=None, repr=False, compare=False)

    @property
    def today(self) -> date:
        """The day of `now` in Stockholm (remembered: long listings ask for it once per row)."""
        known = self._today
        if known is None or known[0] is not self.now:
            from handlers.fmt import local

            known = self._today = (self.now, local(self.now).date())
        return known[1]

    @property
    def personal(self) -> bool:
        """True when only the asker sees the answer: the one place private content may be shown."""
        return self.conversation == PERSONAL and self.forum is None

    @property
    def restricted_reaches_asker_alone(self) -> bool:
        """Whether an answer marked `Reply.restricted` is read by the asker alone: asked in a personal chat, or
        in a Teams channel or group chat, from where such an answer goes to the asker's own chat instead
        (handlers.invoke.shown_where_asked). In a Slack or terminal channel it is shown there, to the asker
        only but in the channel, so what only a personal conversation may show stays out."""
        return self.personal or not self.whispers

    def roles_in(self, forum: Forum) -> set[str]:
        """The asker's roles in a forum today; looked up once per command."""
        from storage.queries import roles_of

        if forum.id not in self._roles:
            self._roles[forum.id] = roles_of(self.session, self.person, forum, on=self.today)
        return self._roles[forum.id]

    def when(self, text: str) -> Any:
        """Read a Swedish date phrase; a ValueError becomes a UserError with its Swedish message."""
        if self.parse_when is None:
            raise RuntimeError("no date reader configured")
        try:
            return self.parse_when(text, self.now)
        except ValueError as exc:
            raise UserError(str(exc)) from exc

    def split(self, text: str) -> tuple[Any, str]:
        """Split a leading date phrase off `text`: (date or None, rest)."""
        if self.split_when is None:
            raise RuntimeError("no date reader configured")
        try:
            return self.split_when(text, self.now)
        except ValueError as exc:
            raise UserError(str(exc)) from exc

    def notify_person(self, person: Person, reply: Reply, *, kind: str, key: str) -> None:
        self.messages.append(Message(key=f"{kind}:{key}:p{person.id}", kind=kind, reply=reply, person_id=person.id))

    def notify_by_email(self, person: Person, reply: Reply, *, kind: str, key: str, mail: dict[str, Any]) -> None:
        """A message that only e-mail carries (a kallelse with its invitation, minutes with their files)."""
        self.messages.append(Message(key=f"{kind}:{key}:p{person.id}", kind=kind, reply=reply, person_id=person.id,
                                     mail={"kind": kind, **mail}))

    def outgoing(self) -> list[Message]:
        """The messages to send, one per person: when someone holds several roles for the same event
        (absence recipient and coordinator, say) their chat messages become one, in the order queued."""
        out: list[Message] = []
        by_person: dict[int, list[Message]] = {}
        for m in self.messages:
            if m.person_id is None or m.mail:
                out.append(m)
            elif m.person_id in by_person:
                by_person[m.person_id].append(m)
            else:
                by_person[m.person_id] = [m]
                out.append(m)
        # An e-mail-only message (a kallelse, minutes with files) travels alone.
        return [merge_messages(by_person[m.person_id]) if not m.mail and m.person_id in by_person else m
                for m in out]

    def notify_forum(self, forum: Forum, reply: Reply, *, kind: str, key: str) -> None:
        self.messages.append(Message(key=f"{kind}:{key}:f{forum.id}", kind=kind, reply=reply, forum_id=forum.id))

    def audit(self, action: str, entity: str, entity_id: int | None, **detail: Any) -> None:
        audit.record(self.session, at=self.now, actor_id=self.person.id, action=action, entity=entity,
                     entity_id=entity_id, detail={k: _jsonable(v) for k, v in detail.items()} or None)


def merge_messages(parts: list[Message]) -> Message:
    """One message from several to the same person: the first as it is, the others as sections after it."""
    if len(parts) == 1:
        return parts[0]
    first = parts[0]
    reply = Reply.from_dict(first.reply.to_dict())
    for m in parts[1:]:
        r = m.reply
        reply.sections.append(Section(heading=r.title, lines=list(r.lines) + list(r.context), fields=list(r.fields),
                                      actions=list(r.actions)))
        reply.sections.extend(r.sections)
    tail = hashlib.sha256("|".join(m.key for m in parts[1:]).encode()).hexdigest()[:12]
    return Message(key=f"{first.key}+{tail}", kind=first.kind, reply=reply, person_id=first.person_id)


def _jsonable(value: Any) -> Any:
    if isinstance(value, (date, datetime)):
        return value.isoformat()
    return value
