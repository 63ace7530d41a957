"""Case-process queries: case numbers, case lists, agenda order, assignments and follow-ups.

Nothing here commits; the caller owns the transaction. `create_case` is the one
writer: it allocates the next number ÅÅÅÅ:N of the forum and inserts the case
inside a savepoint, and when another transaction took the same number first
(the unique constraint on forum and number), it rolls back to the savepoint and
tries the next number.
"""
from __future__ import annotations

from datetime import date
from typing import Any, Iterable, Sequence

from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, joinedload, selectinload

from storage.models import Assignment, Case, FollowUp, Forum, Meeting, Person

MAX_NUMBER_ATTEMPTS = 20


class NumberAllocationError(RuntimeError):
    """No free case number after many attempts (only under extreme contention)."""


def next_seq(session: Session, forum: Forum, year: int) -> int:
    """The next free N for ÅÅÅÅ:N in the forum: one more than the highest taken this year."""
    highest = session.scalar(select(func.max(Case.seq)).where(Case.forum_id == forum.id, Case.year == year))
    return (highest or 0) + 1


def create_case(session: Session, *, forum: Forum, year: int, **values: Any) -> Case:
    """Insert a new case with the next number of the forum and year, retrying on a concurrent insert."""
    seq = next_seq(session, forum, year)
    for _ in range(MAX_NUMBER_ATTEMPTS):
        case = Case(forum_id=forum.id, year=year, seq=seq, number=f"{year}:{seq}", **values)
        savepoint = session.begin_nested()
        session.add(case)
        try:
            session.flush()
        except IntegrityError:
            savepoint.rollback()
            # Someone else took this number (or a higher one) meanwhile: look again.
            seq = max(seq + 1, next_seq(session, forum, year))
            continue
        savepoint.commit()
        return case
    raise NumberAllocationError(f"no free case number in forum {forum.key} for {year}")


def cases_by_number(session: Session, number: str, forums: Sequence[Forum] | None = None) -> list[Case]:
    """Cases with this number, in the given forums (or in every forum)."""
    stmt = select(Case).where(Case.number == number)
    if forums is not None:
        if not forums:
            return []
        stmt = stmt.where(Case.forum_id.in_([f.id for f in forums]))
    return list(session.scalars(stmt.order_by(Case.forum_id)))


def cases_of(session: Session, forums: Sequence[Forum], statuses: Iterable[str] | None = None) -> list[Case]:
    """The case list of the forums, oldest number first."""
    if not forums:
        return []
    stmt = select(Case).where(Case.forum_id.in_([f.id for f in forums]))
    if statuses is not None:
        stmt = stmt.where(Case.status.in_(list(statuses)))
    return list(session.scalars(stmt.order_by(Case.forum_id, Case.year, Case.seq)))


def next_agenda_order(session: Session, meeting: Meeting) -> int:
    highest = session.scalar(select(func.max(Case.agenda_order)).where(Case.meeting_id == meeting.id))
    return (highest or 0) + 1


def open_follow_ups(session: Session, cases: Sequence[Case]) -> dict[int, list[FollowUp]]:
    """Open follow-ups per case id, earliest due first."""
    if not cases:
        return {}
    stmt = (
        select(FollowUp)
        .where(FollowUp.case_id.in_([c.id for c in cases]), FollowUp.done_at.is_(None))
        .order_by(FollowUp.due, FollowUp.id)
    )
    out: dict[int, list[FollowUp]] = {}
    for f in session.scalars(stmt):
        out.setdefault(f.case_id, []).append(f)
    return out


def follow_ups_of_case(session: Session, case: Case) -> list[FollowUp]:
    return list(session.scalars(select(FollowUp).where(FollowUp.case_id == case.id).order_by(FollowUp.due,
                                                                                             FollowUp.id)))


# ------------------------------------------------------------------------------------ assignments


def open_assignments(
    session: Session,
    *,
    assignee: Person | None = None,
    forums: Sequence[Forum] | None = None,
    due_before: date | None = None,
) -> list[Assignment]:
    """Open assignments, earliest due first; optionally of one assignee, in some forums, or due before a day."""
    stmt = (
        select(Assignment)
        .where(Assignment.closed_at.is_(None))
        .options(
            selectinload(Assignment.extensions),
            # The one assignee, forum and case of each row come in the same query (joined), the
            # extensions (any number) in one more.
            joinedload(Assignment.assignee).joinedload(Person.organisation),
            joinedload(Assignment.forum),
            joinedload(Assignment.case),
        )
    )
    if assignee is not None:
        stmt = stmt.where(Assignment.assignee_id == assignee.id)
    if forums is not None:
        if not forums:
            return []
        stmt = stmt.where(Assignment.forum_id.in_([f.id for f in forums]))
    if due_before is not None:
        stmt = stmt.where(Assignment.due < due_before)
    return list(session.scalars(stmt.order_by(Assignment.due, Assignment.id)))


def assignments_of_case(session: Session, case: Case) -> list[Assignment]:
    return list(session.scalars(select(Assignment).where(Assignment.case_id == case.id).order_by(Assignment.id)))
