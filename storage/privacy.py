"""Personal data: retention of absence notes, and a person's data exported or erased.

Everything here is platform-free and never commits: the caller (the scheduler
pass, `kansli rensa`, `kansli personuppgifter`) owns the transaction.

Decisions (see docs/operator.md, "Personuppgifter"):

* An absence note may hold health data. It is deleted `retention_days` after the
  meeting it concerns (the meeting's end, or its start when no end is set). The
  absence itself (who was away from which meeting, and which part) stays: it is
  part of the meeting's record. Copies of the note in messages kansli sent
  (outbox payloads) are scrubbed at the same time.
* Erasing a person replaces their name with "borttagen person" and removes their
  handle, e-mail, title, organisation and Slack/Teams identities, deletes their
  absence notes and the conversation references kansli kept to reach them, cancels
  messages still waiting for them and scrubs their name from the copies of sent
  messages. Decisions and minutes are public records (allmänna handlingar) and are
  kept as written; wherever they point at the person, the person now reads
  "borttagen person". The free texts kansli wrote about them in case histories
  and the audit log ("Aktualiserat av Per Ek", "per.ek") are rewritten: their
  name, handle and e-mail there read "(raderad person)".
"""
from __future__ import annotations

import re

from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from typing import Any

from sqlalchemy import delete, func, or_, select
from sqlalchemy.orm import Session

from storage.models import (
    Absence,
    Assignment,
    AuditLog,
    Case,
    CaseEvent,
    ConversationRef,
    Decision,
    FollowUp,
    Meeting,
    Membership,
    Outbox,
    Person,
)

ERASED_NAME = "borttagen person"
# What an erased person's name becomes inside the texts of case histories and the audit log.
HISTORY_NAME = "(raderad person)"
NOTE_REMOVED = "[notering borttagen]"
CANCELLED_MESSAGE = "mottagaren är borttagen (personuppgifter raderade)"


# ------------------------------------------------------------------------------------ retention


@dataclass
class PurgeResult:
    notes: int = 0
    messages: int = 0

    def __bool__(self) -> bool:
        return bool(self.notes or self.messages)


def notes_due_for_deletion(session: Session, *, now: datetime, retention_days: int) -> list[Absence]:
    """Absences whose note has been kept `retention_days` after their meeting."""
    cutoff = now - timedelta(days=retention_days)
    meeting_end = func.coalesce(Meeting.ends_at, Meeting.starts_at)
    stmt = (
        select(Absence)
        .join(Meeting, Meeting.id == Absence.meeting_id)
        .where(Absence.note.is_not(None), meeting_end <= cutoff)
    )
    # Sorted here, not by the store: ORDER BY id made SQLite walk the whole table in id order instead
    # of the small index of absences that still hold a note (ix_absence_with_note).
    return sorted(session.scalars(stmt), key=lambda a: a.id)


def purge_absence_notes(session: Session, *, now: datetime, retention_days: int) -> PurgeResult:
    """Delete absence notes `retention_days` after the meeting, and their copies in sent messages.

    Safe to call on every scheduler pass: when nothing is due it runs one small
    query. Writes one audit row when it deleted something. The caller commits.
    """
    if retention_days < 0:
        raise ValueError("retention_days must be zero or more")
    due = notes_due_for_deletion(session, now=now, retention_days=retention_days)
    result = PurgeResult()
    if not due:
        return result
    notes = {a.note for a in due if a.note}
    since = min(a.reported_at for a in due)
    for absence in due:
        absence.note = None
    result.notes = len(due)
    result.messages = scrub_messages(session, [literal(n, NOTE_REMOVED) for n in sorted(notes, key=len, reverse=True)],
                                     since=since)
    session.add(AuditLog(at=now, actor_id=None, action="absence_notes_purged", entity="absence", entity_id=None,
                         detail={"notes": result.notes, "messages": result.messages,
                                 "retention_days": retention_days}))
    session.flush()
    return result


Replacements = list[tuple["re.Pattern[str]", str]]


def literal(text: str, new: str) -> tuple["re.Pattern[str]", str]:
    """Replace `text` wherever it occurs (a note)."""
    return re.compile(re.escape(text)), new


def word(text: str, new: str) -> tuple["re.Pattern[str]", str]:
    """Replace `text` where it stands as a whole word (a name or handle, not part of a longer one)."""
    return re.compile(r"(?<![\w.@])" + re.escape(text) + r"(?![\w])"), new


def _replace_in(value: Any, replacements: Replacements) -> Any:
    if isinstance(value, str):
        for pattern, new in replacements:
            value = pattern.sub(new, value)
        return value
    if isinstance(value, list):
        return [_replace_in(v, replacements) for v in value]
    if isinstance(value, tuple):
        return [_replace_in(v, replacements) for v in value]
    if isinstance(value, dict):
        return {k: _replace_in(v, replacements) for k, v in value.items()}
    return value


def scrub_messages(session: Session, replacements: Replacements, *, since: datetime | None = None) -> int:
    """Replace texts in stored message payloads (outbox); returns how many rows changed."""
    if not replacements:
        return 0
    stmt = select(Outbox).order_by(Outbox.id)
    if since is not None:
        stmt = stmt.where(Outbox.created_at >= since)
    changed = 0
    for row in session.scalars(stmt):
        new = _replace_in(row.payload, replacements)
        if new != row.payload:
            row.payload = new
            changed += 1
    return changed


# ------------------------------------------------------------------------------------ export


def _iso(value: date | datetime | time | None) -> str | None:
    return value.isoformat() if value is not None else None


def _handle(person: Person | None) -> str | None:
    if person is None:
        return None
    return ERASED_NAME if person.erased else person.handle


def _meeting(meeting: Meeting | None) -> dict[str, Any] | None:
    if meeting is None:
        return None
    return {"forum": meeting.forum.key, "början": _iso(meeting.starts_at), "plats": meeting.place}


def _case(case: Case | None) -> dict[str, Any] | None:
    if case is None:
        return None
    return {"forum": case.forum.key, "nummer": case.number, "rubrik": case.title, "status": case.status}


def export_person(session: Session, person: Person) -> dict[str, Any]:
    """Everything kansli holds about one person, as JSON-ready data with Swedish keys."""
    pid = person.id
    absences = session.scalars(select(Absence).where(Absence.person_id == pid).order_by(Absence.id))
    as_substitute = session.scalars(select(Absence).where(Absence.substitute_id == pid).order_by(Absence.id))
    memberships = session.scalars(select(Membership).where(Membership.person_id == pid).order_by(Membership.id))
    raised = session.scalars(select(Case).where(Case.raised_by_id == pid).order_by(Case.id))
    presented = session.scalars(select(Case).where(Case.presenter_id == pid).order_by(Case.id))
    events = session.scalars(select(CaseEvent).where(CaseEvent.actor_id == pid).order_by(CaseEvent.id))
    decisions = session.scalars(
        select(Decision).where(or_(Decision.responsible_id == pid, Decision.recorded_by_id == pid))
        .order_by(Decision.id)
    )
    assignments = session.scalars(
        select(Assignment).where(or_(Assignment.assignee_id == pid, Assignment.created_by_id == pid))
        .order_by(Assignment.id)
    )
    follow_ups = session.scalars(select(FollowUp).where(FollowUp.responsible_id == pid).order_by(FollowUp.id))
    messages = session.scalars(select(Outbox).where(Outbox.person_id == pid).order_by(Outbox.id))
    refs = session.scalars(
        select(ConversationRef).where(ConversationRef.scope == "person", ConversationRef.scope_id == str(pid))
        .order_by(ConversationRef.id)
    )
    audit = session.scalars(select(AuditLog).where(AuditLog.actor_id == pid).order_by(AuditLog.id))
    return {
        "person": {
            "id": pid,
            "handle": person.handle,
            "namn": person.name,
            "titel": person.title,
            "e-post": person.email,
            "organisation": person.organisation.name if person.organisation else None,
            "slack-id": person.slack_user_id,
            "teams-id": person.teams_user_id,
            "teams-aad-id": person.teams_aad_object_id,
            "senast använd plattform": person.last_platform,
            "borttagen": person.erased,
        },
        "roller": [
            {"forum": m.forum.key, "roll": m.role, "från": _iso(m.valid_from), "till": _iso(m.valid_to)}
            for m in memberships
        ],
        "frånvaroanmälningar": [
            {
                "möte": _meeting(a.meeting),
                "punkter": [a.item_from, a.item_to] if a.item_from is not None else None,
                "tider": [_iso(a.time_from), _iso(a.time_to)] if (a.time_from or a.time_to) else None,
                "notering": a.note,
                "ersättare": _handle(a.substitute),
                "anmäld": _iso(a.reported_at),
                "ändrad": _iso(a.updated_at),
                "återkallad": _iso(a.withdrawn_at),
            }
            for a in absences
        ],
        "ersättare för": [
            {"möte": _meeting(a.meeting), "för": _handle(a.person), "återkallad": _iso(a.withdrawn_at)}
            for a in as_substitute
        ],
        "anmälda ärenden": [_case(c) for c in raised],
        "föredragande för": [_case(c) for c in presented],
        "ärendehändelser": [
            {"ärende": _case(e.case), "när": _iso(e.at), "händelse": e.kind, "detalj": e.detail} for e in events
        ],
        "beslut": [
            {
                "ärende": _case(d.case),
                "text": d.text,
                "ansvarig": d.responsible_id == pid,
                "protokollförd av personen": d.recorded_by_id == pid,
                "beslutat": _iso(d.decided_at),
            }
            for d in decisions
        ],
        "uppdrag": [
            {
                "forum": a.forum.key,
                "ärende": _case(a.case),
                "rubrik": a.title,
                "senast": _iso(a.due),
                "beslutat": _iso(a.decided_on),
                "avslutat": _iso(a.closed_at),
                "uppdragstagare": a.assignee_id == pid,
                "förlängningar": [
                    {"från": _iso(x.previous_due), "till": _iso(x.new_due), "beslutat": _iso(x.decided_on),
                     "skäl": x.reason}
                    for x in a.extensions
                ],
            }
            for a in assignments
        ],
        "återkopplingar": [
            {"ärende": _case(f.case), "senast": _iso(f.due), "klar": _iso(f.done_at)} for f in follow_ups
        ],
        "meddelanden till personen": [
            {"slag": m.kind, "skapat": _iso(m.created_at), "status": m.status, "skickat": _iso(m.sent_at),
             "via": m.transport}
            for m in messages
        ],
        "kontaktvägar": [{"plattform": r.platform, "uppdaterad": _iso(r.updated_at)} for r in refs],
        "loggade åtgärder": [
            {"när": _iso(a.at), "åtgärd": a.action, "vad": a.entity, "id": a.entity_id} for a in audit
        ],
    }


# ------------------------------------------------------------------------------------ erase


@dataclass
class EraseResult:
    person_id: int
    notes: int = 0
    cancelled_messages: int = 0
    scrubbed_messages: int = 0
    rewritten_history: int = 0
    contact_refs: int = 0
    kept: dict[str, int] = field(default_factory=dict)


def _count(session: Session, stmt: Any) -> int:
    return session.scalar(select(func.count()).select_from(stmt.subquery())) or 0


def erase_person(session: Session, person: Person, *, now: datetime, by: str | None = None) -> EraseResult:
    """Erase a person's identifying data while keeping the records that point at them. Caller commits."""
    pid = person.id
    result = EraseResult(person_id=pid)
    names = [n for n in {person.name, person.email or "", person.handle, f"@{person.handle}"} if n and len(n) >= 3]

    notes = [a for a in session.scalars(select(Absence).where(Absence.person_id == pid)) if a.note]
    note_texts = [a.note for a in notes if a.note]
    for a in notes:
        a.note = None
    result.notes = len(notes)

    pending = list(session.scalars(
        select(Outbox).where(Outbox.person_id == pid, Outbox.status.in_(("pending", "sending")))
    ))
    for row in pending:
        row.status = "failed"
        row.last_error = CANCELLED_MESSAGE
        row.claimed_by = None
    result.cancelled_messages = len(pending)

    replacements = [literal(n, NOTE_REMOVED) for n in sorted(set(note_texts), key=len, reverse=True)]
    # Longest first, so "@maria.lind" goes before "maria.lind".
    replacements += [word(n, ERASED_NAME) for n in sorted(names, key=len, reverse=True)]
    result.scrubbed_messages = scrub_messages(session, replacements)
    result.rewritten_history = rewrite_history(
        session, [word(n, HISTORY_NAME) for n in sorted(names, key=len, reverse=True)])

    refs = session.execute(
        delete(ConversationRef).where(ConversationRef.scope == "person", ConversationRef.scope_id == str(pid))
    )
    result.contact_refs = refs.rowcount or 0

    result.kept = {
        "beslut": _count(session, select(Decision.id).where(
            or_(Decision.responsible_id == pid, Decision.recorded_by_id == pid))),
        "ärenden": _count(session, select(Case.id).where(or_(Case.raised_by_id == pid, Case.presenter_id == pid))),
        "uppdrag": _count(session, select(Assignment.id).where(Assignment.assignee_id == pid)),
        "frånvaroanmälningar": _count(session, select(Absence.id).where(Absence.person_id == pid)),
    }

    person.name = ERASED_NAME
    person.handle = f"borttagen-{pid}"
    person.title = None
    person.email = None
    person.organisation_id = None
    person.slack_user_id = None
    person.teams_user_id = None
    person.teams_aad_object_id = None
    person.last_platform = None
    person.erased = True
    session.add(AuditLog(at=now, actor_id=None, action="person_erased", entity="person", entity_id=pid,
                         detail={"by": by, "notes": result.notes, "cancelled_messages": result.cancelled_messages,
                                 "scrubbed_messages": result.scrubbed_messages}))
    session.flush()
    return result


def rewrite_history(session: Session, replacements: Replacements) -> int:
    """Apply `replacements` to the texts of case histories and the audit log; returns how many rows changed.

    Erasure is rare and done by an operator, so every row is read (the audit detail is JSON, which no
    portable query can search for a name)."""
    if not replacements:
        return 0
    changed = 0
    for event in session.scalars(select(CaseEvent).where(CaseEvent.detail.is_not(None)).order_by(CaseEvent.id)):
        new = _replace_in(event.detail, replacements)
        if new != event.detail:
            event.detail = new
            changed += 1
    for entry in session.scalars(select(AuditLog).where(AuditLog.detail.is_not(None)).order_by(AuditLog.id)):
        new = _replace_in(entry.detail, replacements)
        if new != entry.detail:
            entry.detail = new
            changed += 1
    return changed


def person_for_operator(session: Session, handle: str) -> Person | None:
    """The person an operator names: by handle (with or without @), erased people included by their new handle."""
    handle = handle.strip().lstrip("@").lower()
    return session.scalar(select(Person).where(Person.handle == handle))
