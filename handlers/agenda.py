"""The föredragningslista of a meeting: the standing items, then the cases in order.

Item numbers are what members refer to ("punkt 4-6"): the four standing items
are 1–4 and the cases on the agenda follow from 5 in their agenda order.
"""
from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session

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
