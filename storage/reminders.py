"""Indexed queries behind the reminder pass, and the reminder ledger in the outbox.

What is due is always a query over a window around the instant of the pass:
meetings starting in a bounded range (index on meeting.starts_at), open
assignments due up to a horizon (index on assignment (closed_at, due)), open
follow-ups due in a bounded range (index on follow_up (done_at, due)). Nothing
here scans every case.

The ledger: each single reminder (kind, subject, recipient, occasion) is written
to the outbox under its own unique key with status 'merged' and is never sent by
itself; the reminders a person gets in one pass are sent as one combined
delivery row. Because the ledger rows and the combined row are written in the
same transaction, a reminder is part of exactly one delivery: a second pass, a
restart or a second replica that computes the same reminder finds its ledger
key and inserts nothing. Queries never commit: the caller owns the transaction.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from typing import Any, Iterable, Sequence

from sqlalchemy import and_, bindparam, func, or_, select, update
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.orm import Session

from storage.models import (
    Absence,
    Assignment,
    Case,
    FollowUp,
    Forum,
    Meeting,
    Membership,
    Outbox,
    Person,
)

# Status of a ledger row: the reminder went out as part of the delivery row named in its payload.
MERGED = "merged"
_CHUNK = 500


def all_forums(session: Session) -> list[Forum]:
    return list(session.scalars(select(Forum).order_by(Forum.id)))


def meetings_starting_between(session: Session, start: datetime, end: datetime) -> list[Meeting]:
    """Meetings (cancelled ones left out) starting in [start, end), by start."""
    stmt = (
        select(Meeting)
        .where(Meeting.starts_at >= start, Meeting.starts_at < end, Meeting.cancelled.is_(False))
        .order_by(Meeting.starts_at, Meeting.id)
    )
    return list(session.scalars(stmt))


def count_meetings_between(session: Session, forum_id: int, start: datetime, end: datetime) -> int:
    stmt = select(func.count()).select_from(Meeting).where(
        Meeting.forum_id == forum_id,
        Meeting.starts_at >= start,
        Meeting.starts_at < end,
        Meeting.cancelled.is_(False),
    )
    return int(session.scalar(stmt) or 0)


@dataclass(frozen=True)
class RoleHolder:
    forum_id: int
    role: str
    person: Person


def role_holders(session: Session, roles: Sequence[str], *, on: date) -> list[RoleHolder]:
    """Everyone holding one of `roles` in any forum on a day (erased people left out)."""
    stmt = (
        select(Membership.forum_id, Membership.role, Person)
        .join(Person, Person.id == Membership.person_id)
        .where(
            Membership.role.in_(list(roles)),
            or_(Membership.valid_from.is_(None), Membership.valid_from <= on),
            or_(Membership.valid_to.is_(None), Membership.valid_to >= on),
            Person.erased.is_(False),
        )
        .order_by(Membership.forum_id, Person.name, Person.id)
    )
    return [RoleHolder(forum_id=f, role=r, person=p) for f, r, p in session.execute(stmt)]


def roles_recorded_in(session: Session, forum_id: int, roles: Sequence[str], first: date, last: date) -> set[str]:
    """Which of `roles` someone holds in the forum for some part of [first, last]."""
    stmt = select(Membership.role).where(
        Membership.forum_id == forum_id,
        Membership.role.in_(list(roles)),
        or_(Membership.valid_from.is_(None), Membership.valid_from <= last),
        or_(Membership.valid_to.is_(None), Membership.valid_to >= first),
    )
    return set(session.scalars(stmt))


def absent_person_ids(session: Session, meeting_id: int) -> set[int]:
    """People with a standing (not withdrawn) absence for the meeting."""
    stmt = select(Absence.person_id).where(Absence.meeting_id == meeting_id, Absence.withdrawn_at.is_(None))
    return set(session.scalars(stmt))


def open_assignments_due_by(session: Session, last_due: date) -> list[Assignment]:
    """Open assignments due on or before `last_due`, overdue ones included (index on (closed_at, due))."""
    stmt = (
        select(Assignment)
        .where(Assignment.closed_at.is_(None), Assignment.due <= last_due)
        .order_by(Assignment.due, Assignment.id)
    )
    return list(session.scalars(stmt))


def open_follow_ups_between(session: Session, first: date, last: date) -> list[tuple[FollowUp, Case]]:
    """Open follow-ups due in [first, last] with their cases (index on (done_at, due))."""
    stmt = (
        select(FollowUp, Case)
        .join(Case, Case.id == FollowUp.case_id)
        .where(FollowUp.done_at.is_(None), FollowUp.due >= first, FollowUp.due <= last)
        .order_by(FollowUp.due, FollowUp.id)
    )
    return [(f, c) for f, c in session.execute(stmt)]


def cases_awaiting_preparation(session: Session, forum_id: int, *, limit: int) -> tuple[list[Case], int]:
    """Cases of a forum waiting for beredning (raised or under preparation): the first `limit` and the count."""
    cond = and_(Case.forum_id == forum_id, Case.status.in_(("aktualiserat", "under_beredning")))
    total = int(session.scalar(select(func.count()).select_from(Case).where(cond)) or 0)
    rows = list(session.scalars(select(Case).where(cond).order_by(Case.year, Case.seq, Case.id).limit(limit)))
    return rows, total


def existing_keys(session: Session, keys: Iterable[str]) -> set[str]:
    """Which of these outbox keys are already recorded (unique index on outbox.key)."""
    wanted = sorted(set(keys))
    found: set[str] = set()
    for i in range(0, len(wanted), _CHUNK):
        chunk = wanted[i : i + _CHUNK]
        found.update(session.scalars(select(Outbox.key).where(Outbox.key.in_(chunk))))
    return found


@dataclass(frozen=True)
class LedgerEntry:
    key: str
    kind: str
    person_id: int | None
    forum_id: int | None
    payload: dict[str, Any]


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
        rows = [
            dict(
                key=e.key[:300],
                kind=e.kind,
                payload=e.payload,
                person_id=e.person_id,
                forum_id=e.forum_id,
                status=MERGED,
                attempts=0,
                created_at=now,
                next_attempt_at=now,
            )
            for e in ordered[i : i + _CHUNK]
        ]
        stmt = (
            insert(Outbox)
            .values(rows)
            .on_conflict_do_nothing(index_elements=["key"])
            .returning(Outbox.id, Outbox.key)
        )
        for row_id, key in session.execute(stmt):
            inserted[key] = row_id
    return inserted


def link_ledger(session: Session, links: dict[int, dict[str, Any]]) -> None:
    """Point ledger rows at their delivery: {ledger row id: new payload}."""
    if not links:
        return
    table = Outbox.__table__
    session.execute(
        update(table)
        .where(table.c.id == bindparam("row_id"))
        .values(payload=bindparam("new_payload", type_=table.c.payload.type)),
        [{"row_id": i, "new_payload": p} for i, p in links.items()],
    )


def ledger_of(session: Session, delivery_ids: Sequence[int] | None = None) -> list[Outbox]:
    """Ledger rows (optionally only those of some deliveries), oldest first."""
    stmt = select(Outbox).where(Outbox.status == MERGED).order_by(Outbox.id)
    rows = list(session.scalars(stmt))
    if delivery_ids is None:
        return rows
    wanted = set(delivery_ids)
    return [r for r in rows if (r.payload or {}).get("delivery") in wanted]


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
