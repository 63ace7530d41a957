"""Read queries shared by the handlers. Queries never commit: the caller owns the transaction.

Within a command's transaction (a session the dispatcher marks with `for_turn`) the look-ups of people,
forums and roles are answered from what the transaction already read: the asker with their
organisation, memberships and forums, and the rosters of those forums (everyone sitting in them, with
their roles and organisations), comes in one query (`identify`); another forum's roster in one more (`people_with_role`, `members_of`,
`roles_of`, `roles_by_person`). A flush or statement that changes people, forums or memberships drops
what was read, so a command that changes them reads them afresh.
"""
from __future__ import annotations

from datetime import date, datetime, timedelta
from itertools import chain
from typing import Any, Sequence

from sqlalchemy import Date, and_, bindparam, event, func, or_, select, true
from sqlalchemy.orm import ORMExecuteState, Session, aliased, contains_eager, joinedload

from storage.models import Absence, Forum, Meeting, Membership, Organisation, Person

TURN = "kansli_turn"
_READ = "kansli_read"
_CHANGES_LOOKUPS = (Person, Forum, Membership)


def for_turn(session: Session) -> Session:
    """Mark the session as a command's: its look-ups are then read once per transaction (see above)."""
    session.info[TURN] = True
    return session


def _read(session: Session) -> dict[Any, Any] | None:
    """What this transaction has read of people, forums and memberships; None outside a command."""
    if not session.info.get(TURN):
        return None
    transaction = session.get_transaction()
    held = session.info.get(_READ)
    if held is None or held[0] is not transaction or any(
            isinstance(o, _CHANGES_LOOKUPS) for o in chain(session.new, session.deleted)):
        # A new transaction, or people, forums or memberships added or deleted but not yet flushed.
        held = session.info[_READ] = (transaction, {})
    return held[1]


def _forget(session: Session) -> None:
    session.info.pop(_READ, None)


@event.listens_for(Session, "before_flush")
def _forget_on_flush(session: Session, flush_context: Any, instances: Any) -> None:
    if _READ in session.info and any(isinstance(o, _CHANGES_LOOKUPS)
                                     for o in chain(session.new, session.dirty, session.deleted)):
        _forget(session)


@event.listens_for(Session, "do_orm_execute")
def _forget_on_statement(state: ORMExecuteState) -> None:
    if _READ in state.session.info and (state.is_update or state.is_delete or state.is_insert):
        table = getattr(state.statement, "table", None)
        if getattr(table, "name", None) in ("person", "forum", "membership"):
            _forget(state.session)


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


def _teams_conditions(user_id: str | None, aad_object_id: str | None) -> list[Any]:
    conds = []
    if user_id:
        conds.append(Person.teams_user_id == user_id)
    if aad_object_id:
        conds.append(Person.teams_aad_object_id == aad_object_id)
        conds.append(Person.teams_user_id == aad_object_id)
    return conds


def person_by_teams(session: Session, *, user_id: str | None, aad_object_id: str | None) -> Person | None:
    conds = _teams_conditions(user_id, aad_object_id)
    if not conds:
        return None
    return _memo(session, ("teams", user_id or "", aad_object_id or ""),
                 lambda: session.scalar(select(Person).where(or_(*conds), Person.erased.is_(False))))


def forum_of_channel(session: Session, channel: str) -> Forum | None:
    """The forum whose Slack channel or Teams channel (or group chat) this is."""
    return _memo(session, ("channel", channel), lambda: session.scalar(
        select(Forum).where(or_(Forum.slack_channel == channel, Forum.teams_channel == channel))))


# identify's statements, built once per kind of identity (building one costs more than running it); the
# identity and the channel are bound parameters.
_OTHER, _OTHER_PERSON, _OTHER_ORG = aliased(Membership), aliased(Person), aliased(Organisation)
_BY = {
    "handle": Person.handle == bindparam("who"),
    "slack": Person.slack_user_id == bindparam("who"),
    # A Teams user by their Teams id or their Entra object id (older rows stored the latter as the former).
    "teams": or_(Person.teams_user_id == bindparam("who"), Person.teams_aad_object_id == bindparam("aad"),
                 Person.teams_user_id == bindparam("aad")),
}
_IDENTIFY: dict[tuple[str, bool], Any] = {}


def _identify_statement(by: str, with_roster: bool) -> Any:
    stmt = _IDENTIFY.get((by, with_roster))
    if stmt is not None:
        return stmt
    if not with_roster:
        stmt = (
            select(Person, Membership, Forum)
            .outerjoin(Membership, Membership.person_id == Person.id)
            .outerjoin(Forum, Forum.id == Membership.forum_id)
            .options(joinedload(Person.organisation))
            .where(_BY[by], Person.erased.is_(False))
            .order_by(Person.id, Forum.name, Membership.id)
        )
    else:
        other, other_person, other_org = _OTHER, _OTHER_PERSON, _OTHER_ORG
        channel = bindparam("channel")
        in_channel = or_(Forum.slack_channel == channel, Forum.teams_channel == channel,
                         Forum.key == bindparam("channel_key"))
        stmt = (
            select(Person, Membership, Forum, other, other_person, other_org)
            .outerjoin(Membership, Membership.person_id == Person.id)
            .outerjoin(Forum, Forum.id == Membership.forum_id)
            .outerjoin(other, and_(other.forum_id == Forum.id, other.role != "member", in_channel))
            .outerjoin(other_person, other_person.id == other.person_id)
            .outerjoin(other_org, other_org.id == other_person.organisation_id)
            .options(joinedload(Person.organisation),
                     contains_eager(other.person.of_type(other_person))
                     .contains_eager(other_person.organisation.of_type(other_org)))
            .where(_BY[by], Person.erased.is_(False))
            # The person first found (by id, as one row would be), then their forums by name, as forums_of;
            # the officers by name, as `roster`.
            .order_by(Person.id, Forum.name, Membership.id, other_person.name, other_person.id, other.id)
        )
    _IDENTIFY[(by, with_roster)] = stmt
    return stmt


def identify(session: Session, *, handle: str | None = None, slack_user_id: str | None = None,
             teams_user_id: str | None = None, teams_aad_object_id: str | None = None,
             channel: str | None = None) -> Person | None:
    """The person who writes, by the first identity given, in one query with their organisation and every
    membership (and its forum); within a command the memberships then answer `forums_of` and `roles_of`
    for them without asking the store again.

    Within a command, the officers of the forum whose Slack or Teams `channel` (or, in the terminal, whose
    key) the turn came from come along in the same query: who chairs, coordinates, keeps the minutes or
    receives absence reports there, with their organisations, since most commands from a forum's channel
    ask for one of them (`people_with_role`). A whole roster is read when a command asks for it (`roster`,
    `members_of`): reading every forum's whole roster up front cost a member of three forums about 15 ms
    of processor time a turn, and one forum's whole roster still about 4 ms."""
    params: dict[str, Any]
    if handle:
        by, params = "handle", {"who": handle.strip().lstrip("@").lower()}
    elif slack_user_id:
        by, params = "slack", {"who": slack_user_id}
    elif teams_user_id or teams_aad_object_id:
        by, params = "teams", {"who": teams_user_id or None, "aad": teams_aad_object_id or None}
    else:
        return None
    in_turn = bool(session.info.get(TURN))
    with_roster = in_turn and bool(channel)
    asked = ("identify", by, *params.values(), channel or "")
    if in_turn and (known := _read(session)) is not None and asked in known:
        # Asked before in this transaction (a Teams turn's bookkeeping asks first, then the dispatcher).
        return known[asked]  # type: ignore[no-any-return]
    if with_roster:
        assert channel is not None
        params |= {"channel": channel, "channel_key": channel.lstrip("#")}
    result = session.execute(_identify_statement(by, with_roster), params)
    rows = (result.unique() if with_roster else result).all()
    if not rows:
        return None
    person = rows[0][0]
    if not in_turn:
        return person
    read = _read(session)  # after the query: the transaction it began is the one the read belongs to
    assert read is not None
    own: dict[int, tuple[Membership, Forum]] = {}
    officers: dict[int, dict[int, Membership]] = {}
    for row in rows:
        p, m, f = row[0], row[1], row[2]
        if p.id != person.id or m is None:
            continue
        own.setdefault(m.id, (m, f))
        if with_roster and row[3] is not None:
            officers.setdefault(f.id, {}).setdefault(row[3].id, row[3])
    # With its forum: the session holds what it loaded only as long as someone refers to it.
    read[("memberships", person.id)] = list(own.values())
    read[asked] = person
    for forum_id, members in officers.items():
        read[("officers", forum_id)] = list(members.values())
    return person


def channel_forum(session: Session, person: Person | None, channel: str, *, by_key: bool = False) -> Forum | None:
    """The forum whose channel this is (or, with `by_key`, whose key: the terminal's '#lchnv'); one of the
    asker's forums is known without a query once `identify` has read them."""
    read = _read(session)
    if person is not None and read is not None:
        for __, forum in read.get(("memberships", person.id)) or []:
            if (forum.key == channel) if by_key else channel in (forum.slack_channel, forum.teams_channel):
                return forum
    if by_key:
        return forum_by_key(session, channel)
    return forum_of_channel(session, channel)


def forum_by_key(session: Session, key: str) -> Forum | None:
    if "\x00" in key:  # no forum's key (and PostgreSQL refuses the character in a parameter)
        return None
    return session.scalar(select(Forum).where(Forum.key == key))


def _active(on: date | None):  # type: ignore[no-untyped-def]
    if on is None:
        return True
    return and_(
        or_(Membership.valid_from.is_(None), Membership.valid_from <= on),
        or_(Membership.valid_to.is_(None), Membership.valid_to >= on),
    )


def _active_on(m: Membership, on: date | None) -> bool:
    """`_active` in Python, for memberships already read."""
    return on is None or ((m.valid_from is None or m.valid_from <= on) and (m.valid_to is None or m.valid_to >= on))


def _own_memberships(session: Session, person: Person) -> list[tuple[Membership, Forum]] | None:
    read = _read(session)
    return None if read is None else read.get(("memberships", person.id))


def forums_of(session: Session, person: Person, *, on: date | None = None,
              sitting: date | None = None) -> list[Forum]:
    """The forums the person sits in (any role), by name: on the day `on`, or, with `sitting` (today), every
    forum whose membership has not ended by that day, coming ones too (as `sits_in`): someone who has left a
    forum no longer reads its meetings, agendas or cases. With neither, every forum they ever sat in."""
    own = _own_memberships(session, person)
    if own is not None:
        seen: dict[int, Forum] = {}
        for m, forum in own:
            if _active_on(m, on) and (sitting is None or m.valid_to is None or m.valid_to >= sitting):
                seen.setdefault(m.forum_id, forum)
        return list(seen.values())
    stmt = (
        select(Forum)
        .join(Membership, Membership.forum_id == Forum.id)
        .where(Membership.person_id == person.id, _active(on),
               true() if sitting is None else or_(Membership.valid_to.is_(None), Membership.valid_to >= sitting))
        .distinct()
        .order_by(Forum.name)
    )
    return list(session.scalars(stmt))


def sits_in(session: Session, person: Person, forum: Forum, *, on: date) -> bool:
    """Whether the person sits in the forum on `on` or will later (a membership that has not ended by then):
    someone who has left a forum is no longer one of its members."""
    own = _own_memberships(session, person)
    if own is not None:
        return any(m.forum_id == forum.id and (m.valid_to is None or m.valid_to >= on) for m, __ in own)
    return bool(session.scalar(select(Membership.id).where(
        Membership.person_id == person.id, Membership.forum_id == forum.id,
        or_(Membership.valid_to.is_(None), Membership.valid_to >= on)).limit(1)))


def roster(session: Session, forum: Forum) -> list[Membership] | None:
    """Within a command: every membership of the forum (past and coming too) with its person and the
    person's organisation, by name, read once per transaction. None outside a command."""
    read = _read(session)
    if read is None:
        return None
    key = ("roster", forum.id)
    if key not in read:
        read[key] = list(session.scalars(
            select(Membership).join(Membership.person)
            .options(contains_eager(Membership.person).joinedload(Person.organisation))
            .where(Membership.forum_id == forum.id)
            .order_by(Person.name, Person.id, Membership.id)))
    return read[key]


def _read_roster(session: Session, forum: Forum) -> list[Membership] | None:
    """The forum's whole roster if this command has read it already, else None (nothing is read)."""
    read = _read(session)
    return None if read is None else read.get(("roster", forum.id))


def _officers(session: Session, forum: Forum) -> list[Membership] | None:
    """The forum's officers (every membership but plain members) if read already: the whole roster's, or
    those `identify` read with the asker; else None."""
    read = _read(session)
    if read is None:
        return None
    rows = read.get(("roster", forum.id))
    if rows is not None:
        return [m for m in rows if m.role != "member"]
    return read.get(("officers", forum.id))


def _people(rows: list[Membership], *, on: date | None, role: str | None = None) -> list[Person]:
    seen: dict[int, Person] = {}
    for m in rows:
        if (role is None or m.role == role) and _active_on(m, on) and not m.person.erased:
            seen.setdefault(m.person_id, m.person)
    return list(seen.values())


def roles_of(session: Session, person: Person, forum: Forum, *, on: date | None = None) -> set[str]:
    own = [m for m, __ in mine] if (mine := _own_memberships(session, person)) is not None else None
    if own is None:
        rows = roster(session, forum)
        if rows is not None:
            own = [m for m in rows if m.person_id == person.id]
    if own is not None:
        return {m.role for m in own if m.forum_id == forum.id and _active_on(m, on)}
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
    # A roster already read answers; otherwise only these people's roles are read, not the whole roster.
    rows = _read_roster(session, forum)
    if rows is not None:
        for m in rows:
            if m.person_id in out and _active_on(m, on):
                out[m.person_id].add(m.role)
        return out
    params: dict[str, Any] = {"forum": forum.id, "people": list(out)}
    if on is not None:
        params["on"] = on
    for pid, role in session.execute(_ROLES[on is not None], params):
        out[pid].add(role)
    return out


_ROLES = {
    dated: select(Membership.person_id, Membership.role).where(
        Membership.forum_id == bindparam("forum"), Membership.person_id.in_(bindparam("people", expanding=True)),
        _active(bindparam("on", type_=Date) if dated else None))
    for dated in (False, True)
}


def people_with_role(session: Session, forum: Forum, role: str, *, on: date | None = None) -> list[Person]:
    rows = (_officers(session, forum) if role != "member" else None) or roster(session, forum)
    if rows is not None:
        return _people(rows, on=on, role=role)
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
    rows = roster(session, forum)
    if rows is not None:
        return _people(rows, on=on)
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


def next_meeting_per_forum(
    session: Session, forums: Sequence[Forum], *, now: datetime, among: set[int] | None = None
) -> list[Meeting]:
    """The first not yet ended meeting (as `upcoming_meetings` counts them) of each forum, earliest first;
    with `among`, the first of those meeting ids. One row per forum is read, not every coming meeting."""
    if not forums or (among is not None and not among):
        return []
    params: dict[str, Any] = {"forums": [f.id for f in forums], "now": now, "recent": now - timedelta(hours=12)}
    if among is not None:
        params["among"] = sorted(among)
    return list(session.scalars(_next_meeting_statement(among is not None), params))


_NEXT_MEETING: dict[bool, Any] = {}


def _next_meeting_statement(among: bool) -> Any:
    """next_meeting_per_forum's statement, built once (with or without the `among` condition)."""
    stmt = _NEXT_MEETING.get(among)
    if stmt is not None:
        return stmt
    conditions = [
        Meeting.forum_id.in_(bindparam("forums", expanding=True)),
        Meeting.cancelled.is_(False),
        or_(Meeting.ends_at > bindparam("now"),
            and_(Meeting.ends_at.is_(None), Meeting.starts_at > bindparam("recent"))),
    ]
    if among:
        conditions.append(Meeting.id.in_(bindparam("among", expanding=True)))
    rank = (
        select(Meeting.id, func.row_number().over(partition_by=Meeting.forum_id,
                                                  order_by=(Meeting.starts_at, Meeting.id)).label("rank"))
        .where(*conditions)
        .subquery()
    )
    stmt = _NEXT_MEETING[among] = (select(Meeting).join(rank, rank.c.id == Meeting.id).where(rank.c.rank == 1)
                                   .order_by(Meeting.starts_at, Meeting.id))
    return stmt


# The three look-ups by time, built once (building a statement cost about as much as running it); the forums
# and the instants are bound parameters.
_OF_FORUMS = (Meeting.forum_id.in_(bindparam("forums", expanding=True)), Meeting.cancelled.is_(False))
_MEETINGS_ON = (select(Meeting).where(*_OF_FORUMS, Meeting.starts_at >= bindparam("start"),
                                      Meeting.starts_at < bindparam("end")).order_by(Meeting.starts_at))
_MEETINGS_AFTER = (select(Meeting).where(*_OF_FORUMS, Meeting.starts_at >= bindparam("after"))
                   .order_by(Meeting.starts_at).limit(bindparam("limit")))
_MEETINGS_BEFORE = (select(Meeting).where(*_OF_FORUMS, Meeting.starts_at < bindparam("before"))
                    .order_by(Meeting.starts_at.desc()).limit(bindparam("limit")))


def meetings_on(session: Session, forums: Sequence[Forum], day_start: datetime, day_end: datetime) -> list[Meeting]:
    """Meetings of the forums (not cancelled) starting in [day_start, day_end), earliest first."""
    if not forums:
        return []
    return list(session.scalars(_MEETINGS_ON, {"forums": [f.id for f in forums], "start": day_start,
                                               "end": day_end}))


def meetings_after(session: Session, forums: Sequence[Forum], after: datetime, *, limit: int = 3) -> list[Meeting]:
    """The next meetings of the forums starting at or after `after`."""
    if not forums:
        return []
    return list(session.scalars(_MEETINGS_AFTER, {"forums": [f.id for f in forums], "after": after, "limit": limit}))


def meetings_before(session: Session, forums: Sequence[Forum], before: datetime, *, limit: int = 3) -> list[Meeting]:
    """The latest meetings of the forums starting before `before`, latest first."""
    if not forums:
        return []
    return list(session.scalars(_MEETINGS_BEFORE, {"forums": [f.id for f in forums], "before": before,
                                                   "limit": limit}))


def absences_of_meeting(session: Session, meeting: Meeting, *, withdrawn: bool = False) -> list[Absence]:
    """The meeting's reported absences, by when they were reported; with `withdrawn`, the withdrawn too."""
    return list(session.scalars(_ABSENCES[withdrawn], {"meeting": meeting.id}))


_ABSENCES = {
    withdrawn: (
        select(Absence)
        .where(Absence.meeting_id == bindparam("meeting"), true() if withdrawn else Absence.withdrawn_at.is_(None))
        .order_by(Absence.reported_at)
        # Every caller names the people: load them (and their organisations) with the absences.
        .options(joinedload(Absence.person).joinedload(Person.organisation),
                 joinedload(Absence.substitute).joinedload(Person.organisation))
    )
    for withdrawn in (False, True)
}
