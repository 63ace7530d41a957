"""Queries behind the coordinator's chat administration: meetings, members, roles, organisations.

Queries never commit: the dispatcher owns the transaction.
"""
from __future__ import annotations

from datetime import date, datetime, timedelta
from typing import Sequence

from sqlalchemy import exists, func, or_, select
from sqlalchemy.orm import Session

from storage.models import Assignment, Case, Decision, Forum, Meeting, Membership, Organisation, Person

# A meeting with no end blocks the hour after its start when overlaps are checked.
DEFAULT_LENGTH = timedelta(hours=1)


def organisation_by_key(session: Session, key: str) -> Organisation | None:
    return session.scalar(select(Organisation).where(func.lower(Organisation.key) == key.strip().lower()))


def organisations(session: Session) -> list[Organisation]:
    return list(session.scalars(select(Organisation).order_by(Organisation.key)))


def person_by_platform(session: Session, *, slack: str | None = None, teams: str | None = None) -> Person | None:
    if slack:
        return session.scalar(select(Person).where(Person.slack_user_id == slack))
    if teams:
        return session.scalar(select(Person).where(
            or_(Person.teams_user_id == teams, Person.teams_aad_object_id == teams)))
    return None


def person_by_handle_any(session: Session, handle: str) -> Person | None:
    """A handle is taken for good, even by an erased person."""
    return session.scalar(select(Person).where(Person.handle == handle.strip().lstrip("@").lower()))


def meetings_between(session: Session, forum: Forum, start: datetime, end: datetime, *,
                     cancelled: bool = False) -> list[Meeting]:
    """The forum's meetings starting in [start, end), earliest first (cancelled ones only when asked)."""
    stmt = select(Meeting).where(Meeting.forum_id == forum.id, Meeting.starts_at >= start, Meeting.starts_at < end)
    if not cancelled:
        stmt = stmt.where(Meeting.cancelled.is_(False))
    return list(session.scalars(stmt.order_by(Meeting.starts_at)))


def overlapping_meeting(session: Session, forum: Forum, start: datetime, end: datetime | None, *,
                        excluding: int | None = None) -> Meeting | None:
    """A meeting of the forum (not cancelled) whose time overlaps [start, end)."""
    end = end or start + DEFAULT_LENGTH
    for m in meetings_between(session, forum, start - timedelta(days=1), end):
        if m.id == excluding:
            continue
        m_end = m.ends_at or m.starts_at + DEFAULT_LENGTH
        if m.starts_at < end and start < m_end:
            return m
    return None


def meeting_has_decisions(session: Session, meeting: Meeting) -> bool:
    return bool(session.scalar(select(exists().where(Decision.meeting_id == meeting.id))))


def cases_on_agenda(session: Session, meeting: Meeting) -> list[Case]:
    return list(session.scalars(select(Case).where(Case.meeting_id == meeting.id, Case.status == "pa_dagordning")
                                .order_by(Case.agenda_order, Case.id)))


def memberships(session: Session, forum: Forum, *, person: Person | None = None,
                role: str | None = None) -> list[Membership]:
    stmt = select(Membership).where(Membership.forum_id == forum.id)
    if person is not None:
        stmt = stmt.where(Membership.person_id == person.id)
    if role is not None:
        stmt = stmt.where(Membership.role == role)
    return list(session.scalars(stmt.order_by(Membership.valid_from.is_not(None), Membership.valid_from,
                                              Membership.id)))


def active_on(m: Membership, day: date) -> bool:
    return (m.valid_from is None or m.valid_from <= day) and (m.valid_to is None or m.valid_to >= day)


def spans_overlap(a_from: date | None, a_to: date | None, b_from: date | None, b_to: date | None) -> bool:
    """Two date ranges (None = open) share a day."""
    return (a_from is None or b_to is None or a_from <= b_to) and (b_from is None or a_to is None or b_from <= a_to)


def open_assignments_of(session: Session, forum: Forum, person: Person) -> list[Assignment]:
    return list(session.scalars(
        select(Assignment).where(Assignment.forum_id == forum.id, Assignment.assignee_id == person.id,
                                 Assignment.closed_at.is_(None)).order_by(Assignment.due, Assignment.id)))


def open_cases_of(session: Session, forum: Forum, person: Person) -> list[Case]:
    """Cases of the forum the person raised or presents that are not closed."""
    return list(session.scalars(
        select(Case).where(Case.forum_id == forum.id, Case.status != "avslutat",
                           or_(Case.raised_by_id == person.id, Case.presenter_id == person.id))
        .order_by(Case.year, Case.seq)))


def member_rows(session: Session, forum: Forum, *, on: date) -> list[tuple[Person, list[Membership]]]:
    """Everyone sitting in the forum on a day, with all their memberships there (past and coming too)."""
    rows = list(session.execute(
        select(Person, Membership).join(Membership, Membership.person_id == Person.id)
        .where(Membership.forum_id == forum.id, Person.erased.is_(False))
        .order_by(Person.name, Membership.id)))
    out: dict[int, tuple[Person, list[Membership]]] = {}
    for person, m in rows:
        out.setdefault(person.id, (person, []))[1].append(m)
    return [(p, ms) for p, ms in out.values() if any(active_on(m, on) for m in ms)]


def forum_ids_of_people(session: Session, people: Sequence[Person]) -> dict[int, set[int]]:
    out: dict[int, set[int]] = {p.id: set() for p in people}
    if out:
        for pid, fid in session.execute(select(Membership.person_id, Membership.forum_id)
                                        .where(Membership.person_id.in_(list(out)))):
            out[pid].add(fid)
    return out


def forums_not_left(session: Session, person: Person, *, on: date) -> list[Forum]:
    """The forums the person sits in on `on` or will sit in later (a membership that has not ended by then)."""
    return list(session.scalars(
        select(Forum).join(Membership, Membership.forum_id == Forum.id)
        .where(Membership.person_id == person.id, or_(Membership.valid_to.is_(None), Membership.valid_to >= on))
        .distinct().order_by(Forum.name)))
