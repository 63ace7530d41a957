"""A worked meeting on top of the example network, for the publication tests (pages, calendar, minutes, export).

LCHNV, seeds 002/003:
- 6 March 2020: agenda published (one case with presenter, attachment and proposal, one late addition),
  decisions, an assignment and a follow-up recorded, Dnr set, absences reported (one with a substitute,
  one for items 5-6) with notes that must never be published; minutes not yet sent (tests send them).
- 12 June 2020: a case placed on the agenda, agenda NOT published.
- 25 September 2020: nothing yet.
"""
from __future__ import annotations

import importlib.util
from dataclasses import dataclass
from pathlib import Path
from datetime import date, datetime

from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from storage.models import (
    Absence,
    Assignment,
    Attachment,
    Case,
    Decision,
    FollowUp,
    Forum,
    Meeting,
    Person,
)
from tests.conftest import at

_MIGRATION = Path(__file__).resolve().parent.parent / "storage" / "migrations" / "versions" / "0003_agenda_items.py"


def carry_over(conn) -> None:  # type: ignore[no-untyped-def]
    """The data step of migration 0003: cases placed on meetings become agenda items there."""
    spec = importlib.util.spec_from_file_location("kansli_migration_0003", _MIGRATION)
    module = importlib.util.module_from_spec(spec)  # type: ignore[arg-type]
    spec.loader.exec_module(module)  # type: ignore[union-attr]
    module.carry_over(conn)

SECRET_NOTE = "SJUKSKRIVEN-HEMLIG-7731"
SECRET_NOTE_2 = "TANDLAKARE-HEMLIG-5512"
PUBLISHED_CASE = "Utvärdering av avtal avseende tillnyktringsplatser"
LATE_CASE = "Beslut om sammansättning av arbetsgrupp samt referensgrupp"
UNPUBLISHED_CASE = "Förslag om ny regional lönerevision (ej publicerat)"
DECISION_LINE = "att förlänga avtalet om tillnyktringsplatser till och med 2021-11-30"
ASSIGNMENT_TITLE = "Ta fram en ny utvärdering av tillnyktringsplatserna"
ATTACHMENT_URL = "https://www.regiondalarna.se/lansnatverk/bilaga-18a.pdf"


@dataclass
class Published:
    march_id: int
    june_id: int
    september_id: int
    case_id: int
    late_id: int
    unpublished_id: int


def person(s: Session, handle: str) -> Person:
    p = s.scalar(select(Person).where(Person.handle == handle))
    assert p is not None, handle
    return p


def meeting_on(s: Session, forum_key: str, day: str) -> Meeting:
    forum = s.scalar(select(Forum).where(Forum.key == forum_key))
    for m in s.scalars(select(Meeting).where(Meeting.forum_id == forum.id)):
        if m.starts_at.astimezone(at("2020-01-01T00:00").tzinfo).date() == date.fromisoformat(day):
            return m
    raise AssertionError(f"no meeting {forum_key} {day}")


def add_published_meeting(maker: sessionmaker[Session], *, sent: bool = False) -> Published:
    with maker() as s:
        march = meeting_on(s, "lchnv", "2020-03-06")
        june = meeting_on(s, "lchnv", "2020-06-12")
        september = meeting_on(s, "lchnv", "2020-09-25")
        forum = march.forum
        march.agenda_published_at = at("2020-02-27T10:00")
        march.dnr = "RD20/01035"
        case = Case(
            forum_id=forum.id, number="2020:3", year=2020, seq=3, title=PUBLISHED_CASE, purpose="beslut",
            status="pa_dagordning", raised_on=date(2020, 2, 1), presenter_id=person(s, "per.ek").id,
            meeting_id=march.id, agenda_order=1,
            description="En arbetsgrupp har utvärderat tillnyktringsplatserna sedan september 2019.",
            proposal="att avtalet förlängs till och med 2021-11-30.",
        )
        case.attachments.append(Attachment(url=ATTACHMENT_URL, title="Bilaga 18a"))
        late = Case(
            forum_id=forum.id, number="2020:4", year=2020, seq=4, title=LATE_CASE, purpose="information",
            status="pa_dagordning", raised_on=date(2020, 2, 28), presenter_id=person(s, "johan.sjo").id,
            meeting_id=march.id, agenda_order=2, late_addition=True,
        )
        hidden = Case(
            forum_id=forum.id, number="2020:5", year=2020, seq=5, title=UNPUBLISHED_CASE, purpose="beslut",
            status="pa_dagordning", raised_on=date(2020, 5, 1), meeting_id=june.id, agenda_order=1,
            proposal="att inget publiceras.",
        )
        s.add_all([case, late, hidden])
        s.flush()
        s.add(Decision(case_id=case.id, meeting_id=march.id, text=DECISION_LINE, decided_at=at("2020-03-06T11:00"),
                       responsible_id=person(s, "maria.lind").id))
        s.add(Assignment(forum_id=forum.id, case_id=case.id, assignee_id=person(s, "eva.strand").id,
                         title=ASSIGNMENT_TITLE, decided_on=date(2020, 3, 6), due=date(2020, 11, 30)))
        s.add(FollowUp(case_id=case.id, due=date(2020, 9, 25), responsible_id=person(s, "lars.holm").id))
        s.add(Absence(meeting_id=march.id, person_id=person(s, "eva.strand").id, note=SECRET_NOTE,
                      substitute_id=person(s, "johan.sjo").id,
                      reported_at=at("2020-03-01T09:00"), updated_at=at("2020-03-01T09:00")))
        s.add(Absence(meeting_id=march.id, person_id=person(s, "per.ek").id, item_from=5, item_to=6,
                      note=SECRET_NOTE_2, reported_at=at("2020-03-02T09:00"), updated_at=at("2020-03-02T09:00")))
        if sent:
            march.minutes_sent_at = at("2020-03-10T15:00")
        s.flush()
        # Placed on the meetings as a store from before agenda items was: the upgrade makes the items.
        carry_over(s.connection())
        s.commit()
        return Published(march.id, june.id, september.id, case.id, late.id, hidden.id)


def set_meeting(maker: sessionmaker[Session], meeting_id: int, **values: object) -> None:
    with maker() as s:
        m = s.get(Meeting, meeting_id)
        for k, v in values.items():
            setattr(m, k, v)
        s.commit()


def when(text: str) -> datetime:
    return at(text)
