"""The föredragningslista of a meeting: its agenda items, standing items first, then cases and reports.

Items are rows of their own (storage.models.AgendaItem): an item belongs to one meeting, and a case can
come back at many. Item numbers are what members refer to ("punkt 4-6"): the forum's standing items come
first (seed 003's four unless the network file names others under `rules: standing_items:`), then the
cases and other items in the order they were put there; sub-items are numbered 4.1, 10.1 …

A meeting without stored items shows its standing items (not yet stored); the first change to its
agenda stores them, so numbers never move under a reader.
"""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from handlers.base import Reply, Section
from handlers.fmt import format_date
from handlers.publication import agenda_doc, item_blocks, mark_changes, published_agenda
from storage.agenda import (  # noqa: F401 - the agenda's store functions, used through this module too
    ON_AGENDA,
    STANDING_ITEMS,
    add_item,
    agenda_items,
    case_attachments,
    case_item_on,
    copy_case,
    ensure_items,
    latest_version,
    published_item_ids,
    standing_titles,
    stored_items,
    versions_of,
)
from storage.models import AgendaItem, Case, Meeting
from handlers.i18n import _


def items_of_case(session: Session, case: Case) -> list[AgendaItem]:
    """Every agenda item the case has had, earliest meeting first."""
    stmt = (select(AgendaItem).join(Meeting, Meeting.id == AgendaItem.meeting_id)
            .where(AgendaItem.case_id == case.id).order_by(Meeting.starts_at, AgendaItem.id))
    return list(session.scalars(stmt))


def current_item(session: Session, case: Case) -> AgendaItem | None:
    """The case's item on its current meeting (Case.meeting), if it is on one."""
    if case.meeting is None:
        return None
    return case_item_on(session, case.meeting, case)


def item_numbers(items: list[AgendaItem]) -> str:
    """'1–6', or '1–4, 4.1, 5' when the agenda has sub-items."""
    labels = [i.label for i in items]
    if all(not i.sub_number for i in items) and [i.number for i in items] == list(range(1, len(items) + 1)):
        return f"1–{len(items)}" if len(items) > 1 else "1"
    return ", ".join(labels)


def remove_item(session: Session, item: AgendaItem) -> None:
    """Take an item (and its sub-items) off the working agenda; the main items after it move up one."""
    meeting_id, number, sub = item.meeting_id, item.number, item.sub_number
    rows = list(session.scalars(select(AgendaItem).where(AgendaItem.meeting_id == meeting_id)))
    for row in rows:
        if row.id == item.id or (sub is None and row.number == number):
            session.delete(row)
        elif sub is None and row.number > number:
            row.number -= 1
        elif sub is not None and row.number == number and (row.sub_number or 0) > sub:
            row.sub_number = (row.sub_number or 0) - 1
    session.flush()


def being_recorded(meeting: Meeting, now: datetime) -> bool:
    """From the meeting's start until its minutes are sent, what it decides is recorded under its items."""
    return meeting.starts_at <= now and meeting.minutes_sent_at is None and not meeting.cancelled


def item_in_session(session: Session, case: Case | None, now: datetime) -> AgendaItem | None:
    """The case's item on its current meeting while that meeting is being recorded; else None.

    The meeting is read afresh under its row lock (PostgreSQL), so minutes being sent at this moment are
    either sent first (and nothing is tied to the item) or wait for this command (and hold what it ties)."""
    if case is None or case.meeting is None or not being_recorded(case.meeting, now):
        return None
    if session.get_bind().dialect.name == "postgresql":
        session.refresh(case.meeting, with_for_update=True)
        if not being_recorded(case.meeting, now):
            return None
    return case_item_on(session, case.meeting, case)


def agenda_cases(session: Session, meeting: Meeting) -> list[Case]:
    """The cases with an item on the meeting's agenda, in agenda order."""
    return [i.case for i in agenda_items(session, meeting) if i.case is not None]


def absence_lines(session: Session, meeting: Meeting) -> list[str]:
    """Who is absent and for which part, with substitutes and who leads. Never the personal note."""
    from handlers.common import person_label
    from storage.queries import absences_of_meeting

    from storage.queries import roles_by_person

    from handlers.absence_rules import absence_part, leader_note, meeting_day

    lines = []
    absences = absences_of_meeting(session, meeting)
    roles = roles_by_person(session, meeting.forum, [a.person_id for a in absences], on=meeting_day(meeting))
    active = {a.person_id: a for a in absences}
    for a in absences:
        line = f"{person_label(a.person)}: {absence_part(a)}"
        if a.substitute is not None:
            line += _(", ersättare {substitute}", substitute=person_label(a.substitute))
        role = leader_note(session, meeting, a, roles=roles[a.person_id], active=active)
        if role:
            line += f" ({role})"
        lines.append(line)
    return lines


def _item_section(item, *, decided: list[str] | None = None, decided_by: str = "") -> Section:  # type: ignore[no-untyped-def]

    heading = item.heading + (f" ({item.case_number})" if item.case_number else "")
    if item.late_addition:
        heading += _(" – tillkommande ärende")
    if item.change:
        heading += f" [{item.change} sedan publiceringen]"
    lines: list[str] = []
    heading_pending = None
    for b in item_blocks(item):
        if b.kind == "late":
            continue
        text = f"{b.text} {b.link.url}" if b.link is not None and b.link.label != b.link.url else b.text
        if b.kind == "proposal_heading":
            heading_pending = text.rstrip(":")
            continue
        if heading_pending is not None:  # "Förslag till beslut: att …" on one line in chat
            text = f"{heading_pending}: {text}"
            heading_pending = None
        lines.append(text)
    if decided:
        lines.append(decided_by)
        lines += decided
    return Section(heading=heading, lines=lines)


def agenda_reply(session: Session, meeting: Meeting, *, now: datetime, draft: bool = False) -> Reply:
    """The agenda in chat: time, place, the items in seed 003's order, and who is absent.

    Members (draft=False) read the latest published version, exactly as published; before publication
    they are told when it is due. The coordinator's draft (draft=True) is the working agenda, with what
    changed since the latest publication marked, and the decisions taken so far under each item.
    """
    from handlers.calendar import forum_deadlines
    from handlers.common import forum_label, meeting_label
    from handlers.fmt import local

    published = published_agenda(session, meeting)
    doc = agenda_doc(session, meeting) if draft else published
    removed = mark_changes(doc, published) if draft and doc is not None else []
    decided: dict[int, list[str]] = {}
    if doc is not None:  # what the meeting decided so far, under its items: the reply serves during the meeting
        from storage.models import Decision

        ids = [i.item_id for i in doc.items if i.item_id]
        if ids:
            for d in session.scalars(select(Decision).where(Decision.item_id.in_(ids)).order_by(Decision.id)):
                decided.setdefault(d.item_id, []).extend(d.text.splitlines())
    label = forum_label(meeting.forum)
    sections = [_item_section(item, decided=decided.get(item.item_id), decided_by=f"{label} beslutade:")
                for item in (doc.items if doc is not None else [])]
    if removed:
        sections.append(Section(heading="Borttaget sedan publiceringen",
                                lines=[i.heading for i in removed]))
    absent = absence_lines(session, meeting)
    sections.append(Section(heading=_("Anmäld frånvaro"), lines=absent or [_("Ingen har anmält frånvaro.")]))
    context = []
    if published is not None:
        context.append(published.published_text)
        if draft and (removed or any(i.change for i in doc.items)):  # type: ignore[union-attr]
            context.append(_("Arbetsutkast: ändringarna syns för forumet först när du publicerar dagordningen "
                             "igen (/publicera dagordning)."))
    else:
        context.append(_("Dagordningen är inte publicerad ännu.") + (_(" Detta är arbetsutkastet.") if draft else ""))
        deadline = forum_deadlines(meeting.forum, local(meeting.starts_at).date()).agenda
        if deadline is not None and deadline < local(now).date():
            context.append(_("Sista dag att publicera den var {deadline}.", deadline=format_date(deadline, sentence=True)))
        elif deadline is not None:
            context.append(_("Den ska publiceras senast {deadline}.", deadline=format_date(deadline, sentence=True)))
    return Reply(
        title=f"Dagordning – {label}" + (" (arbetsutkast)" if draft else ""),
        lines=[meeting_label(meeting)],
        sections=sections,
        context=context,
        private=draft,
    )
