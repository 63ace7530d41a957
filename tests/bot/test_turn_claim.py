"""A command's notifications are claimed by the process that answers it, in the command's own transaction
(bot.turn, storage.outbox.enqueue(claimed_by=…)): no scheduler pass or other process sends them while the
answer is being posted, the answering process sends each once right after, and a process that stops first
hands them back so they are still sent once. On both stores (PostgreSQL with KANSLI_TEST_DATABASE_URL)."""
from __future__ import annotations

import asyncio
import io
from pathlib import Path
from typing import Any, Iterator

import pytest
from sqlalchemy import event, select

from bot.app import Services, build
from bot.config import Settings
from bot.delivery import ConsoleTransport, worker_name
from bot.dispatch import Identity
from bot.turn import Dispatched, Turn, TurnPipeline
from storage import outbox
from storage.models import Outbox
from storage.network import apply, load_file
from tests.conftest import EXAMPLE, at, private_postgres_schema

NOW = at("2020-02-20T09:00")
ABSENCE = "anmäl frånvaro 6 mars: tandläkare"  # Per Ek reports; LCHNV's absence recipient is told


@pytest.fixture(params=["sqlite", "postgresql"])
def services(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[tuple[Services, io.StringIO]]:
    console = io.StringIO()

    def built(url: str) -> Services:
        services = build(Settings(_env_file=None, KANSLI_DATABASE_URL=url), clock=lambda: NOW,
                         transports=[ConsoleTransport(console)])
        with services.sessionmaker() as s:
            apply(s, load_file(str(EXAMPLE)), now=at("2020-01-01T09:00"))
            s.commit()
        return services

    if request.param == "sqlite":
        services = built(f"sqlite:///{tmp_path / 'k.db'}")
        yield services, console
        services.engine.dispose()
    else:
        with private_postgres_schema("turnclaim") as url:
            services = built(url)
            yield services, console
            services.engine.dispose()


def rows(services: Services) -> list[Outbox]:
    with services.sessionmaker() as s:
        return list(s.scalars(select(Outbox).where(Outbox.kind.like("absence%")).order_by(Outbox.id)))


def turn(text: str) -> Turn:
    return Turn(identity=Identity(handle="per.ek"), platform="cli", text=text, now=NOW)


def test_a_scheduler_pass_during_the_answer_sends_nothing_and_the_notice_goes_once_after(services) -> None:
    services, console = services
    pipeline = TurnPipeline(services)
    seen_while_answering: dict[str, Any] = {}

    async def answer(dispatched: Dispatched) -> None:
        # The command has committed and its answer is being posted: its notice is already claimed by this
        # process, so the scheduler's pass (any process) leaves it alone.
        seen_while_answering["rows"] = [(r.status, r.claimed_by) for r in rows(services)]
        seen_while_answering["pass"] = await services.deliverer.deliver(now=NOW)

    async def go() -> None:
        assert await pipeline.run(turn(ABSENCE), answer) is not None
        await pipeline.idle()

    asyncio.run(go())
    [(status, claimed_by)] = seen_while_answering["rows"]
    assert status == "sending" and str(claimed_by).startswith(worker_name() + ":")
    assert seen_while_answering["pass"]["sent"] == 0
    [row] = rows(services)
    assert row.status == "sent"
    assert console.getvalue().count("Per Ek") == 1, console.getvalue()  # the recipient is told once


def test_a_process_that_stops_before_sending_hands_the_notice_back_and_it_is_sent_once(services) -> None:
    services, console = services
    pipeline = TurnPipeline(services)

    async def go() -> None:
        dispatched = await pipeline.dispatch(turn(ABSENCE))
        assert dispatched is not None
        await pipeline.stop(0)  # stopping before the answer was posted: nothing is sent
        dispatched.release()

    asyncio.run(go())
    [row] = rows(services)
    assert row.status == "sending" and console.getvalue() == ""
    with services.sessionmaker() as s:  # what `kansli serve` does as it stops (bot.serve)
        assert outbox.release_claims(s, worker=worker_name()) == 1
        s.commit()
    assert asyncio.run(services.deliverer.deliver(now=NOW))["sent"] == 1  # the scheduler's next pass
    assert [r.status for r in rows(services)] == ["sent"]
    assert console.getvalue().count("Per Ek") == 1


def test_a_refused_command_claims_nothing(services) -> None:
    services, console = services
    outcome = services.dispatcher.run_turn(lambda session: "anmäl frånvaro 31 februari", identity=Identity(
        handle="per.ek"), platform="cli", now=NOW, claim=outbox.claim_token(worker_name()))
    assert outcome is not None and not outcome.reply.ok
    assert outcome.claim is None and outcome.outbox_ids == []
    assert rows(services) == []


def _statements(services: Services) -> list[str]:
    seen: list[str] = []
    event.listen(services.engine, "before_cursor_execute",
                 lambda conn, cursor, statement, *rest: seen.append(statement.split()[0].upper()))
    return seen


def test_the_notice_is_planned_as_the_command_commits_and_delivering_it_only_records_that_it_went(services) -> None:
    services, console = services
    pipeline = TurnPipeline(services)

    async def go() -> tuple[Dispatched, list[str]]:
        dispatched = await pipeline.dispatch(turn(ABSENCE))
        assert dispatched is not None
        assert set(dispatched.outcome.prepared or {}) == set(dispatched.outcome.outbox_ids)
        seen = _statements(services)
        dispatched.release()
        await pipeline.idle()
        return dispatched, seen

    _, seen = asyncio.run(go())
    # Not read back from the outbox: the only statement of the delivery is the record that it was sent
    # (SQLite's connection begins its transactions itself).
    assert [s for s in seen if s != "BEGIN"] == ["UPDATE"], seen
    [row] = rows(services)
    assert row.status == "sent" and console.getvalue().count("Per Ek") == 1


def test_a_notice_whose_plan_failed_is_read_back_and_still_sent_once(services, monkeypatch) -> None:
    services, console = services
    pipeline = TurnPipeline(services)

    def broken(session: Any, row: Outbox, now: Any) -> Any:
        raise RuntimeError("addressing failed")

    monkeypatch.setattr(services.deliverer, "_prepare", broken)

    async def go() -> Dispatched:
        dispatched = await pipeline.dispatch(turn(ABSENCE))
        assert dispatched is not None and dispatched.reply.ok
        monkeypatch.undo()
        dispatched.release()
        await pipeline.idle()
        return dispatched

    dispatched = asyncio.run(go())
    assert dispatched.outcome.prepared == {}  # the answer stood; the notice was left to be read back
    assert [r.status for r in rows(services)] == ["sent"]
    assert console.getvalue().count("Per Ek") == 1
