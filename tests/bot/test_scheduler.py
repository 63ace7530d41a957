"""The scheduler pass: once, combined per person, catch-up after downtime, failures and retries, and serve."""
from __future__ import annotations

import asyncio
from datetime import date
from pathlib import Path

from aiohttp.test_utils import TestClient, TestServer
from sqlalchemy import select, update
from sqlalchemy.orm import Session

from bot.delivery import TransientError
from storage.models import Assignment, Case, FollowUp, Forum, Outbox, Person
from tests.bot.reminder_support import Recorder, addressing_of, tick
from tests.conftest import at


def _person(s: Session, handle: str) -> Person:
    return s.scalar(select(Person).where(Person.handle == handle))


def test_a_second_pass_at_the_same_instant_sends_nothing(network) -> None:
    rec = Recorder()
    first = tick(network, rec, at("2020-02-28T08:00"))
    assert [m.to for m in first] == ["maria.lind"]
    assert tick(network, rec, at("2020-02-28T08:00")) == []


def test_overlapping_passes_never_repeat_a_reminder(network) -> None:
    rec = Recorder()
    sent = []
    for when in ("2020-02-28T08:00", "2020-02-28T08:00:30", "2020-02-28T08:01", "2020-02-28T09:00",
                 "2020-02-28T08:00", "2020-02-28T23:59"):
        sent += tick(network, rec, at(when))
    assert len(sent) == 1
    assert sorted(sent[0].kinds) == ["agenda_deadline", "minutes"]


def test_several_reminders_for_one_person_in_one_pass_become_one_message(network) -> None:
    rec = Recorder()
    [msg] = tick(network, rec, at("2020-02-28T08:00"))
    assert msg.to == "maria.lind"
    assert msg.reply.title == "2 påminnelser från Kansli"
    assert "Påminnelse: dagordningen till LCHNV" in msg.text
    assert "Påminnelse: minnesanteckningar från Styrgrupp LCHNV" in msg.text
    assert "fredagen den 28 februari 2020" in msg.text
    assert msg.kind == "reminders"
    assert len(msg.parts) == 2


def test_a_single_reminder_goes_out_as_itself(network) -> None:
    rec = Recorder()
    [msg] = tick(network, rec, at("2020-02-25T08:00"))
    assert msg.reply.title == "Påminnelse: dagordningen till LCHNV"
    assert msg.kind == "reminder.agenda_deadline"


def test_a_later_reminder_the_same_day_is_its_own_message_and_earlier_ones_are_not_repeated(network) -> None:
    rec = Recorder()
    tick(network, rec, at("2020-02-28T08:00"))
    with network() as s:
        s.add(Assignment(forum_id=s.scalar(select(Forum.id).where(Forum.key == "lchnv")),
                         assignee_id=_person(s, "per.ek").id, title="Sammanställ enkäten", due=date(2020, 2, 28)))
        s.commit()
    later = tick(network, rec, at("2020-02-28T14:00"))
    assert sorted(m.to for m in later) == ["maria.lind", "per.ek"]
    assert all(m.kinds == ["assignment"] for m in later)


# ------------------------------------------------------------------------------------ downtime


def test_after_a_day_down_the_still_useful_reminders_go_out_once_and_combined(network) -> None:
    rec = Recorder()
    assert tick(network, rec, at("2020-02-24T09:00")) == []  # earlier occasions are stale by now
    # Down all of tue 25 Feb (agenda approaching); back wed 26 Feb at 09:00.
    [msg] = tick(network, rec, at("2020-02-26T09:00"))
    assert msg.to == "maria.lind"
    assert sorted(msg.kinds) == ["agenda_deadline", "minutes"]
    assert "senast fredagen den 28 februari 2020 (om 2 dagar)" in msg.text
    assert tick(network, rec, at("2020-02-26T09:01")) == []


def test_after_a_month_down_meetings_are_dropped_but_overdue_work_is_still_reminded(network) -> None:
    with network() as s:
        lchnv = s.scalar(select(Forum.id).where(Forum.key == "lchnv"))
        per = _person(s, "per.ek")
        s.add(Assignment(forum_id=lchnv, assignee_id=per.id, title="Kartlägg väntetider", due=date(2020, 2, 20)))
        case = s.scalar(select(Case).where(Case.number == "2020:7"))
        s.add(FollowUp(case_id=case.id, due=date(2020, 2, 25), responsible_id=per.id))
        s.commit()
    rec = Recorder()
    # Up on 10 February (the assignment's 14-days-before reminder on 6 February is past its catch-up window).
    assert tick(network, rec, at("2020-02-10T09:00")) == []
    # Down from 10 February to 10 March: three meetings, their deadlines and the chair's agendas are missed,
    # and so are the assignment's due date (20 Feb) and its weekly reminders (27 Feb, 5 Mar).
    back = tick(network, rec, at("2020-03-10T09:00"))
    got = {m.to: sorted(m.kinds) for m in back}
    assert got == {"per.ek": ["follow_up"], "maria.lind": ["follow_up"]}
    per_msg = next(m for m in back if m.to == "per.ek")
    assert "skulle ha skett tisdagen den 25 februari 2020 (för 14 dagar sedan)" in per_msg.text
    assert tick(network, rec, at("2020-03-10T15:00")) == []
    # The overdue assignment is reminded on its next weekly day, thursday 12 March (due + 21 days), once.
    assert all("assignment" not in m.kinds for m in tick(network, rec, at("2020-03-11T09:00")))
    week = {m.to: m for m in tick(network, rec, at("2020-03-12T09:00")) if "assignment" in m.kinds}
    assert sorted(week) == ["maria.lind", "per.ek"]
    assert "skulle ha varit klart torsdagen den 20 februari 2020 och är 21 dagar försenat" in week["per.ek"].text
    assert tick(network, rec, at("2020-03-12T18:00")) == []


def test_after_a_day_down_an_assignment_reminder_still_goes_out_a_day_late(network) -> None:
    with network() as s:
        lchnv = s.scalar(select(Forum.id).where(Forum.key == "lchnv"))
        s.add(Assignment(forum_id=lchnv, assignee_id=_person(s, "per.ek").id, title="Kartlägg väntetider",
                         due=date(2020, 4, 15)))
        s.commit()
    rec = Recorder()
    # Down all of wednesday 15 April (the due date); back thursday 16 April.
    late = [m for m in tick(network, rec, at("2020-04-16T10:00")) if "assignment" in m.kinds]
    assert sorted(m.to for m in late) == ["maria.lind", "per.ek"]
    assert "skulle ha varit klart onsdagen den 15 april 2020 och är 1 dag försenat" in late[0].text


# ------------------------------------------------------------------------------------ failures


def test_a_failed_delivery_stays_pending_with_back_off_and_is_sent_once_later(network) -> None:
    down = Recorder(fail=TransientError("Slack svarade 503"))
    assert tick(network, down, at("2020-02-25T08:00")) == []
    with network() as s:
        row = s.scalar(select(Outbox).where(Outbox.person_id == _person(s, "maria.lind").id))
        assert (row.status, row.attempts) == ("pending", 1)
        assert "503" in row.last_error
        assert row.next_attempt_at == at("2020-02-25T08:00:30")
    up = Recorder()
    assert tick(network, up, at("2020-02-25T08:00:10")) == []  # backing off
    [msg] = tick(network, up, at("2020-02-25T08:01"))
    assert msg.to == "maria.lind" and msg.kinds == ["agenda_deadline"]
    assert tick(network, up, at("2020-02-25T09:00")) == []


def test_a_crash_between_sending_and_recording_repeats_only_that_message_after_ten_minutes(network) -> None:
    rec = Recorder()
    tick(network, rec, at("2020-02-25T08:00"))
    with network() as s:  # as if the process died after sending, before marking the row sent
        s.execute(update(Outbox).where(Outbox.status == "sent")
                  .values(status="sending", claimed_by="dead:1", claimed_at=at("2020-02-25T08:00")))
        s.commit()
    assert tick(network, rec, at("2020-02-25T08:09")) == []
    again = tick(network, rec, at("2020-02-25T08:11"))
    assert [m.to for m in again] == ["maria.lind"]
    assert tick(network, rec, at("2020-02-25T08:30")) == []


class Nobody(Recorder):
    """No platform reaches anyone yet."""

    reaches = False


def test_a_person_no_platform_reaches_yet_is_kept_waiting_not_dropped(network) -> None:
    assert tick(network, Nobody(), at("2020-02-25T08:00")) == []
    with network() as s:
        row = s.scalar(select(Outbox).where(Outbox.status == "pending"))
        assert row is not None and row.attempts == 0
    rec = Recorder()
    assert [m.to for m in tick(network, rec, at("2020-02-25T08:20"))] == ["maria.lind"]


# ------------------------------------------------------------------------------------ kansli serve


def test_serve_runs_the_pass_every_minute_and_stops_it_on_cleanup(tmp_path: Path) -> None:
    from bot.app import build
    from bot.config import Settings
    from bot.scheduler import scheduler_of
    from bot.serve import create_app
    from storage.network import apply, load_file
    from tests.conftest import EXAMPLE

    rec = Recorder()
    now = at("2020-02-28T08:00")
    rec.now = now
    services = build(Settings(KANSLI_DATABASE_URL=f"sqlite:///{tmp_path / 'k.db'}"), clock=lambda: now,
                     transports=[rec], more_addressing=addressing_of(rec))
    with services.sessionmaker() as s:
        apply(s, load_file(str(EXAMPLE)), now=at("2020-01-01T09:00"))
        s.commit()
    app = create_app(services)

    async def go() -> tuple[bool, bool]:
        async with TestClient(TestServer(app)) as client:
            assert (await client.get("/healthz")).status == 200
            scheduler = scheduler_of(app)
            running = scheduler is not None and scheduler.running
            for _ in range(300):  # the first pass starts a second after start-up
                if rec.sent:
                    break
                await asyncio.sleep(0.05)
        return running, scheduler.running

    running, still_running = asyncio.run(go())
    assert running and not still_running
    assert [m.to for m in rec.sent] == ["maria.lind"]
    assert sorted(rec.sent[0].kinds) == ["agenda_deadline", "minutes"]
    services.engine.dispose()


def test_serve_without_the_scheduler_when_it_is_switched_off(tmp_path: Path) -> None:
    from bot.app import build
    from bot.config import Settings
    from bot.scheduler import scheduler_of
    from bot.serve import create_app

    services = build(Settings(KANSLI_DATABASE_URL=f"sqlite:///{tmp_path / 'k.db'}", KANSLI_SCHEDULER=False))
    app = create_app(services)

    async def go() -> object:
        async with TestClient(TestServer(app)):
            return scheduler_of(app)

    assert asyncio.run(go()) is None
    services.engine.dispose()


def test_run_pass_reports_what_it_did(network) -> None:
    from bot.scheduler import run_pass
    from tests.bot.reminder_support import services

    rec = Recorder()
    rec.now = at("2020-02-28T08:00")
    counts = asyncio.run(run_pass(services(network, rec), now=rec.now))
    assert counts == {"reminders": 2, "queued": 1, "sent": 1, "waiting": 0, "failed": 0}


def test_a_pass_with_more_than_one_claim_of_deliveries_sends_them_all(network) -> None:
    with network() as s:
        lchnv = s.scalar(select(Forum.id).where(Forum.key == "lchnv"))
        for i in range(230):
            p = Person(handle=f"ledamot{i}", name=f"Ledamot {i}")
            s.add(p)
            s.flush()
            s.add(Assignment(forum_id=lchnv, assignee_id=p.id, title=f"Uppdrag {i}", due=date(2020, 4, 1)))
        s.execute(update(Outbox).where(Outbox.key == "pending-long-ago")
                  .values(next_attempt_at=at("2020-07-01T08:00")))
        s.commit()
    rec = Recorder(with_parts=False)
    sent = tick(network, rec, at("2020-04-01T08:00"))
    assert len({m.to for m in sent}) == 231 and len(sent) == 231  # 230 assignees + the coordinator, once each
    coordinator = next(m for m in sent if m.to == "maria.lind")
    assert coordinator.reply.title == "230 påminnelser från Kansli"
    assert "Ytterligare 215 påminnelser" in coordinator.text


# ------------------------------------------------------------------------------------ pruning


def _outbox_row(key: str, status: str, *, created: str, sent: str | None = None) -> Outbox:
    return Outbox(key=key, kind="test", payload={}, status=status, attempts=0, created_at=at(created),
                  next_attempt_at=at(created), sent_at=at(sent) if sent else None)


def test_a_pass_prunes_old_event_records_and_old_delivered_messages_once_an_hour(network) -> None:
    from datetime import timedelta

    from bot.scheduler import run_pass
    from storage.models import ProcessedEvent
    from tests.bot.reminder_support import services as pass_services

    now = at("2020-06-01T08:00")
    with network() as s:
        s.add_all([
            ProcessedEvent(event_key="slack:Ev-old", at=now - timedelta(days=3)),
            ProcessedEvent(event_key="teams:c:old", at=now - timedelta(days=3)),
            ProcessedEvent(event_key="teams:c:recent", at=now - timedelta(hours=5)),
            _outbox_row("sent-long-ago", "sent", created="2020-01-02T08:00", sent="2020-01-02T08:01"),
            _outbox_row("sent-lately", "sent", created="2020-05-01T08:00", sent="2020-05-01T08:01"),
            _outbox_row("failed-long-ago", "failed", created="2020-01-02T08:00"),
            _outbox_row("pending-long-ago", "pending", created="2020-01-02T08:00"),  # waits for a retry
        ])
        s.execute(update(Outbox).where(Outbox.key == "pending-long-ago")
                  .values(next_attempt_at=at("2020-07-01T08:00")))
        s.commit()
    rec = Recorder(with_parts=False)
    rec.now = now
    svc = pass_services(network, rec)
    counts = asyncio.run(run_pass(svc, now=now))
    assert counts["events_forgotten"] == 2 and counts["outbox_pruned"] == 1
    with network() as s:
        assert set(s.scalars(select(ProcessedEvent.event_key))) == {"teams:c:recent"}
        keys = set(s.scalars(select(Outbox.key)))
    assert {"sent-lately", "failed-long-ago", "pending-long-ago"} <= keys  # recent and undelivered ones stay
    assert "sent-long-ago" not in keys

    # Within the hour a pass does not prune again; an hour later it does.
    with network() as s:
        s.add(ProcessedEvent(event_key="slack:Ev-old2", at=now - timedelta(days=3)))
        s.commit()
    asyncio.run(run_pass(svc, now=now + timedelta(minutes=30)))
    with network() as s:
        assert "slack:Ev-old2" in set(s.scalars(select(ProcessedEvent.event_key)))
    asyncio.run(run_pass(svc, now=now + timedelta(minutes=61)))
    with network() as s:
        assert "slack:Ev-old2" not in set(s.scalars(select(ProcessedEvent.event_key)))


def test_the_retention_period_follows_the_setting(network) -> None:
    from types import SimpleNamespace

    from bot.scheduler import prune

    with network() as s:
        s.add_all([_outbox_row("sent-40-days-ago", "sent", created="2020-04-22T08:00", sent="2020-04-22T08:00"),
                   _outbox_row("sent-20-days-ago", "sent", created="2020-05-12T08:00", sent="2020-05-12T08:00")])
        s.commit()
    svc = SimpleNamespace(sessionmaker=network, settings=SimpleNamespace(outbox_retention_days=30))
    assert prune(svc, at("2020-06-01T08:00"))["outbox_pruned"] == 1
    with network() as s:
        assert set(s.scalars(select(Outbox.key).where(Outbox.kind == "test"))) == {"sent-20-days-ago"}
