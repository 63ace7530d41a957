"""The reminder ledger and the indexed due-queries behind a pass."""
from __future__ import annotations

from datetime import date, timedelta

from sqlalchemy import select

from handlers import reminders
from storage import reminders as store
from storage.models import Assignment, Case, FollowUp, Forum, Meeting, Outbox, Person
from tests.conftest import at


def _entry(key: str, person_id: int) -> store.LedgerEntry:
    return store.LedgerEntry(key=key, kind="reminder.test", person_id=person_id)


def test_the_ledger_inserts_each_key_once_and_reports_only_new_rows(network) -> None:
    with network() as s:
        pid = s.scalar(select(Person.id).where(Person.handle == "per.ek"))
        first = store.record_ledger(s, [_entry("b", pid), _entry("a", pid)], now=at("2020-03-01T08:00"))
        again = store.record_ledger(s, [_entry("a", pid), _entry("c", pid)], now=at("2020-03-01T08:01"))
        s.commit()
        assert sorted(first) == ["a", "b"]
        assert sorted(again) == ["c"]
        # Ledger rows are not deliveries: nothing of them lands in the outbox to be sent by itself.
        assert list(s.scalars(select(Outbox).where(Outbox.kind == "reminder.test"))) == []
        assert store.existing_keys(s, ["a", "b", "c", "d"]) == {"a", "b", "c"}


def test_ledger_rows_point_at_the_one_delivery_that_carried_them(network) -> None:
    with network() as s:
        result = reminders.enqueue_due(s, at("2020-02-28T08:00"))
        s.commit()
        [delivery_id] = result.delivery_ids
        parts = store.ledger_of(s, [delivery_id])
        assert sorted(p.kind for p in parts) == ["reminder.agenda_deadline", "reminder.minutes"]
        delivery = s.get(Outbox, delivery_id)
        assert (delivery.status, delivery.kind) == ("pending", "reminders")


def _assignment(s, due: date) -> Assignment:  # type: ignore[no-untyped-def]
    a = Assignment(forum_id=s.scalar(select(Forum.id).where(Forum.key == "lchnv")),
                   assignee_id=s.scalar(select(Person.id).where(Person.handle == "per.ek")),
                   title="Kartlägg väntetider", due=due)
    s.add(a)
    s.flush()
    return a


def test_the_store_names_assignment_occasions_exactly_as_the_reminders_do(network) -> None:
    """The anti-join computes the assignee's key in SQL; after recording, the store finds nothing more."""
    due = date(2020, 5, 20)
    with network() as s:
        a = _assignment(s, due)
        s.commit()
        # (effective day, new occasion?) in order: a day later the same occasion is already recorded.
        steps = [(-14, True), (-13, False), (0, True), (1, False), (7, True), (8, False), (22, True),
                 (700, True)]
        for offset, new in steps:
            eff = due + timedelta(days=offset)
            found = store.open_assignments_unreminded(s, effective_day=eff, catch_up_days=2)
            assert [x.id for x in found] == ([a.id] if new else []), eff
            if new:
                stage, day, occasion = reminders.assignment_occasion(due, eff)
                key = f"reminder:assignment:a{a.id}:{occasion}:p{a.assignee_id}"
                store.record_ledger(s, [_entry(key, a.assignee_id)], now=at("2020-05-01T08:00"))
                assert store.open_assignments_unreminded(s, effective_day=eff, catch_up_days=2) == [], eff


def test_assignments_outside_their_occasions_are_not_even_selected(network) -> None:
    due = date(2020, 5, 20)
    with network() as s:
        _assignment(s, due)
        s.commit()
        for eff in (due - timedelta(days=20), due - timedelta(days=10), due + timedelta(days=3),
                    due + timedelta(days=11), due + timedelta(days=699)):
            assert store.open_assignments_unreminded(s, effective_day=eff, catch_up_days=2) == [], eff
            assert reminders.assignment_occasion(due, eff) is None


def test_the_store_names_follow_up_occasions_exactly_as_the_reminders_do(network) -> None:
    due = date(2020, 5, 20)
    with network() as s:
        case = s.scalar(select(Case).where(Case.number == "2020:7"))
        fu = FollowUp(case_id=case.id, due=due, responsible_id=s.scalar(select(Person.id).where(
            Person.handle == "per.ek")))
        s.add(fu)
        s.commit()
        for offset, new in ((-7, True), (-3, False), (0, True), (30, False)):
            eff = due + timedelta(days=offset)
            found = store.open_follow_ups_unreminded(s, effective_day=eff, first_due=eff - timedelta(days=60))
            assert [f.id for f, _ in found] == ([fu.id] if new else []), eff
            if new:
                _, _, occasion = reminders.follow_up_occasion(due, eff)
                key = f"reminder:follow_up:f{fu.id}:{occasion}:p{fu.responsible_id}"
                store.record_ledger(s, [_entry(key, fu.responsible_id)], now=at("2020-05-01T08:00"))
                assert store.open_follow_ups_unreminded(s, effective_day=eff,
                                                        first_due=eff - timedelta(days=60)) == []


def test_meetings_with_nothing_left_to_remind_are_not_loaded(network) -> None:
    with network() as s:
        start, end = at("2020-01-01T00:00"), at("2021-01-01T00:00")
        now = at("2020-03-20T12:00")
        before = store.meetings_for_reminders(s, start, end, now=now, day_end=at("2020-03-21T00:00"))
        assert len(before) == 5  # nothing published or sent in the example network
        for m in s.scalars(select(Meeting)):
            if m.starts_at < now:
                m.minutes_sent_at = m.starts_at + timedelta(days=3)
            else:
                m.agenda_published_at = now
        s.commit()
        assert store.meetings_for_reminders(s, start, end, now=now, day_end=at("2020-03-21T00:00")) == []



def test_one_schedule_names_each_occasion_the_same_in_python_and_in_sql(network) -> None:
    """The store compiles the schedule to SQL; every day around a due date it yields the key Python gives."""
    due = date(2020, 5, 20)
    with network() as s:
        a = _assignment(s, due)
        s.flush()
        for schedule in (store.ASSIGNMENT, store.FOLLOW_UP):
            for offset in range(-schedule.before, 40):
                day = due + timedelta(days=offset)
                late = store._days_late(s.get_bind().dialect.name, day, Assignment.due)
                in_sql = s.scalar(select(schedule.key_sql(Assignment.id, Assignment.due, Assignment.assignee_id,
                                                          late)).where(Assignment.id == a.id))
                _, _, occasion = schedule.occasion(due, day)
                assert in_sql == store.reminder_key(schedule.kind, schedule.subject(a.id), occasion,
                                                    a.assignee_id), (schedule.kind, day)
        s.rollback()
