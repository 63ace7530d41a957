"""Agenda items: a meeting's föredragningslista as rows, and the published versions of it.

Nothing here commits; the caller owns the transaction.
"""
from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import bindparam, func, select
from sqlalchemy.orm import Session, joinedload

from storage.models import AgendaItem, AgendaVersion, Case, Meeting, Person

STANDING_ITEMS = (
    "Mötets öppnande",
    "Godkännande av dagordning",
    "Föregående minnesanteckningar",
    "Rapporter och delgivningar",
)
ON_AGENDA = ("pa_dagordning", "behandlat", "aterremitterat", "avslutat")


def standing_titles(forum) -> list[str]:  # type: ignore[no-untyped-def]
    """The forum's standing items (network file `rules: standing_items:`), else seed 003's four."""
    if forum.standing_items:
        return [t.strip() for t in forum.standing_items.splitlines() if t.strip()]
    return list(STANDING_ITEMS)


def _order(item: AgendaItem) -> tuple[int, int, int]:
    return (item.number, item.sub_number or 0, item.id or 0)


def stored_items(session: Session, meeting: Meeting) -> list[AgendaItem]:
    stmt = (
        select(AgendaItem)
        .where(AgendaItem.meeting_id == meeting.id)
        # The agenda shows each item's presenter and case: load them together.
        .options(joinedload(AgendaItem.presenter).joinedload(Person.organisation), joinedload(AgendaItem.case))
    )
    return sorted(session.scalars(stmt), key=_order)


def lock_agenda(session: Session, meeting: Meeting) -> None:
    """Hold the meeting's row until the transaction ends (PostgreSQL; SQLite has one writer anyway), so that
    concurrent commands change its agenda one after the other: item numbers and published versions are
    read as the highest so far plus one, which two transactions at once would both read alike."""
    if session.get_bind().dialect.name != "postgresql":
        return
    transaction = session.get_transaction()
    held = session.info.get("kansli_locked_meetings")
    if held is None or held[0] is not transaction:  # locks end with the transaction
        held = session.info["kansli_locked_meetings"] = (transaction, set())
    if meeting.id not in held[1]:
        session.execute(select(Meeting.id).where(Meeting.id == meeting.id).with_for_update())
        held[1].add(meeting.id)


def agenda_items(session: Session, meeting: Meeting) -> list[AgendaItem]:
    """The meeting's items in order; a meeting with none stored yet has its standing items (not stored)."""
    rows = stored_items(session, meeting)
    if rows:
        return rows
    return [AgendaItem(meeting_id=meeting.id, number=i + 1, title=t, standing=True, late_addition=False)
            for i, t in enumerate(standing_titles(meeting.forum))]


def ensure_items(session: Session, meeting: Meeting, *, now: datetime) -> list[AgendaItem]:
    """The meeting's stored items, storing its standing items first if it has none.

    Only commands that change the agenda call this: it locks the meeting's agenda (`lock_agenda`) first."""
    lock_agenda(session, meeting)
    rows = stored_items(session, meeting)
    if rows:
        return rows
    for i, title in enumerate(standing_titles(meeting.forum)):
        session.add(AgendaItem(meeting_id=meeting.id, number=i + 1, title=title, standing=True,
                               late_addition=False, created_at=now))
    session.flush()
    return stored_items(session, meeting)


_LATEST_VERSION = (select(AgendaVersion).where(AgendaVersion.meeting_id == bindparam("meeting"))
                   .order_by(AgendaVersion.version.desc()).limit(1))


def latest_version(session: Session, meeting: Meeting) -> AgendaVersion | None:
    return session.scalar(_LATEST_VERSION, {"meeting": meeting.id})


def versions_of(session: Session, meeting: Meeting) -> list[AgendaVersion]:
    return list(session.scalars(select(AgendaVersion).where(AgendaVersion.meeting_id == meeting.id)
                                .order_by(AgendaVersion.version)))


def published_item_ids(session: Session, meeting: Meeting) -> set[int]:
    """Ids of the items in the latest published version of the meeting's agenda."""
    version = latest_version(session, meeting)
    if version is None:
        return set()
    return {i["item_id"] for i in version.content.get("items", []) if i.get("item_id")}


def case_attachments(case: Case) -> list[dict[str, Any]] | None:
    return [{"url": a.url, "title": a.title} for a in case.attachments] or None


def copy_case(item: AgendaItem, case: Case) -> None:
    """The item takes the case's title, purpose, presenter, text, proposal and attachments as they are now."""
    item.title = case.title
    item.purpose = case.purpose
    item.presenter_id = case.presenter_id
    item.presenter = case.presenter
    item.text = case.description
    item.proposal = case.proposal
    item.attachments = case_attachments(case)


def add_item(session: Session, meeting: Meeting, *, now: datetime, title: str, case: Case | None = None,
             under: int | None = None, **values: Any) -> AgendaItem:
    """A new item last on the meeting's agenda (or last under item `under`), marked as a late addition once
    the agenda has been published."""
    ensure_items(session, meeting, now=now)
    if under is None:
        highest = session.scalar(select(func.max(AgendaItem.number)).where(AgendaItem.meeting_id == meeting.id))
        number, sub = (highest or 0) + 1, None
    else:
        highest = session.scalar(select(func.max(AgendaItem.sub_number)).where(
            AgendaItem.meeting_id == meeting.id, AgendaItem.number == under))
        number, sub = under, (highest or 0) + 1
    item = AgendaItem(meeting_id=meeting.id, number=number, sub_number=sub, title=title, standing=False,
                      late_addition=latest_version(session, meeting) is not None, created_at=now,
                      case_id=case.id if case is not None else None, **values)
    if case is not None:
        copy_case(item, case)
    session.add(item)
    session.flush()
    return item


def case_item_on(session: Session, meeting: Meeting, case: Case) -> AgendaItem | None:
    """The case's item on this meeting's agenda, if it has one."""
    return session.scalar(select(AgendaItem).where(AgendaItem.meeting_id == meeting.id,
                                                   AgendaItem.case_id == case.id).limit(1))


def undecided_on_meeting(session: Session, cases: list[Case]) -> set[int]:
    """Ids of the cases whose item on their current meeting has no decision."""
    from storage.models import Decision

    placed = [c for c in cases if c.meeting_id is not None]
    if not placed:
        return set()
    decided = select(Decision.id).where(Decision.item_id == AgendaItem.id).exists()
    stmt = select(AgendaItem.case_id).where(
        AgendaItem.case_id.in_([c.id for c in placed]), ~decided,
        AgendaItem.meeting_id.in_({c.meeting_id for c in placed}))
    current = {(c.id, c.meeting_id) for c in placed}
    rows = session.execute(stmt.add_columns(AgendaItem.meeting_id))
    return {cid for cid, mid in rows if (cid, mid) in current}
