"""Commands at the same moment, through the dispatcher, on both stores: what every user then sees.

On SQLite the commands of a process take turns; on PostgreSQL they run side by side in their own
transactions (bot.dispatch), kept right by row locks and by running again a command that lost a race.
PostgreSQL runs need KANSLI_TEST_DATABASE_URL (CI sets it); each test gets a schema of its own.
"""
from __future__ import annotations

import re
import threading
from collections import Counter
from pathlib import Path
from typing import Callable, Iterator

import pytest
import yaml
from sqlalchemy import func, select

from bot.app import Services, build
from bot.config import Settings
from bot.dispatch import Identity, Outcome
from storage.models import Absence, AgendaItem, AgendaVersion, Case, Forum, Meeting, Outbox
from storage.network import apply, load_file
from tests.conftest import EXAMPLE, at, private_postgres_schema

NOW = at("2020-02-20T09:00")
EXTRA = 20  # members added to LCHNV, beside the example network's five


def network_with_members(tmp_path: Path) -> Path:
    """The example network with twenty more members in LCHNV (gäst01 … gäst20)."""
    data = yaml.safe_load(EXAMPLE.read_text(encoding="utf-8"))
    data["people"] += [{"handle": f"gast{i:02d}", "name": f"Gäst {i:02d}", "organisation": "leksand"}
                       for i in range(1, EXTRA + 1)]
    lchnv = next(f for f in data["forums"] if f["id"] == "lchnv")
    lchnv["members"] += [{"person": f"gast{i:02d}"} for i in range(1, EXTRA + 1)]
    path = tmp_path / "network.yaml"
    path.write_text(yaml.safe_dump(data, allow_unicode=True, sort_keys=False), encoding="utf-8")
    return path


@pytest.fixture(params=["sqlite", "postgresql"])
def services(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Services]:
    def built(url: str) -> Services:
        services = build(Settings(KANSLI_DATABASE_URL=url))
        with services.sessionmaker() as s:
            apply(s, load_file(str(network_with_members(tmp_path))), now=at("2020-01-01T09:00"))
            s.commit()
        return services

    if request.param == "sqlite":
        services = built(f"sqlite:///{tmp_path / 'k.db'}")
        assert services.dispatcher.serial
        yield services
        services.engine.dispose()
    else:
        with private_postgres_schema("concurrency") as url:
            services = built(url)
            assert not services.dispatcher.serial  # no process-wide lock on PostgreSQL
            yield services
            services.engine.dispose()


def at_once(services: Services, commands: list[tuple[str, str]]) -> list[Outcome]:
    """Run (handle, text) commands in as many threads, released together; outcomes in the same order."""
    barrier = threading.Barrier(len(commands))
    outcomes: list[Outcome | None] = [None] * len(commands)

    def run(i: int, handle: str, text: str) -> None:
        barrier.wait()
        outcomes[i] = services.dispatcher.run(text, identity=Identity(handle=handle), now=NOW)

    threads = [threading.Thread(target=run, args=(i, *c)) for i, c in enumerate(commands)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=120)
    assert all(o is not None for o in outcomes)
    return outcomes  # type: ignore[return-value]


def texts(outcomes: list[Outcome]) -> list[str]:
    return [o.reply.plain_text() for o in outcomes]


def count(services: Services, stmt: Callable) -> int:  # type: ignore[type-arg]
    with services.sessionmaker() as s:
        return int(s.scalar(stmt) or 0)


def next_meeting_id(services: Services) -> int:
    """LCHNV's next meeting (6 March 2020)."""
    with services.sessionmaker() as s:
        return s.scalar(select(Meeting.id).join(Forum).where(Forum.key == "lchnv", Meeting.starts_at > NOW)
                        .order_by(Meeting.starts_at).limit(1))


def test_twenty_members_reporting_absence_at_once_are_all_recorded_and_the_recipient_told(services) -> None:
    handles = [f"gast{i:02d}" for i in range(1, EXTRA + 1)]
    outcomes = at_once(services, [(h, "/anmäl frånvaro nästa möte: tjänsteresa") for h in handles])
    assert all(o.reply.ok for o in outcomes), texts(outcomes)
    assert all("Du är anmäld frånvarande från LCHNV" in t for t in texts(outcomes)), texts(outcomes)
    meeting = next_meeting_id(services)
    assert count(services, select(func.count()).select_from(Absence).where(Absence.meeting_id == meeting)) == EXTRA
    # The absence recipient (Maria Lind) has one report from each of them waiting in the outbox.
    assert count(services, select(func.count()).select_from(Outbox)
                 .where(Outbox.kind == "absence_report")) == EXTRA
    agenda = services.dispatcher.run("/frånvaro 6 mars", identity=Identity(handle="maria.lind"), now=NOW)
    assert all(f"Gäst {i:02d}" in agenda.reply.plain_text() for i in range(1, EXTRA + 1)), agenda.reply.plain_text()


def test_one_member_reporting_twice_at_once_is_recorded_once_and_both_answers_say_so(services) -> None:
    outcomes = at_once(services, [("per.ek", "/anmäl frånvaro 6 mars: tjänsteresa")] * 2)
    replies = texts(outcomes)
    assert all(o.reply.ok for o in outcomes), replies
    assert sum("Du är anmäld frånvarande" in t for t in replies) == 1, replies
    assert sum("Du har redan anmält frånvaro" in t for t in replies) == 1, replies
    assert count(services, select(func.count()).select_from(Absence)
                 .where(Absence.meeting_id == next_meeting_id(services))) == 1


def test_ten_cases_raised_at_once_get_distinct_numbers_in_sequence(services) -> None:
    outcomes = at_once(services, [("per.ek", f"/anmäl ärende Samtidigt ärende {i}; forum: lchnv")
                                  for i in range(10)])
    assert all(o.reply.ok for o in outcomes), texts(outcomes)
    numbers = sorted((m.group(0) for t in texts(outcomes) if (m := re.search(r"2020:\d+", t))),
                     key=lambda n: int(n.split(":")[1]))
    # The example network's LCHNV has numbers up to 2020:7; the ten take the next ten, each once.
    assert numbers == [f"2020:{n}" for n in range(8, 18)], texts(outcomes)
    with services.sessionmaker() as s:
        stored = Counter(s.scalars(select(Case.number).where(Case.title.like("Samtidigt%"))))
    assert sorted(stored, key=lambda n: int(n.split(":")[1])) == numbers
    assert set(stored.values()) == {1}


def test_two_publications_at_once_give_versions_one_and_two(services) -> None:
    outcomes = at_once(services, [("maria.lind", "/publicera dagordning; forum: lchnv")] * 2)
    replies = texts(outcomes)
    assert all(o.reply.ok for o in outcomes), replies
    assert sum("publicerad på nytt som version 2" in t for t in replies) == 1, replies
    with services.sessionmaker() as s:
        versions = sorted(s.scalars(select(AgendaVersion.version)
                                    .where(AgendaVersion.meeting_id == next_meeting_id(services))))
    assert versions == [1, 2]


def test_items_added_at_once_get_distinct_numbers_after_the_standing_items(services) -> None:
    outcomes = at_once(services, [("maria.lind", f"/punkt ny Samtidig punkt {i}; forum: lchnv") for i in range(5)])
    assert all(o.reply.ok for o in outcomes), texts(outcomes)
    with services.sessionmaker() as s:
        items = list(s.execute(select(AgendaItem.number, AgendaItem.title)
                               .where(AgendaItem.meeting_id == next_meeting_id(services))))
    numbers = Counter(n for n, __ in items)
    assert set(numbers.values()) == {1}, items  # no number twice
    assert sorted(n for n, t in items if t.startswith("Samtidig punkt")) == [5, 6, 7, 8, 9]
    assert sum(1 for n, t in items if not t.startswith("Samtidig punkt")) == 4  # standing items stored once


def race_with_sending_the_minutes(services, monkeypatch, module, name: str, text: str, *,  # type: ignore[no-untyped-def]
                                  hold_before: bool) -> tuple[Outcome, Outcome, str]:
    """Run `text` (Maria's) in a thread, held at `module.name` (before calling it, or just after) while
    the 6 March minutes are marked sent; return (that command, the sending, the minutes as sent)."""
    run = services.dispatcher.run
    assert run("/beredning 2020:7 dagordning 6 mars", identity=Identity(handle="maria.lind"), now=NOW).reply.ok
    during = at("2020-03-06T11:00")
    sent = threading.Event()
    checked = threading.Event()
    original = getattr(module, name)

    def held(*args, **kwargs):  # type: ignore[no-untyped-def]
        if hold_before:
            checked.set()
            sent.wait(timeout=3)  # SQLite takes one command at a time: the sending waits its turn anyway
            return original(*args, **kwargs)
        result = original(*args, **kwargs)
        checked.set()
        sent.wait(timeout=3)
        return result

    monkeypatch.setattr(module, name, held)
    out: dict[str, Outcome] = {}

    def command() -> None:
        out["command"] = run(text, identity=Identity(handle="maria.lind"), now=during)

    thread = threading.Thread(target=command)
    thread.start()
    assert checked.wait(timeout=30)
    out["sent"] = run("/minnesanteckningar skickade 6 mars; forum: lchnv", identity=Identity(handle="maria.lind"),
                      now=during)
    sent.set()
    thread.join(timeout=60)
    with services.sessionmaker() as s:
        meeting = s.get(Meeting, next_meeting_id_on(s, "2020-03-06"))
        record = meeting.minutes_sent_text or ""
    return out["command"], out["sent"], record


def test_a_decision_recorded_while_the_minutes_are_sent_is_in_them_or_refused(services, monkeypatch) -> None:
    """Sent minutes are a record: a decision recorded at the moment the secretary marks them sent is either
    part of what was sent or refused, never left outside them. The decision is held just after its check
    that the minutes are unsent, while the minutes are sent (on PostgreSQL the sending then waits for it)."""
    from handlers import decisions

    decision, sent, record = race_with_sending_the_minutes(
        services, monkeypatch, decisions, "record_decision", "/beslut 2020:7 att anta vägledningen", hold_before=True)
    assert sent.reply.ok, sent.reply.plain_text()
    if decision.reply.ok:
        assert "att anta vägledningen" in record, record
    else:
        assert "minnesanteckningarna" in decision.reply.plain_text()


def next_meeting_id_on(session, day: str) -> int:  # type: ignore[no-untyped-def]
    """LCHNV's first meeting on or after `day`."""
    return session.scalar(select(Meeting.id).join(Forum)
                          .where(Forum.key == "lchnv", Meeting.starts_at >= at(f"{day}T00:00"))
                          .order_by(Meeting.starts_at).limit(1))


def test_an_assignment_recorded_while_the_minutes_are_sent_is_in_them_or_not_of_the_meeting(
        services, monkeypatch) -> None:
    """An assignment given at the meeting is part of its minutes; one recorded at the moment the minutes are
    sent either makes it into them or is not tied to that meeting's item. It is held just after its item is
    chosen, while the minutes are sent."""
    from handlers import agenda_model
    from storage.models import Assignment

    assignment, sent, record = race_with_sending_the_minutes(
        services, monkeypatch, agenda_model, "item_in_session",
        "/uppdrag ny @per.ek Ta fram en plan; senast 1 maj; ärende 2020:7", hold_before=False)
    assert sent.reply.ok and assignment.reply.ok
    with services.sessionmaker() as s:
        item_id = s.scalar(select(Assignment.item_id).where(Assignment.title == "Ta fram en plan"))
    assert "Ta fram en plan" in record or item_id is None, record
