"""Read queries shared by the handlers. Queries never commit: the caller owns the transaction."""
from __future__ import annotations

from datetime import date, datetime, timedelta
from typing import Sequence

from sqlalchemy import and_, or_, select
from sqlalchemy.orm import Session, joinedload

from storage.models import Absence, Forum, Meeting, Membership, Person


def person_by_handle(session: Session, handle: str) -> Person | None:
    handle = handle.strip().lstrip("@").lower()
    return session.scalar(select(Person).where(Person.handle == handle, Person.erased.is_(False)))


def person_by_slack(session: Session, slack_user_id: str) -> Person | None:
    return session.scalar(select(Person).where(Person.slack_user_id == slack_user_id, Person.erased.is_(False)))


def _memo(session: Session, key: tuple[str, ...], load):  # type: ignore[no-untyped-def]
    """`load()` once per session: a platform turn asks who wrote and which forum's channel it is from
    more than once (the adapter's bookkeeping, then the dispatcher)."""
    memo = session.info.setdefault("kansli_lookups", {})
    if key not in memo:
        memo[key] = load()
    return memo[key]


def person_by_teams(session: Session, *, user_id: str | None, aad_object_id: str | None) -> Person | None:
    conds = []
    if user_id:
        conds.append(Person.teams_user_id == user_id)
    if aad_object_id:
        conds.append(Person.teams_aad_object_id == aad_object_id)
        conds.append(Person.teams_user_id == aad_object_id)
    if not conds:
        return None
    return _memo(session, ("teams", user_id or "", aad_object_id or ""),
                 lambda: session.scalar(select(Person).where(or_(*conds), Person.erased.is_(False))))


def forum_of_channel(session: Session, channel: str) -> Forum | None:
    """The forum whose Slack channel or Teams channel (or group chat) this is."""
    return _memo(session, ("channel", channel), lambda: session.scalar(
        select(Forum).where(or_(Forum.slack_channel == channel, Forum.teams_channel == channel))))


def forum_by_key(session: Session, key: str) -> Forum | None:
    return session.scalar(select(Forum).where(Forum.key == key))


def _active(on: date | None):  # type: ignore[no-untyped-def]
    if on is None:
        return True
    return and_(
        or_(Membership.valid_from.is_(None), Membership.valid_from <= on),
        or_(Membership.valid_to.is_(None), Membership.valid_to >= on),
    )


def forums_of(session: Session, person: Person, *, on: date | None = None) -> list[Forum]:
    """The forums the person sits in (any role), by name."""
    stmt = (
        select(Forum)
        .join(Membership, Membership.forum_id == Forum.id)
        .where(Membership.person_id == person.id, _active(on))
        .distinct()
        .order_by(Forum.name)
    )
    return list(session.scalars(stmt))


def roles_of(session: Session, person: Person, forum: Forum, *, on: date | None = None) -> set[str]:
    stmt = select(Membership.role).where(
        Membership.person_id == person.id, Membership.forum_id == forum.id, _active(on)
    )
    return set(session.scalars(stmt))


def roles_by_person(session: Session, forum: Forum, person_ids: Sequence[int], *,
                    on: date | None = None) -> dict[int, set[str]]:
    """The roles each of `person_ids` holds in the forum (on a day), in one query."""
    out: dict[int, set[str]] = {pid: set() for pid in person_ids}
    if not out:
        return out
    stmt = select(Membership.person_id, Membership.role).where(
        Membership.forum_id == forum.id, Membership.person_id.in_(list(out)), _active(on)
    )
    for pid, role in session.execute(stmt):
        out[pid].add(role)
    return out


def people_with_role(session: Session, forum: Forum, role: str, *, on: date | None = None) -> list[Person]:
    stmt = (
        select(Person)
        .join(Membership, Membership.person_id == Person.id)
        .where(Membership.forum_id == forum.id, Membership.role == role, _active(on), Person.erased.is_(False))
        .distinct()
        .order_by(Person.name)
    )
    return list(session.scalars(stmt))


def members_of(session: Session, forum: Forum, *, on: date | None = None) -> list[Person]:
    """Everyone who sits in the forum (every role counts as membership)."""
    stmt = (
        select(Person)
        .join(Membership, Membership.person_id == Person.id)
        .where(Membership.forum_id == forum.id, _active(on), Person.erased.is_(False))
        .distinct()
        .order_by(Person.name)
    )
    return list(session.scalars(stmt))


def upcoming_meetings(
    session: Session, forums: Sequence[Forum], *, now: datetime, limit: int | None = None
) -> list[Meeting]:
    """Meetings not yet ended (or started within the last 12 hours when no end is set), earliest first."""
    if not forums:
        return []
    stmt = (
        select(Meeting)
        .where(
            Meeting.forum_id.in_([f.id for f in forums]),
            Meeting.cancelled.is_(False),
            or_(
                Meeting.ends_at > now,
                and_(Meeting.ends_at.is_(None), Meeting.starts_at > now - timedelta(hours=12)),
            ),
        )
        .order_by(Meeting.starts_at)
    )
    if limit:
        stmt = stmt.limit(limit)
    return list(session.scalars(stmt))


def _meetings_of(forums: Sequence[Forum]):  # type: ignore[no-untyped-def]
    return select(Meeting).where(Meeting.forum_id.in_([f.id for f in forums]), Meeting.cancelled.is_(False))


def meetings_on(session: Session, forums: Sequence[Forum], day_start: datetime, day_end: datetime) -> list[Meeting]:
    """Meetings of the forums (not cancelled) starting in [day_start, day_end), earliest first."""
    if not forums:
        return []
    stmt = _meetings_of(forums).where(Meeting.starts_at >= day_start, Meeting.starts_at < day_end)
    return list(session.scalars(stmt.order_by(Meeting.starts_at)))


def meetings_after(session: Session, forums: Sequence[Forum], after: datetime, *, limit: int = 3) -> list[Meeting]:
    """The next meetings of the forums starting at or after `after`."""
    if not forums:
        return []
    stmt = _meetings_of(forums).where(Meeting.starts_at >= after).order_by(Meeting.starts_at).limit(limit)
    return list(session.scalars(stmt))


def meetings_before(session: Session, forums: Sequence[Forum], before: datetime, *, limit: int = 3) -> list[Meeting]:
    """The latest meetings of the forums starting before `before`, latest first."""
    if not forums:
        return []
    stmt = _meetings_of(forums).where(Meeting.starts_at < before).order_by(Meeting.starts_at.desc()).limit(limit)
    return list(session.scalars(stmt))


def absences_of_meeting(session: Session, meeting: Meeting) -> list[Absence]:
    stmt = (
        select(Absence)
        .where(Absence.meeting_id == meeting.id, Absence.withdrawn_at.is_(None))
        .order_by(Absence.reported_at)
        # Every caller names the people: load them (and their organisations) with the absences.
        .options(joinedload(Absence.person).joinedload(Person.organisation),
                 joinedload(Absence.substitute).joinedload(Person.organisation))
    )
    return list(session.scalars(stmt))
