"""Case-process queries: case numbers, case lists, agenda order, assignments and follow-ups.

Nothing here commits; the caller owns the transaction. `create_case` is the one
writer: it allocates the next number ÅÅÅÅ:N of the forum and inserts the case
inside a savepoint, and when another transaction took the same number first
(the unique constraint on forum and number), it rolls back to the savepoint and
tries the next number.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from typing import Any, Iterable, Sequence

from sqlalchemy import bindparam, exists, func, select
from sqlalchemy import inspect as sa_inspect
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from storage import built
from storage.models import Assignment, AssignmentExtension, Case, FollowUp, Forum, Meeting, Organisation, Person

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


@dataclass(slots=True)
class AssignmentLine:
    """An assignment as a list shows it: its own columns, its assignee's name and organisation, its case's
    number and title, its forum and its extensions (oldest first). Read as plain rows, not as tracked
    objects, since a list changes nothing (`line_of` makes one of a loaded Assignment)."""

    id: int
    title: str
    due: date
    closed_at: datetime | None
    decided_on: date | None
    forum: Forum
    assignee_id: int
    assignee_name: str | None
    assignee_erased: bool
    organisation: str | None
    case_number: str | None
    case_title: str | None
    extensions: tuple[AssignmentExtension, ...] = ()

    @property
    def forum_id(self) -> int:
        return self.forum.id


def line_of(a: Assignment) -> AssignmentLine:
    """The list line of one loaded assignment (its relations read as the session loads them)."""
    person, case = a.assignee, a.case
    return AssignmentLine(
        id=a.id, title=a.title, due=a.due, closed_at=a.closed_at, decided_on=a.decided_on, forum=a.forum,
        assignee_id=a.assignee_id, assignee_name=person.name if person is not None else None,
        assignee_erased=bool(person is not None and person.erased),
        organisation=person.organisation.name if person is not None and person.organisation else None,
        case_number=case.number if case is not None else None, case_title=case.title if case is not None else None,
        extensions=tuple(a.extensions))


def open_assignments(
    session: Session,
    *,
    assignee: Person | None = None,
    forums: Sequence[Forum] | None = None,
    due_before: date | None = None,
) -> list[AssignmentLine]:
    """Open assignments as list lines, earliest due first; optionally of one assignee, in some forums, or due
    before a day.

    A coordinator's list runs to a hundred rows and more: it is read as plain rows (tracked objects cost four
    times the processor time): the assignments with their cases and whether any was extended, then their
    assignees with their organisations, and the extensions only when there are any; the forums the session
    holds already (the asker's) are not read again."""
    if forums is not None and not forums:
        return []
    params: dict[str, Any] = {}
    if assignee is not None:
        params["assignee"] = assignee.id
    if forums is not None:
        params["forums"] = [f.id for f in forums]
    if due_before is not None:
        params["due_before"] = due_before
    stmt = _open_statement(session, assignee is not None, forums is not None, due_before is not None)
    rows = session.execute(stmt, params).all()
    if not rows:
        return []
    held = _by_id(session, Forum, {r.forum_id for r in rows})
    people = {pid: (name, bool(erased), org) for pid, name, erased, org in session.execute(
        built.for_dialect(session, "assignees_among", _assignees_among), {"ids": sorted({r.assignee_id for r in rows})})}
    extensions: dict[int, list[AssignmentExtension]] = {}
    extended = sorted(r.id for r in rows if r.extended)
    if extended:
        for x in session.scalars(built.for_dialect(session, "extensions_among", _extensions_among),
                                 {"ids": extended}):
            extensions.setdefault(x.assignment_id, []).append(x)
    # Rows unpacked by position (the statement's column order), which costs a fraction of reading them by name.
    return [AssignmentLine(ident, title, due, closed_at, decided_on, held[forum_id], assignee_id, *people[assignee_id],
                           case_number, case_title, tuple(extensions.get(ident, ())))
            for ident, title, due, closed_at, decided_on, forum_id, assignee_id, case_number, case_title, _x in rows]


def _open_statement(session: Session, by_assignee: bool, by_forums: bool, by_due: bool) -> Any:
    """The statement of open_assignments for these filters, built once each per dialect (building one cost about
    as much as running it); the forums are one array parameter on PostgreSQL (built.among)."""
    def build(dialect: str) -> Any:
        extended = exists().where(AssignmentExtension.assignment_id == Assignment.id)
        stmt = (
            select(Assignment.id, Assignment.title, Assignment.due, Assignment.closed_at, Assignment.decided_on,
                   Assignment.forum_id, Assignment.assignee_id, Case.number.label("case_number"),
                   Case.title.label("case_title"), extended.label("extended"))
            .outerjoin(Case, Case.id == Assignment.case_id)
            .where(Assignment.closed_at.is_(None))
        )
        if by_assignee:
            stmt = stmt.where(Assignment.assignee_id == bindparam("assignee"))
        if by_forums:
            stmt = stmt.where(built.among(Assignment.forum_id, dialect, name="forums"))
        if by_due:
            stmt = stmt.where(Assignment.due < bindparam("due_before"))
        return stmt.order_by(Assignment.due, Assignment.id)

    return built.for_dialect(session, f"open_assignments:{by_assignee:d}{by_forums:d}{by_due:d}", build)


def _assignees_among(dialect: str) -> Any:
    # Apart from the assignments: joined into their query, PostgreSQL's planner hashed the whole person table
    # (about 2 ms of the server's time for a list of a hundred), where looking a hundred up by id is cheap.
    return (select(Person.id, Person.name, Person.erased, Organisation.name.label("organisation"))
            .outerjoin(Organisation, Organisation.id == Person.organisation_id)
            .where(built.among(Person.id, dialect)))


def _extensions_among(dialect: str) -> Any:
    return (select(AssignmentExtension).where(built.among(AssignmentExtension.assignment_id, dialect))
            .order_by(AssignmentExtension.id))


# Forums by id for open_assignments, the statement built once per dialect.
_BY_ID = {
    Forum: lambda dialect: select(Forum).where(built.among(Forum.id, dialect)),
}


def _by_id(session: Session, model: Any, ids: Iterable[int]) -> dict[int, Any]:
    """Rows of `model` by id: those the session holds already, the rest in one query."""
    out: dict[int, Any] = {}
    missing = []
    for ident in ids:
        held = session.identity_map.get(session.identity_key(model, ident))
        if held is not None and not sa_inspect(held).expired:
            out[ident] = held
        else:
            missing.append(ident)
    if missing:
        stmt = built.for_dialect(session, f"{model.__name__}_by_id", _BY_ID[model])
        for row in session.scalars(stmt, {"ids": sorted(missing)}):
            out[row.id] = row
    return out


def assignments_of_case(session: Session, case: Case) -> list[Assignment]:
    return list(session.scalars(select(Assignment).where(Assignment.case_id == case.id).order_by(Assignment.id)))
