"""The demo `make run` loads: the seeds' two meetings as records, coming meetings from the clock, and a store
that is safe to play with (re-importing changes nothing, the scheduler keeps what the examples write)."""
from __future__ import annotations

import asyncio
from datetime import date, timedelta

import pytest
from sqlalchemy import select

from bot.demo import coming_fridays, read_script
from tests.conftest import Chat, at

TODAY = "2026-11-30T09:00"


def seeded(db, engine, today: str = TODAY):  # type: ignore[no-untyped-def]
    from bot.cli import EXAMPLE_NETWORK, import_network
    from bot.demo import seed_demo
    from tests.bot.test_web import services_for

    services = services_for(db, engine, now=at(today))
    import_network(services, str(EXAMPLE_NETWORK))
    seed_demo(services)
    return services


def test_the_seed_meetings_are_published_decided_and_their_minutes_sent(db, engine) -> None:  # type: ignore[no-untyped-def]
    from tests.bot.test_web import get

    services = seeded(db, engine)
    status, march = get(services, "/forum/lchnv/mote/2020-03-06")
    assert status == 200
    for fact in ("Version 2", "Tillkommande ärenden", "12. Beslut om justerat uppdragsdirektiv",
                 "14. Utvärdering av avtal avseende tillnyktringsplatser", "Styrgruppen föreslår", "Bilaga 17"):
        assert fact in march, fact
    status, september = get(services, "/forum/lchnv/mote/2020-09-25")
    assert status == 200
    for fact in ("4.1 Referensbrev", "10.1 Överenskommelse", "10.4 LAG samsjuklighet", "11. Fortsättning",
                 "att utse Karin Berg till ordförande och Lars Holm till vice ordförande",
                 "att lägga minnesanteckningarna till handlingarna.", "SHA-256", "30 juni 2021", "31 oktober 2021"):
        assert fact in september, fact
    said = Chat(db)("maria.lind", "/ärenden", now=TODAY)
    assert "2020:7" in said.reply and "2020:15" not in said.reply  # the decided 2020 cases are closed


@pytest.mark.parametrize("today", ["2026-11-30T09:00", "2027-03-24T12:00"])
def test_the_coming_meetings_follow_the_clock_and_skip_holidays(db, engine, today: str) -> None:  # type: ignore[no-untyped-def]
    from handlers.calendar import is_working_day
    from handlers.fmt import format_date as long_date

    seeded(db, engine, today)
    days = coming_fridays(at(today).date())
    assert all(d.weekday() == 4 and is_working_day(d) and d >= at(today).date() + timedelta(days=21) for d in days)
    said = Chat(db)("eva.strand", "/möten", now=today)
    assert said.ok and long_date(days[0]) in said.reply
    absent = Chat(db)("eva.strand", "/anmäl frånvaro nästa möte punkt 5: tandläkare", now=today)
    assert absent.ok and long_date(days[0]) in absent.reply


def test_good_friday_and_christmas_are_never_demo_meeting_days() -> None:
    assert date(2027, 3, 26) not in coming_fridays(date(2027, 3, 1))  # Långfredagen
    assert date(2026, 12, 25) not in coming_fridays(date(2026, 11, 29))  # juldagen


def test_reimporting_the_example_after_the_demo_changes_nothing(db, engine) -> None:  # type: ignore[no-untyped-def]
    from bot.cli import EXAMPLE_NETWORK, import_network

    services = seeded(db, engine)
    assert import_network(services, str(EXAMPLE_NETWORK)) == ["Inget ändrades: allt i filen fanns redan."]


def test_the_running_scheduler_keeps_what_the_examples_write(db, engine) -> None:  # type: ignore[no-untyped-def]
    from bot.scheduler import run_pass
    from storage.models import Absence

    services = seeded(db, engine)
    assert Chat(db)("eva.strand", "/anmäl frånvaro nästa möte punkt 5: tandläkare", now=TODAY).ok
    for minutes in (1, 60 * 24):
        asyncio.run(run_pass(services, now=at(TODAY) + timedelta(minutes=minutes)))
    with db() as s:
        notes = s.scalars(select(Absence.note)).all()
    assert "tandläkare" in notes


def test_every_line_of_the_demo_script_is_dated_in_the_past_and_typed_by_a_known_person() -> None:
    import yaml

    from bot.cli import EXAMPLE_NETWORK

    people = {p["handle"] for p in yaml.safe_load(EXAMPLE_NETWORK.read_text(encoding="utf-8"))["people"]}
    steps = read_script()
    assert len(steps) > 50
    assert all(step.handle in people for step in steps)
    assert all(step.when.year <= 2021 for step in steps)
