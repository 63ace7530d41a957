"""What is due when, and to whom: each reminder kind and its stop rules, on the example network (seeds 000/003).

The example network: LCHNV (agenda 5 working days before, beredning 14 days
before, minutes 7 days after; chair karin.berg, vice chair lars.holm,
coordinator and secretary maria.lind) meets 2020-03-06, 2020-06-12 and
2020-09-25; its steering group (agenda 2 working days before) meets 2020-02-21
and 2020-09-11.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta, timezone

from sqlalchemy import select, update
from sqlalchemy.orm import Session, sessionmaker

from handlers import reminders
from storage.models import Absence, Assignment, Case, FollowUp, Forum, Meeting, Membership, Person
from tests.conftest import STOCKHOLM, at


@dataclass
class R:
    kind: str
    to: str
    text: str
    key: str


def _as_r(s: Session, messages) -> list[R]:  # type: ignore[no-untyped-def]
    out = []
    for m in messages:
        out.append(R(kind=m.kind.removeprefix("reminder."), to=s.get(Person, m.person_id).handle,
                     text=m.reply.plain_text(), key=m.key))
    return out


def due(db: sessionmaker[Session], when: str | datetime) -> list[R]:
    """Reminders due at `when` that are not yet recorded (nothing is written)."""
    now = at(when) if isinstance(when, str) else when
    with db() as s:
        return _as_r(s, reminders.due_messages(s, now))


def record(db: sessionmaker[Session], when: str | datetime) -> list[R]:
    """Record what is due at `when` as a pass does (ledger + deliveries), commit, and return it."""
    now = at(when) if isinstance(when, str) else when
    with db() as s:
        messages = reminders.due_messages(s, now)
        reminders.enqueue_due(s, now)
        s.commit()
        return _as_r(s, messages)


def kinds(rs: list[R]) -> set[tuple[str, str]]:
    return {(r.kind, r.to) for r in rs}


def meeting(s: Session, forum_key: str, day: str) -> Meeting:
    forum = s.scalar(select(Forum).where(Forum.key == forum_key))
    start = datetime.combine(date.fromisoformat(day), time(0), tzinfo=STOCKHOLM)
    return s.scalar(select(Meeting).where(Meeting.forum_id == forum.id, Meeting.starts_at >= start,
                                          Meeting.starts_at < start + timedelta(days=1)))


def person(s: Session, handle: str) -> Person:
    return s.scalar(select(Person).where(Person.handle == handle))


def forum(s: Session, key: str) -> Forum:
    return s.scalar(select(Forum).where(Forum.key == key))


# ------------------------------------------------------------------------------------ agenda, documents, beredning


def test_agenda_deadline_reminds_the_coordinator_three_working_days_before_and_on_the_day(network) -> None:
    assert due(network, "2020-02-25T07:59") == []
    approaching = due(network, "2020-02-25T08:00")
    assert kinds(approaching) == {("agenda_deadline", "maria.lind")}
    assert "ska publiceras senast fredagen den 28 februari 2020 (om 3 dagar)" in approaching[0].text
    assert "/publicera dagordning 2020-03-06" in approaching[0].text
    on_the_day = [r for r in due(network, "2020-02-28T08:00") if r.kind == "agenda_deadline"]
    assert [r.to for r in on_the_day] == ["maria.lind"]
    assert "senast i dag, fredagen den 28 februari 2020" in on_the_day[0].text


def test_publishing_the_agenda_stops_agenda_and_beredning_reminders(network) -> None:
    with network() as s:
        meeting(s, "lchnv", "2020-03-06").agenda_published_at = at("2020-02-24T15:00")
        s.commit()
    assert [r for r in due(network, "2020-02-25T08:00") if r.kind == "agenda_deadline"] == []
    assert [r for r in due(network, "2020-02-28T08:00") if r.kind == "agenda_deadline"] == []


def test_beredning_day_lists_the_cases_awaiting_preparation(network) -> None:
    with network() as s:
        f = forum(s, "lchnv")
        s.add(Case(forum_id=f.id, number="2020:8", year=2020, seq=8, title="Digital samverkan i hemtjänsten",
                   status="aktualiserat", raised_on=date(2020, 2, 1)))
        s.add(Case(forum_id=f.id, number="2020:9", year=2020, seq=9, title="Redan på dagordningen",
                   status="pa_dagordning", raised_on=date(2020, 2, 1)))
        s.add(Case(forum_id=f.id, number="2020:10", year=2020, seq=10, title="Ingen samsyn förra mötet",
                   status="aterremitterat", raised_on=date(2020, 1, 10), returned_reason="underlaget saknas"))
        s.commit()
    got = [r for r in due(network, "2020-02-21T08:00") if r.kind == "preparation"]
    assert [r.to for r in got] == ["maria.lind"]
    text = got[0].text
    assert "Beredningen inför mötet fredagen den 6 mars 2020" in text
    assert "i dag, fredagen den 21 februari 2020" in text
    assert "2020:7 Gemensam vägledning för familjecentraler (under beredning)" in text
    assert "2020:8 Digital samverkan i hemtjänsten (aktualiserat)" in text
    assert "2020:10 Ingen samsyn förra mötet (återremitterat)" in text  # sent back by a meeting: prepare again
    assert "Redan på dagordningen" not in text


def test_documents_deadline_is_reminded_like_the_agenda(network) -> None:
    with network() as s:
        forum(s, "lchnv").documents_days_before = 7  # meeting fri 25 sep → documents fri 18 sep
        s.commit()
    got = [r for r in due(network, "2020-09-15T08:00") if r.kind == "documents_deadline"]
    assert [r.to for r in got] == ["maria.lind"]
    assert "Handlingarna till mötet fredagen den 25 september 2020" in got[0].text
    assert "senast fredagen den 18 september 2020 (om 3 dagar)" in got[0].text
    assert [r.to for r in due(network, "2020-09-18T08:00") if r.kind == "documents_deadline"] == ["maria.lind"]


# ------------------------------------------------------------------------------------ the chair's morning agenda


def test_chair_gets_the_agenda_and_absences_at_half_past_seven_on_the_meeting_day(network) -> None:
    with network() as s:
        m = meeting(s, "lchnv", "2020-03-06")
        s.add(Absence(meeting_id=m.id, person_id=person(s, "per.ek").id, item_from=4, item_to=6,
                      note="tandläkare", reported_at=at("2020-03-01T10:00"), updated_at=at("2020-03-01T10:00")))
        s.commit()
    assert [r for r in due(network, "2020-03-06T07:29") if r.kind == "chair_agenda"] == []
    got = [r for r in due(network, "2020-03-06T07:30") if r.kind == "chair_agenda"]
    assert [r.to for r in got] == ["karin.berg"]
    text = got[0].text
    assert "Mötet är i dag, fredagen den 6 mars 2020" in text
    assert "1. Mötets öppnande" in text
    assert "Per Ek (Borlänge kommun): punkt 4–6" in text
    assert "tandläkare" not in text  # the personal note is for the absence recipient only
    assert "Anmäl frånvaro" in text


def test_the_chair_agenda_goes_to_the_vice_chair_when_the_chair_reported_absence(network) -> None:
    with network() as s:
        m = meeting(s, "lchnv", "2020-03-06")
        s.add(Absence(meeting_id=m.id, person_id=person(s, "karin.berg").id, reported_at=at("2020-03-02T10:00"),
                      updated_at=at("2020-03-02T10:00")))
        s.commit()
    got = [r for r in due(network, "2020-03-06T07:30") if r.kind == "chair_agenda"]
    assert [r.to for r in got] == ["lars.holm"]
    assert "Karin Berg har anmält frånvaro, så du som vice ordförande leder mötet i stället." in got[0].text


def test_two_meetings_on_one_morning_each_go_to_whoever_leads_that_meeting(network) -> None:
    """Karin chairs both forums and is away from the network's meeting only: the vice chair gets that one's
    agenda, Karin the steering group's afternoon meeting; both meetings' absences are read in one query."""
    from sqlalchemy import event

    with network() as s:
        m = meeting(s, "lchnv", "2020-03-06")
        s.add(Absence(meeting_id=m.id, person_id=person(s, "karin.berg").id, reported_at=at("2020-03-02T10:00"),
                      updated_at=at("2020-03-02T10:00")))
        steering = Meeting(forum_id=forum(s, "styrgrupp-lchnv").id, starts_at=at("2020-03-06T13:00"),
                           ends_at=at("2020-03-06T15:00"), place="Teams")
        s.add(steering)
        s.commit()
        ids = {f"m{m.id}": "lchnv", f"m{steering.id}": "styrgrupp"}
    reads: list[str] = []

    def count(conn, cursor, statement, *args):  # type: ignore[no-untyped-def]
        if "FROM absence" in statement:
            reads.append(statement)

    got = [r for r in due(network, "2020-03-06T07:30") if r.kind == "chair_agenda"]
    assert {ids[r.key.split(":")[2]]: r.to for r in got} == {"lchnv": "lars.holm", "styrgrupp": "karin.berg"}
    assert "Karin Berg har anmält frånvaro" in [r.text for r in got if r.to == "lars.holm"][0]
    engine = network.kw["bind"]
    event.listen(engine, "before_cursor_execute", count)
    try:
        with network() as s:  # who gets what, before any message is written
            reminders.due_reminders(s, at("2020-03-06T07:30"))
    finally:
        event.remove(engine, "before_cursor_execute", count)
    assert len(reads) == 1


def test_a_withdrawn_absence_gives_the_agenda_back_to_the_chair(network) -> None:
    with network() as s:
        m = meeting(s, "lchnv", "2020-03-06")
        s.add(Absence(meeting_id=m.id, person_id=person(s, "karin.berg").id, reported_at=at("2020-03-02T10:00"),
                      updated_at=at("2020-03-03T10:00"), withdrawn_at=at("2020-03-03T10:00")))
        s.commit()
    assert [r.to for r in due(network, "2020-03-06T07:30") if r.kind == "chair_agenda"] == ["karin.berg"]


def test_nothing_about_a_meeting_that_has_started(network) -> None:
    assert [r for r in due(network, "2020-03-06T09:31") if r.kind == "chair_agenda"] == []


# ------------------------------------------------------------------------------------ minutes


def test_minutes_are_reminded_to_the_secretary_two_working_days_before_and_on_the_deadline(network) -> None:
    # LCHNV 6 March → minutes by fri 13 March; styrgruppen 21 Feb → by fri 28 Feb.
    got = [r for r in due(network, "2020-03-11T08:00") if r.kind == "minutes"]
    assert [r.to for r in got] == ["maria.lind"]
    assert "Minnesanteckningarna från mötet fredagen den 6 mars 2020" in got[0].text
    assert "senast fredagen den 13 mars 2020 (om 2 dagar)" in got[0].text
    assert "/minnesanteckningar skickade 2020-03-06" in got[0].text
    assert [r.to for r in due(network, "2020-03-13T08:00") if r.kind == "minutes"] == ["maria.lind"]


def test_midsummer_moves_the_minutes_deadline_and_its_reminders(network) -> None:
    # 12 June + 7 = fri 19 June, midsommarafton → mon 22 June; two working days before is wed 17 June.
    assert [r.to for r in due(network, "2020-06-17T08:00") if r.kind == "minutes"] == ["maria.lind"]
    assert "senast i dag, måndagen den 22 juni 2020" in [r for r in due(network, "2020-06-22T08:00") if r.kind == "minutes"][0].text


def test_marking_the_minutes_sent_stops_their_reminders(network) -> None:
    with network() as s:
        meeting(s, "lchnv", "2020-03-06").minutes_sent_at = at("2020-03-10T16:00")
        s.commit()
    assert [r for r in due(network, "2020-03-11T08:00") if r.kind == "minutes"] == []
    assert [r for r in due(network, "2020-03-13T08:00") if r.kind == "minutes"] == []


# ------------------------------------------------------------------------------------ follow-ups and assignments


def _follow_up(db: sessionmaker[Session], due_day: str, responsible: str) -> int:
    with db() as s:
        case = s.scalar(select(Case).where(Case.number == "2020:7"))
        fu = FollowUp(case_id=case.id, due=date.fromisoformat(due_day), responsible_id=person(s, responsible).id)
        s.add(fu)
        s.commit()
        return fu.id


def test_follow_up_reminds_responsible_and_coordinators_seven_days_before_and_on_the_date(network) -> None:
    _follow_up(network, "2020-05-20", "per.ek")
    before = [r for r in due(network, "2020-05-13T08:00") if r.kind == "follow_up"]
    assert sorted(r.to for r in before) == ["maria.lind", "per.ek"]
    mine = next(r for r in before if r.to == "per.ek")
    assert "Återkopplingen i ärende 2020:7 Gemensam vägledning för familjecentraler ska ske " \
           "onsdagen den 20 maj 2020 (om 7 dagar)" in mine.text
    assert "Ansvarig: du." in mine.text
    on_the_date = [r for r in due(network, "2020-05-20T08:00") if r.kind == "follow_up"]
    assert sorted(r.to for r in on_the_date) == ["maria.lind", "per.ek"]
    assert [r for r in due(network, "2020-05-16T08:00") if r.kind == "follow_up"] != []  # not yet recorded


def test_a_done_follow_up_is_not_reminded(network) -> None:
    fid = _follow_up(network, "2020-05-20", "per.ek")
    with network() as s:
        s.get(FollowUp, fid).done_at = at("2020-05-19T10:00")
        s.commit()
    assert [r for r in due(network, "2020-05-20T08:00") if r.kind == "follow_up"] == []


def _assignment(db: sessionmaker[Session], due_day: str, assignee: str, title: str = "Kartlägg väntetider") -> int:
    with db() as s:
        a = Assignment(forum_id=forum(s, "lchnv").id, assignee_id=person(s, assignee).id, title=title,
                       due=date.fromisoformat(due_day))
        s.add(a)
        s.commit()
        return a.id


def test_assignment_fourteen_days_before_on_the_date_then_weekly_while_overdue(network) -> None:
    _assignment(network, "2020-05-20", "per.ek")
    seen = []
    day = date(2020, 5, 1)
    while day <= date(2020, 6, 20):
        for r in record(network, datetime.combine(day, time(9, 0), tzinfo=STOCKHOLM)):
            if r.kind == "assignment":
                seen.append((day.isoformat(), r.to))
        day += timedelta(days=1)
    expected_days = ["2020-05-06", "2020-05-20", "2020-05-27", "2020-06-03", "2020-06-10", "2020-06-17"]
    assert seen == [(d, who) for d in expected_days for who in ("maria.lind", "per.ek")]


def test_assignment_texts_say_what_is_due_and_how_late(network) -> None:
    _assignment(network, "2020-05-20", "per.ek")
    before = {r.to: r.text for r in due(network, "2020-05-06T08:00") if r.kind == "assignment"}
    assert "Ditt uppdrag ”Kartlägg väntetider” ska vara klart onsdagen den 20 maj 2020 (om 14 dagar)." in before["per.ek"]
    assert "Ansvarig: Per Ek (Borlänge kommun)." in before["maria.lind"]
    late = {r.to: r.text for r in due(network, "2020-06-03T08:00") if r.kind == "assignment"}
    assert "skulle ha varit klart onsdagen den 20 maj 2020 och är 14 dagar försenat" in late["per.ek"]


def test_closing_an_assignment_stops_its_reminders(network) -> None:
    aid = _assignment(network, "2020-05-20", "per.ek")
    assert kinds(record(network, "2020-05-06T09:00")) >= {("assignment", "per.ek")}
    with network() as s:
        s.get(Assignment, aid).closed_at = at("2020-05-15T10:00")
        s.commit()
    for when in ("2020-05-20T09:00", "2020-05-27T09:00", "2020-08-26T09:00"):
        assert [r for r in due(network, when) if r.kind == "assignment"] == []


def test_an_extension_moves_the_assignment_reminders_to_the_new_date(network) -> None:
    aid = _assignment(network, "2020-05-20", "per.ek")
    record(network, "2020-05-20T09:00")
    with network() as s:
        s.get(Assignment, aid).due = date(2020, 8, 31)
        s.commit()
    assert [r for r in due(network, "2020-05-27T09:00") if r.kind == "assignment"] == []
    got = [r for r in due(network, "2020-08-17T08:00") if r.kind == "assignment"]
    assert sorted(r.to for r in got) == ["maria.lind", "per.ek"]
    assert "måndagen den 31 augusti 2020 (om 14 dagar)" in got[0].text


# ------------------------------------------------------------------------------------ moved and cancelled meetings


def test_a_moved_meeting_moves_its_reminders_and_its_old_occasions_never_go_out(network) -> None:
    assert kinds(record(network, "2020-02-25T09:00")) == {("agenda_deadline", "maria.lind")}
    with network() as s:
        m = meeting(s, "lchnv", "2020-03-06")
        m.starts_at += timedelta(days=7)  # fri 13 March: agenda deadline fri 6 March
        m.ends_at += timedelta(days=7)
        s.commit()
    assert [r for r in due(network, "2020-02-28T08:00") if r.kind == "agenda_deadline"] == []
    assert [r for r in due(network, "2020-03-06T08:00") if r.kind == "chair_agenda"] == []
    moved = [r for r in due(network, "2020-03-03T08:00") if r.kind == "agenda_deadline"]
    assert [r.to for r in moved] == ["maria.lind"]
    assert "mötet fredagen den 13 mars 2020" in moved[0].text
    assert "senast fredagen den 6 mars 2020 (om 3 dagar)" in moved[0].text
    assert [r.to for r in due(network, "2020-03-13T07:30") if r.kind == "chair_agenda"] == ["karin.berg"]


def test_a_cancelled_meeting_sends_nothing(network) -> None:
    with network() as s:
        meeting(s, "lchnv", "2020-03-06").cancelled = True
        s.commit()
    for when in ("2020-02-21T08:00", "2020-02-25T08:00", "2020-03-06T07:30", "2020-03-11T08:00"):
        assert [r for r in due(network, when) if "6 mars 2020" in r.text] == []
    assert [r for r in due(network, "2020-03-06T07:30") if r.kind == "chair_agenda"] == []


# ------------------------------------------------------------------------------------ year end


def test_year_end_from_the_first_working_day_of_november_when_next_year_lacks_meetings(network) -> None:
    assert [r for r in due(network, "2020-10-30T08:00") if r.kind == "year_end"] == []
    assert [r for r in due(network, "2020-11-01T08:00") if r.kind == "year_end"] == []  # a Sunday
    got = [r for r in due(network, "2020-11-02T08:00") if r.kind == "year_end"]
    assert [r.to for r in got] == ["maria.lind"]  # LCHNV needs 5 meetings; the steering group has no minimum
    assert "För 2021 är inga möten inlagda; arbetsordningen kräver minst 5." in got[0].text


def test_year_end_is_quiet_when_next_year_is_planned(network) -> None:
    with network() as s:
        f = forum(s, "lchnv")
        for month in (2, 4, 6, 9, 11):
            start = datetime(2021, month, 5, 9, 30, tzinfo=STOCKHOLM)
            s.add(Meeting(forum_id=f.id, starts_at=start, ends_at=start + timedelta(hours=3)))
        s.commit()
    assert [r for r in due(network, "2020-11-02T08:00") if r.kind == "year_end"] == []


def test_year_end_names_a_missing_chair(network) -> None:
    with network() as s:
        f = forum(s, "styrgrupp-lchnv")
        s.execute(update(Membership).where(Membership.forum_id == f.id, Membership.role == "chair")
                  .values(valid_to=date(2020, 12, 31)))
        s.commit()
    got = [r for r in due(network, "2020-11-02T08:00") if r.kind == "year_end" and "Styrgrupp" in r.text]
    assert [r.to for r in got] == ["maria.lind"]
    assert "Ingen ordförande är utsedd för 2021." in got[0].text
    assert "vice ordförande" not in got[0].text


# ------------------------------------------------------------------------------------ daylight saving


def test_the_reminder_time_is_computed_per_day_across_daylight_saving_changes() -> None:
    assert reminders.wall(date(2026, 3, 28), time(8, 0)) == datetime(2026, 3, 28, 7, 0, tzinfo=timezone.utc)
    assert reminders.wall(date(2026, 3, 29), time(8, 0)) == datetime(2026, 3, 29, 6, 0, tzinfo=timezone.utc)
    assert reminders.wall(date(2026, 10, 24), time(8, 0)) == datetime(2026, 10, 24, 6, 0, tzinfo=timezone.utc)
    assert reminders.wall(date(2026, 10, 25), time(8, 0)) == datetime(2026, 10, 25, 7, 0, tzinfo=timezone.utc)


def _mine(rs: list[R]) -> list[R]:
    """Only the test's own assignment (the example network's 2021 assignment is long overdue in 2026)."""
    return [r for r in rs if "Kartlägg väntetider" in r.text]


def test_spring_forward_day_still_reminds_at_eight_local(network) -> None:
    _assignment(network, "2026-03-29", "per.ek")
    record(network, "2026-03-15T09:00")  # the 14-days-before reminder
    assert _mine(due(network, datetime(2026, 3, 29, 5, 59, tzinfo=timezone.utc))) == []  # 07:59 CEST
    got = _mine(due(network, datetime(2026, 3, 29, 6, 0, tzinfo=timezone.utc)))  # 08:00 CEST
    assert sorted(r.to for r in got) == ["maria.lind", "per.ek"]
    assert "i dag, söndagen den 29 mars 2026" in got[0].text


def test_fall_back_day_still_reminds_at_eight_local(network) -> None:
    _assignment(network, "2026-10-25", "per.ek")
    record(network, "2026-10-11T09:00")
    assert _mine(due(network, datetime(2026, 10, 25, 6, 59, tzinfo=timezone.utc))) == []  # 07:59 CET
    got = _mine(due(network, datetime(2026, 10, 25, 7, 0, tzinfo=timezone.utc)))  # 08:00 CET
    assert sorted(r.to for r in got) == ["maria.lind", "per.ek"]


def test_a_forum_reminder_time_is_honoured(network) -> None:
    with network() as s:
        forum(s, "lchnv").reminder_time = time(13, 15)
        s.commit()
    assert [r for r in due(network, "2020-02-25T13:14") if r.kind == "agenda_deadline"] == []
    assert [r.to for r in due(network, "2020-02-25T13:15") if r.kind == "agenda_deadline"] == ["maria.lind"]


# ------------------------------------------------------------------------------------ once


def test_a_recorded_reminder_is_not_due_again(network) -> None:
    first = record(network, "2020-02-28T08:00")
    assert kinds(first) == {("agenda_deadline", "maria.lind"), ("minutes", "maria.lind")}
    assert record(network, "2020-02-28T08:00") == []
    assert record(network, "2020-02-28T17:00") == []


def test_keys_name_kind_subject_occasion_and_recipient(network) -> None:
    with network() as s:
        m = meeting(s, "lchnv", "2020-03-06")
        maria = person(s, "maria.lind")
    [r] = due(network, "2020-02-25T08:00")
    assert r.key == f"reminder:agenda_deadline:m{m.id}:approaching:2020-02-25:p{maria.id}"
