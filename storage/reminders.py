"""Indexed queries behind the reminder pass, and the reminder ledger.

What is due is always a query over a window around the instant of the pass:
meetings starting in a bounded range (index on meeting.starts_at), open
assignments due up to a horizon (index on assignment (closed_at, due)), open
follow-ups due in a bounded range (index on follow_up (done_at, due)). Nothing
here scans every case.

The ledger (table reminder_ledger): each single reminder (kind, subject,
recipient, occasion) is recorded under its own unique key and is never sent by
itself; the reminders a person gets in one pass are sent as one combined
outbox row, which each ledger row names. Because the ledger rows and the
combined row are written in the same transaction, a reminder is part of exactly one delivery: a second pass, a
restart or a second replica that computes the same reminder finds its ledger
key and inserts nothing. Queries never commit: the caller owns the transaction.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta
from string import Formatter
from typing import Any, Iterable, Protocol, Sequence

from sqlalchemy import Date, Integer, String, and_, bindparam, case, cast, func, literal, or_, select, update
from sqlalchemy.sql.elements import ColumnElement
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.orm import Session

from storage import built
from storage.models import (
    Absence,
    AgendaItem,
    Assignment,
    Case,
    Decision,
    FollowUp,
    Forum,
    Meeting,
    Membership,
    Outbox,
    Person,
    ReminderLedger,
)

_CHUNK = 500


def all_forums(session: Session) -> list[Forum]:
    return list(session.scalars(select(Forum).order_by(Forum.id)))


class MeetingRow(Protocol):
    id: int
    forum_id: int
    starts_at: datetime
    agenda_published_at: datetime | None
    minutes_sent_at: datetime | None


def meetings_for_reminders(session: Session, start: datetime, end: datetime, *, now: datetime,
                           day_end: datetime) -> list[MeetingRow]:
    """Meetings starting in [start, end) that can still have a reminder: coming ones with the agenda
    unpublished or starting before `day_end` (the chair's morning agenda), and started ones whose
    minutes are not sent. Cancelled meetings are left out. Uses the index on meeting.starts_at. Plain rows, not
    ORM objects: a pass looks at many meetings and loads the full Meeting only for a reminder it writes."""
    stmt = (
        select(Meeting.id, Meeting.forum_id, Meeting.starts_at, Meeting.agenda_published_at,
               Meeting.minutes_sent_at)
        .where(
            Meeting.starts_at >= start,
            Meeting.starts_at < end,
            Meeting.cancelled.is_(False),
            or_(
                and_(Meeting.starts_at > now,
                     or_(Meeting.agenda_published_at.is_(None), Meeting.starts_at < day_end)),
                and_(Meeting.starts_at <= now, Meeting.minutes_sent_at.is_(None)),
            ),
        )
        .order_by(Meeting.starts_at, Meeting.id)
    )
    return list(session.execute(stmt))  # type: ignore[arg-type]


def count_meetings_by_forum(session: Session, forum_ids: Sequence[int], start: datetime,
                            end: datetime) -> dict[int, int]:
    """Meetings (not cancelled) starting in [start, end), counted per forum."""
    stmt = built.for_dialect(session, "count_meetings_by_forum", lambda dialect: (
        select(Meeting.forum_id, func.count())
        .where(Meeting.starts_at >= bindparam("start"), Meeting.starts_at < bindparam("end"),
               Meeting.cancelled.is_(False), built.among(Meeting.forum_id, dialect))
        .group_by(Meeting.forum_id)))
    return {fid: int(n) for fid, n in session.execute(stmt, {"start": start, "end": end, "ids": list(forum_ids)})}


def role_holder_ids(session: Session, roles: Sequence[str], *, on: date) -> list[tuple[int, str, int]]:
    """(forum id, role, person id) of everyone holding one of `roles` on a day (erased people left out)."""
    stmt = (
        select(Membership.forum_id, Membership.role, Membership.person_id)
        .join(Person, Person.id == Membership.person_id)
        .where(
            Membership.role.in_(list(roles)),
            or_(Membership.valid_from.is_(None), Membership.valid_from <= on),
            or_(Membership.valid_to.is_(None), Membership.valid_to >= on),
            Person.erased.is_(False),
        )
        .order_by(Membership.forum_id, Membership.person_id)
    )
    return [(f, r, p) for f, r, p in session.execute(stmt)]


def roles_recorded_by_forum(session: Session, forum_ids: Sequence[int], roles: Sequence[str], first: date,
                            last: date) -> dict[int, set[str]]:
    """Per forum, which of `roles` someone holds for some part of [first, last]."""
    stmt = built.for_dialect(session, "roles_recorded_by_forum", lambda dialect: select(
        Membership.forum_id, Membership.role).where(
        built.among(Membership.forum_id, dialect),
        built.among(Membership.role, dialect, name="roles", item_type=String),
        or_(Membership.valid_from.is_(None), Membership.valid_from <= bindparam("last")),
        or_(Membership.valid_to.is_(None), Membership.valid_to >= bindparam("first")),
    ).distinct())
    out: dict[int, set[str]] = {}
    for fid, role in session.execute(stmt, {"ids": list(forum_ids), "roles": list(roles), "first": first,
                                            "last": last}):
        out.setdefault(fid, set()).add(role)
    return out


def absent_person_ids(session: Session, meeting_id: int) -> set[int]:
    """People with a standing (not withdrawn) absence for the meeting."""
    stmt = select(Absence.person_id).where(Absence.meeting_id == meeting_id, Absence.withdrawn_at.is_(None))
    return set(session.scalars(stmt))


def standing_absences(session: Session, meeting_ids: Sequence[int]) -> dict[int, list[Absence]]:
    """The standing (not withdrawn) absences, with their parts, of each of these meetings (one query)."""
    out: dict[int, list[Absence]] = {m: [] for m in meeting_ids}
    if not out:
        return out
    stmt = built.for_dialect(session, "standing_absences", lambda dialect: select(Absence).where(
        built.among(Absence.meeting_id, dialect), Absence.withdrawn_at.is_(None)).order_by(Absence.id))
    for absence in session.scalars(stmt, {"ids": sorted(out)}):
        out[absence.meeting_id].append(absence)
    return out


# ------------------------------------------------------------------------------------ schedules and keys
#
# A reminder's key and a dated thing's occasions are defined once, here, in Python. The anti-joins below
# compile the same definitions to SQL (string pieces and date arithmetic from the same fields), so the
# pass keeps asking the database, not Python, which assignments and follow-ups are still to remind.

KEY_FORMAT = "reminder:{kind}:{subject}:{occasion}:p{person}"


def reminder_key(kind: str, subject: str, occasion: str, person_id: int) -> str:
    """The ledger key of one reminder: kind, subject, occasion and recipient."""
    return KEY_FORMAT.format(kind=kind, subject=subject, occasion=occasion, person=person_id)


def _sql_format(template: str, **parts: ColumnElement[Any]) -> ColumnElement[Any]:
    """`template` (str.format fields only) as a SQL string concatenation of `parts`."""
    out: ColumnElement[Any] | None = None
    for literal_text, field, _, _ in Formatter().parse(template):
        for piece in ([literal(literal_text, String)] if literal_text else []) + \
                ([parts[field]] if field is not None else []):
            out = piece if out is None else out + piece
    assert out is not None
    return out


def _text(value: ColumnElement[Any]) -> ColumnElement[str]:
    return cast(value, String)


def _days_late(dialect: str, day: date, due: ColumnElement[date]) -> ColumnElement[int]:
    """Whole days from `due` to `day` (negative before it): the one dialect-specific piece."""
    if dialect == "sqlite":
        return cast(func.julianday(literal(day.isoformat(), String)) - func.julianday(due), Integer)
    return cast(literal(day, Date) - due, Integer)  # PostgreSQL: date - date is a whole number of days


@dataclass(frozen=True)
class Schedule:
    """When a dated thing (an assignment, a follow-up) is reminded: `before` days before its date, on
    the date, then (when `every` is set) every `every` days while it stays open. An occasion is named
    'before:DUE', 'due:DUE' or 'overdue:DUE:wK' (K periods after the date)."""

    kind: str
    subject_prefix: str
    before: int
    every: int | None

    def subject(self, thing_id: int) -> str:
        return f"{self.subject_prefix}{thing_id}"

    def occasion(self, due: date, day: date) -> tuple[str, date, str] | None:
        """The latest occasion on or before `day`: (stage, the occasion's day, its name), or None."""
        late = (day - due).days
        if late < -self.before:
            return None
        if late < 0:
            return "before", due - timedelta(days=self.before), f"before:{due.isoformat()}"
        if self.every is None or late < self.every:
            return "due", due, f"due:{due.isoformat()}"
        k = late // self.every
        return "overdue", due + timedelta(days=self.every * k), f"overdue:{due.isoformat()}:w{k}"

    def occasion_sql(self, due: ColumnElement[date], late: ColumnElement[int]) -> ColumnElement[str]:
        """`occasion` in SQL: the name of the latest occasion for rows with `late` >= -before."""
        whens: list[tuple[ColumnElement[bool], ColumnElement[str]]] = [
            (late < 0, literal("before:", String) + _text(due))]
        if self.every is None:
            return case(*whens, else_=literal("due:", String) + _text(due))
        whens.append((late < self.every, literal("due:", String) + _text(due)))
        return case(*whens, else_=literal("overdue:", String) + _text(due) + literal(":w", String)
                    + _text(late // self.every))

    def key_sql(self, thing_id: ColumnElement[int], due: ColumnElement[date], person_id: ColumnElement[int],
                late: ColumnElement[int]) -> ColumnElement[str]:
        """`reminder_key` of the latest occasion, in SQL."""
        return _sql_format(KEY_FORMAT, kind=literal(self.kind, String),
                           subject=literal(self.subject_prefix, String) + _text(thing_id),
                           occasion=self.occasion_sql(due, late), person=_text(person_id))

    def recent_sql(self, due: ColumnElement[date], late: ColumnElement[int], day: date,
                   days: int) -> ColumnElement[bool]:
        """Rows whose latest occasion by `day` fell in the last `days` days (`day` included)."""
        w = days - 1
        terms = [due.between(day + timedelta(days=self.before - w), day + timedelta(days=self.before)),
                 due.between(day - timedelta(days=w), day)]
        if self.every is not None:
            terms.append(and_(due <= day - timedelta(days=self.every), late % self.every <= w))
        return or_(*terms)


ASSIGNMENT = Schedule(kind="assignment", subject_prefix="a", before=14, every=7)
FOLLOW_UP = Schedule(kind="follow_up", subject_prefix="f", before=7, every=None)


def _unrecorded(key: ColumnElement[str]) -> ColumnElement[bool]:
    return ~select(ReminderLedger.id).where(ReminderLedger.key == key).exists()


def open_assignments_unreminded(session: Session, *, effective_day: date, catch_up_days: int,
                                forum_ids: Sequence[int] | None = None) -> list[Assignment]:
    """Open assignments with a reminder occasion (ASSIGNMENT: 14 days before, the due date, every 7 days
    after it) in the last `catch_up_days` days up to `effective_day` that has not been recorded for the
    assignee.

    A range scan of the (closed_at, due) index; the occasion test is date arithmetic, and only the rows
    that pass it get one ledger-key probe each, inside the database.
    """
    late = _days_late(session.get_bind().dialect.name, effective_day, Assignment.due)
    stmt = select(Assignment).where(
        Assignment.closed_at.is_(None),
        Assignment.due <= effective_day + timedelta(days=ASSIGNMENT.before),
        ASSIGNMENT.recent_sql(Assignment.due, late, effective_day, catch_up_days),
        _unrecorded(ASSIGNMENT.key_sql(Assignment.id, Assignment.due, Assignment.assignee_id, late)),
    )
    if forum_ids is not None:
        stmt = stmt.where(Assignment.forum_id.in_(list(forum_ids)))
    return list(session.scalars(stmt.order_by(Assignment.due, Assignment.id)))


def open_follow_ups_unreminded(session: Session, *, effective_day: date, first_due: date,
                               forum_ids: Sequence[int] | None = None) -> list[tuple[FollowUp, Case]]:
    """Open follow-ups due in [first_due, effective_day + 7] whose latest reminder occasion by
    `effective_day` (FOLLOW_UP: 7 days before, on the date) has not been recorded for the responsible
    person, with their cases. A range scan of the (done_at, due) index with one ledger-key probe per row."""
    late = _days_late(session.get_bind().dialect.name, effective_day, FollowUp.due)
    stmt = (
        select(FollowUp, Case)
        .join(Case, Case.id == FollowUp.case_id)
        .where(FollowUp.done_at.is_(None), FollowUp.due >= first_due,
               FollowUp.due <= effective_day + timedelta(days=FOLLOW_UP.before),
               _unrecorded(FOLLOW_UP.key_sql(FollowUp.id, FollowUp.due, FollowUp.responsible_id, late)))
        .order_by(FollowUp.due, FollowUp.id)
    )
    if forum_ids is not None:
        stmt = stmt.where(Case.forum_id.in_(list(forum_ids)))
    return [(f, c) for f, c in session.execute(stmt)]


def cases_awaiting_preparation(session: Session, forum_id: int, *, limit: int) -> tuple[list[Case], int]:
    """Cases of a forum waiting for beredning (raised, under preparation or sent back by a meeting): the first
    `limit` and the count."""
    cond = and_(Case.forum_id == forum_id, Case.status.in_(("aktualiserat", "under_beredning", "aterremitterat")))
    total = int(session.scalar(select(func.count()).select_from(Case).where(cond)) or 0)
    rows = list(session.scalars(select(Case).where(cond).order_by(Case.year, Case.seq, Case.id).limit(limit)))
    return rows, total


def undecided_case_items(session: Session, meeting_id: int) -> list[tuple[AgendaItem, Case]]:
    """The meeting's case items with no decision whose case is still on that meeting (not moved on, sent
    back or closed since), in agenda order."""
    decided = select(Decision.id).where(Decision.item_id == AgendaItem.id).exists()
    stmt = (
        select(AgendaItem, Case)
        .join(Case, Case.id == AgendaItem.case_id)
        .where(AgendaItem.meeting_id == meeting_id, Case.meeting_id == meeting_id,
               Case.status == "pa_dagordning", ~decided)
        .order_by(AgendaItem.number, AgendaItem.sub_number.nulls_first(), AgendaItem.id)
    )
    return [(i, c) for i, c in session.execute(stmt)]


def existing_keys(session: Session, keys: Iterable[str]) -> set[str]:
    """Which of these reminder keys are already in the ledger (unique index on reminder_ledger.key)."""
    wanted = sorted(set(keys))
    stmt = built.for_dialect(session, "existing_keys", lambda dialect: select(ReminderLedger.key).where(
        built.among(ReminderLedger.key, dialect, item_type=String)))
    found: set[str] = set()
    for i in range(0, len(wanted), _CHUNK):
        found.update(session.scalars(stmt, {"ids": wanted[i : i + _CHUNK]}))
    return found


@dataclass(frozen=True)
class LedgerEntry:
    key: str
    kind: str
    person_id: int | None


def record_ledger(session: Session, entries: Sequence[LedgerEntry], *, now: datetime) -> dict[str, int]:
    """Insert ledger rows unless their keys exist; return {key: id} of the rows this call inserted.

    Keys are inserted in sorted order, so two passes that want overlapping sets
    take the unique-index locks in the same order and cannot deadlock; the
    second waits for the first to commit and then inserts nothing for those keys.
    """
    if not entries:
        return {}
    dialect = session.get_bind().dialect.name
    insert = pg_insert if dialect == "postgresql" else sqlite_insert
    ordered = sorted(entries, key=lambda e: e.key)
    inserted: dict[str, int] = {}
    for i in range(0, len(ordered), _CHUNK):
        rows = [dict(key=e.key[:300], kind=e.kind, person_id=e.person_id, created_at=now)
                for e in ordered[i : i + _CHUNK]]
        stmt = (
            insert(ReminderLedger)
            .values(rows)
            .on_conflict_do_nothing(index_elements=["key"])
            .returning(ReminderLedger.id, ReminderLedger.key)
        )
        for row_id, key in session.execute(stmt):
            inserted[key] = row_id
    return inserted


def link_ledger(session: Session, links: dict[int, int]) -> None:
    """Point ledger rows at the delivery that carried them: {ledger row id: outbox row id}."""
    if not links:
        return
    table = ReminderLedger.__table__
    session.execute(
        update(table).where(table.c.id == bindparam("row_id")).values(delivery_id=bindparam("delivery")),
        [{"row_id": i, "delivery": d} for i, d in links.items()],
    )


def ledger_of(session: Session, delivery_ids: Sequence[int] | None = None) -> list[ReminderLedger]:
    """Ledger rows (optionally only those of some deliveries), oldest first."""
    stmt = select(ReminderLedger).order_by(ReminderLedger.id)
    if delivery_ids is not None:
        stmt = stmt.where(ReminderLedger.delivery_id.in_(list(delivery_ids)))
    return list(session.scalars(stmt))


def people_by_id(session: Session, ids: Iterable[int]) -> dict[int, Person]:
    """Persons by id in one query (erased people left out)."""
    wanted = sorted(set(ids))
    found: dict[int, Person] = {}
    for i in range(0, len(wanted), _CHUNK):
        stmt = select(Person).where(Person.id.in_(wanted[i : i + _CHUNK]), Person.erased.is_(False))
        found.update({p.id: p for p in session.scalars(stmt)})
    return found


def begin_pass(session: Session) -> None:
    """Start the pass's transaction. On SQLite take the single write lock first (waiting up to the busy
    timeout), so no other writer can commit between what the pass reads and what it writes; without it
    a second process would fail at its first insert (a stale WAL snapshot). PostgreSQL needs nothing:
    the unique insert settles races."""
    if session.get_bind().dialect.name == "sqlite":
        session.execute(update(Outbox).where(Outbox.id < 0).values(attempts=Outbox.attempts)
                        .execution_options(synchronize_session=False))
