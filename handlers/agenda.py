"""The föredragningslista of a meeting: the standing items, then the cases in order.

Item numbers are what members refer to ("punkt 4-6"): the four standing items
are 1–4 and the cases on the agenda follow from 5 in their agenda order.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from handlers.base import Reply, Section
from handlers.fmt import format_date, format_time
from storage.models import Case, Meeting

STANDING_ITEMS = (
    "Mötets öppnande",
    "Godkännande av dagordning",
    "Föregående minnesanteckningar",
    "Rapporter och delgivningar",
)
ON_AGENDA = ("pa_dagordning", "behandlat", "aterremitterat", "avslutat")


@dataclass(frozen=True)
class AgendaItem:
    number: int
    title: str
    case: Case | None = None


def agenda_cases(session: Session, meeting: Meeting) -> list[Case]:
    """The cases placed on the meeting's agenda, in agenda order."""
    stmt = (
        select(Case)
        .where(Case.meeting_id == meeting.id, Case.status.in_(ON_AGENDA))
        .order_by(Case.agenda_order.nulls_last(), Case.id)
    )
    return list(session.scalars(stmt))


def agenda_items(session: Session, meeting: Meeting) -> list[AgendaItem]:
    items = [AgendaItem(number=i + 1, title=t) for i, t in enumerate(STANDING_ITEMS)]
    for i, case in enumerate(agenda_cases(session, meeting)):
        items.append(AgendaItem(number=len(STANDING_ITEMS) + i + 1, title=case.title, case=case))
    return items


def absence_part(absence) -> str:  # type: ignore[no-untyped-def]
    """'hela mötet', 'punkt 4–6', 'till kl. 10.30', 'från kl. 11.00', 'kl. 10.00–11.00'."""
    if absence.item_from is not None:
        if absence.item_to is not None and absence.item_to != absence.item_from:
            return f"punkt {absence.item_from}–{absence.item_to}"
        return f"punkt {absence.item_from}"
    if absence.time_to is not None and absence.time_from is None:
        return f"till {format_time(absence.time_to)}"
    if absence.time_from is not None and absence.time_to is None:
        return f"från {format_time(absence.time_from)}"
    if absence.time_from is not None and absence.time_to is not None:
        return f"{format_time(absence.time_from)}–{absence.time_to.hour:02d}.{absence.time_to.minute:02d}"
    return "hela mötet"


def absence_lines(session: Session, meeting: Meeting) -> list[str]:
    """Who is absent and for which part, with substitutes and who leads. Never the personal note."""
    from handlers.absence import leader_note
    from handlers.common import person_label
    from storage.queries import absences_of_meeting

    lines = []
    for a in absences_of_meeting(session, meeting):
        line = f"{person_label(a.person)}: {absence_part(a)}"
        if a.substitute is not None:
            line += f", ersättare {person_label(a.substitute)}"
        role = leader_note(session, meeting, a)
        if role:
            line += f" ({role})"
        lines.append(line)
    return lines


def agenda_reply(session: Session, meeting: Meeting, *, now: datetime) -> Reply:
    """The agenda as members read it: time, place, items with presenters and purposes, and who is absent."""
    from handlers.common import PURPOSE_NAMES, forum_label, meeting_label, person_label

    sections = []
    for item in agenda_items(session, meeting):
        if item.case is None:
            sections.append(Section(heading=f"{item.number}. {item.title}"))
            continue
        case = item.case
        heading = f"{item.number}. {case.title} ({case.number})"
        if case.late_addition:
            heading += " – tillkommande ärende"
        fields = [("Syfte", PURPOSE_NAMES.get(case.purpose, case.purpose))]
        if case.presenter is not None:
            fields.append(("Föredragande", person_label(case.presenter)))
        lines = [f"Bilaga: {a.title or a.url} {a.url if a.title else ''}".rstrip() for a in case.attachments]
        if case.purpose == "beslut" and case.proposal:
            lines.append(f"Förslag till beslut: {case.proposal}")
        sections.append(Section(heading=heading, lines=lines, fields=fields))
    absent = absence_lines(session, meeting)
    sections.append(Section(heading="Anmäld frånvaro", lines=absent or ["Ingen har anmält frånvaro."]))
    context = []
    if meeting.agenda_published_at:
        context.append(f"Publicerad {format_date(meeting.agenda_published_at)}.")
    else:
        context.append("Dagordningen är inte publicerad ännu.")
    return Reply(
        title=f"Dagordning – {forum_label(meeting.forum)}",
        lines=[meeting_label(meeting)],
        sections=sections,
        context=context,
        private=False,
    )
