"""The e-mailed kallelse (an invitation to a meeting) and the e-mailed minutes.

`/publicera dagordning` calls `send_kallelse` and `/minnesanteckningar skickade` calls `send_minutes`
(one line each). Both queue messages that only e-mail carries (`Message.mail`): the e-mail renderer in
bot/mail builds the invitation (text/calendar), the personal absence link and the PDF and DOCX files
from the store when it sends, so nothing here knows about SMTP, iCalendar or documents.

An invitation is queued per meeting *state*: its time, end, place, whether it is cancelled and when its
agenda was published. Whenever that state differs from the one last sent (`Meeting.invited_state`) —
published again, moved by `kansli import` or in chat, a new place, cancelled — the meeting's iCalendar
SEQUENCE goes up and every recipient gets the update (METHOD:CANCEL once cancelled). The scheduler's
pass and `kansli import` call `sync_invitations`, so a change made by any path is sent. Each message's
outbox key names the meeting and the sequence, so a second pass queues nothing twice.
"""
from __future__ import annotations

import hashlib
from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from handlers.base import Context, Message, Reply
from handlers.common import forum_label
from handlers.fmt import format_date, format_time, local
from storage import outbox, queries
from storage.models import Meeting, Person
from handlers.i18n import _

KALLELSE = "kallelse"
MINUTES_MAIL = "minutes_mail"


def meeting_state(meeting: Meeting) -> str:
    """What an invitation says about a meeting, as a short digest (stored in Meeting.invited_state)."""
    parts = [
        meeting.starts_at.isoformat() if meeting.starts_at else "",
        meeting.ends_at.isoformat() if meeting.ends_at else "",
        meeting.place or "",
        "cancelled" if meeting.cancelled else "",
        meeting.agenda_published_at.isoformat() if meeting.agenda_published_at else "",
    ]
    return hashlib.sha256("\x1f".join(parts).encode("utf-8")).hexdigest()[:40]


def _has_address(person: Person) -> bool:
    return bool(person.email) and not person.erased


def invitation_recipients(session: Session, meeting: Meeting) -> list[Person]:
    """Every member of the forum on the meeting day, then the presenters on its agenda from outside it."""
    from handlers.agenda_model import agenda_cases

    day = local(meeting.starts_at).date()
    people = list(queries.members_of(session, meeting.forum, on=day))
    seen = {p.id for p in people}
    for case in agenda_cases(session, meeting):
        presenter = case.presenter
        if presenter is not None and presenter.id not in seen and not presenter.erased:
            people.append(presenter)
            seen.add(presenter.id)
    return [p for p in people if _has_address(p)]


def _cancel_reply(meeting: Meeting) -> Reply:
    label = forum_label(meeting.forum)
    when = format_date(meeting.starts_at)
    return Reply(
        title=_("Inställt: {label} {when}", label=label, when=when),
        lines=[_("Mötet i {label} {when} kl {starts_at} är inställt.",
                 label=label, when=when, starts_at=format_time(meeting.starts_at)),
               _("Kallelsen gäller inte längre; kalenderinbjudan tas bort.")],
        private=False,
    )


def invitation_messages(session: Session, meeting: Meeting, *, now: datetime) -> list[Message]:
    """The invitations (or the update, or the cancellation) a meeting's current state calls for, if any.

    Records the state as sent and raises the sequence for an update; the caller queues the messages in
    the same transaction."""
    from handlers.agenda_model import agenda_reply

    if meeting.agenda_published_at is None or meeting.starts_at <= now:
        return []
    state = meeting_state(meeting)
    sent_sequence, __, sent_state = (meeting.invited_state or "").rpartition(":")
    if meeting.invited_state is not None and sent_state == state:
        return []
    if meeting.cancelled and meeting.invited_state is None:
        meeting.invited_state = f"{meeting.sequence or 0}:{state}"  # never invited: there is nothing to cancel
        return []
    update = meeting.invited_state is not None
    if update and (meeting.sequence or 0) <= int(sent_sequence or 0):
        # A change the meeting's own SEQUENCE did not count (a new published version): an update needs a
        # higher one. A move or a new place has raised it already (storage.models), for the feed too.
        meeting.sequence = int(sent_sequence or 0) + 1
    meeting.invited_state = f"{meeting.sequence or 0}:{state}"
    method = "CANCEL" if meeting.cancelled else "REQUEST"
    if meeting.cancelled:
        reply = _cancel_reply(meeting)
    else:
        reply = agenda_reply(session, meeting, now=now)
        reply.title = f"Kallelse: {forum_label(meeting.forum)} {format_date(meeting.starts_at)}"
        if update:
            reply.context.insert(0, _("Uppdaterad kallelse: tid, plats eller dagordning har ändrats sedan förra."))
    mail: dict[str, Any] = {"kind": KALLELSE, "meeting_id": meeting.id, "method": method,
                            "sequence": meeting.sequence}
    return [
        Message(key=f"{KALLELSE}:m{meeting.id}:s{meeting.sequence}:p{p.id}", kind=KALLELSE, reply=reply,
                person_id=p.id, mail=mail)
        for p in invitation_recipients(session, meeting)
    ]


def send_kallelse(ctx: Context, meeting: Meeting) -> None:
    """Queue the e-mailed kallelse for a just published (or republished) agenda; nothing without e-mail."""
    if not ctx.email:
        return
    ctx.session.flush()
    ctx.messages.extend(invitation_messages(ctx.session, meeting, now=ctx.now))


def sync_invitations(session: Session, *, now: datetime) -> list[int]:
    """Queue an update or cancellation for every invited, coming meeting whose state changed since
    (moved or cancelled by `kansli import`, a new place); returns the outbox ids queued. Caller commits."""
    meetings = session.scalars(
        select(Meeting).where(Meeting.invited_state.is_not(None), Meeting.starts_at > now).order_by(Meeting.id)
    )
    ids: list[int] = []
    for meeting in meetings:
        for m in invitation_messages(session, meeting, now=now):
            row_id = outbox.enqueue(session, key=m.key, kind=m.kind, payload=m.payload(), now=now,
                                    person_id=m.person_id)
            if row_id is not None:
                ids.append(row_id)
    return ids


def send_minutes(ctx: Context, meeting: Meeting, reply: Reply) -> None:
    """Queue the sent minutes by e-mail to every member, the PDF and DOCX attached by the renderer."""
    if not ctx.email:
        return
    day = local(meeting.starts_at).date()
    mail = {"meeting_id": meeting.id}
    reply = Reply.from_dict(reply.to_dict())
    reply.title = f"Minnesanteckningar: {forum_label(meeting.forum)} {format_date(meeting.starts_at)}"
    for person in queries.members_of(ctx.session, meeting.forum, on=day):
        if _has_address(person):
            ctx.notify_by_email(person, reply, kind=MINUTES_MAIL, key=f"m{meeting.id}", mail=mail)
