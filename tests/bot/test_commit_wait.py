"""On PostgreSQL a turn that changed nothing but its bookkeeping (the event record, the platform the asker wrote
from) commits without waiting for the disk; a turn that recorded anything else waits, as every write always did.
"""
from __future__ import annotations

from typing import Iterator

import pytest
from sqlalchemy import event, func, select, update

from bot.app import Services, build
from bot.config import Settings
from bot.dispatch import Identity
from storage import events
from storage.db import only_bookkeeping
from storage.models import Absence, Person, ProcessedEvent
from storage.network import apply, load_file
from tests.conftest import EXAMPLE, at, private_postgres_schema

NOW = at("2020-02-20T09:00")
SKIP_WAIT = "SET LOCAL synchronous_commit TO OFF"


@pytest.fixture
def services() -> Iterator[Services]:
    with private_postgres_schema("commitwait") as url:
        services = build(Settings(KANSLI_DATABASE_URL=url))
        with services.sessionmaker() as s:
            apply(s, load_file(str(EXAMPLE)), now=at("2020-01-01T09:00"))
            s.execute(update(Person).where(Person.handle == "per.ek").values(slack_user_id="U0PEREK"))
            s.commit()
        yield services
        services.engine.dispose()


def turn(services: Services, key: str, text: str) -> tuple[str, list[str]]:
    sent: list[str] = []

    def note(conn, cursor, statement, *rest):  # type: ignore[no-untyped-def]
        sent.append(statement)

    event.listen(services.engine, "before_cursor_execute", note)
    try:
        outcome = services.dispatcher.run_turn(
            lambda s: text if events.record_once(s, key, at=NOW) else None,
            identity=Identity(slack_user_id="U0PEREK"), platform="slack", now=NOW, channel="C01LCHNV")
    finally:
        event.remove(services.engine, "before_cursor_execute", note)
    assert outcome is not None
    return outcome.reply.plain_text(), sent


def test_a_read_only_turn_does_not_wait_for_the_disk_and_is_still_recorded(services: Services) -> None:
    answer, sent = turn(services, "slack:e1", "/dagordning")
    assert "Dagordning – LCHNV" in answer
    assert SKIP_WAIT in sent
    with services.sessionmaker() as s:
        assert s.scalar(select(func.count()).select_from(ProcessedEvent).where(ProcessedEvent.event_key == "slack:e1")) == 1
    # Delivered again: recognised, not answered twice.
    with services.sessionmaker() as s:
        assert not events.record_once(s, "slack:e1", at=NOW)


def test_a_turn_that_records_an_absence_waits_for_the_disk(services: Services) -> None:
    answer, sent = turn(services, "slack:e2", "/anmäl frånvaro nästa möte: sjuk")
    assert "Frånvaro anmäld" in answer
    assert SKIP_WAIT not in sent
    with services.sessionmaker() as s:
        assert s.scalar(select(func.count()).select_from(Absence)) >= 1


def test_only_the_listed_bookkeeping_writes_count_as_bookkeeping() -> None:
    assert only_bookkeeping("SELECT 1") is None
    assert only_bookkeeping("INSERT INTO processed_event (event_key, at) VALUES (%(event_key)s::VARCHAR, %(at)s)")
    assert only_bookkeeping(
        "UPDATE person SET last_platform=%(last_platform)s::VARCHAR WHERE person.id = %(person_id)s::INTEGER")
    # A person's other fields changed in the same statement are a real change.
    assert only_bookkeeping("UPDATE person SET name=%(name)s::VARCHAR, last_platform=%(last_platform)s::VARCHAR "
                            "WHERE person.id = %(person_id)s::INTEGER") is False
    assert only_bookkeeping("UPDATE person SET last_platform=%(last_platform)s::VARCHAR, email=%(email)s "
                            "WHERE person.id = %(person_id)s") is False
    assert only_bookkeeping("DELETE FROM processed_event WHERE processed_event.at < %(at_1)s") is False
    assert only_bookkeeping("INSERT INTO outbox (key, kind) VALUES (%(key)s, %(kind)s)") is False
