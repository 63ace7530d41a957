"""How many statements a command sends to the store (a count, not a time; `make bench` counts the same on the
national store as `statements_per_command`).

Every statement is a round trip to PostgreSQL. The asker with their forums, roles and the channel's forum's officers
come in one query; the rest is the command's own work. Counted: SQL sent through a cursor and the
transaction's BEGIN and COMMIT.
"""
from __future__ import annotations

from pathlib import Path
from typing import Iterator

import pytest
from sqlalchemy import update

from bench.statements import count_commands, counting
from bot.app import Services, build
from bot.config import Settings
from bot.dispatch import Identity
from storage.models import Person
from storage.network import apply, load_file
from tests.conftest import EXAMPLE, at, private_postgres_schema

NOW = at("2020-02-20T09:00")
LCHNV_SLACK = "C01LCHNV"
# At most 8 for every command, BEGIN and COMMIT included. Reporting an absence: the asker with their forums and
# the forum's officers, the meeting, its absences; the absence, its audit row and the recipient's message.
MOST = {"dagordning": 8, "uppdrag alla": 8, "anmäl frånvaro": 8}


@pytest.fixture(params=["sqlite", "postgresql"])
def services(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Services]:
    def built(url: str) -> Services:
        services = build(Settings(KANSLI_DATABASE_URL=url))
        with services.sessionmaker() as s:
            apply(s, load_file(str(EXAMPLE)), now=at("2020-01-01T09:00"))
            for handle, slack in (("per.ek", "U0PEREK"), ("eva.strand", "U0EVA"), ("maria.lind", "U0MARIA")):
                s.execute(update(Person).where(Person.handle == handle).values(slack_user_id=slack))
            s.commit()
        return services

    if request.param == "sqlite":
        services = built(f"sqlite:///{tmp_path / 'k.db'}")
        yield services
    else:
        with private_postgres_schema("statements") as url:
            services = built(url)
            yield services
    services.engine.dispose()


def slack_command(services: Services):  # type: ignore[no-untyped-def]
    answers: dict[str, list[str]] = {}

    def run(user: str, text: str) -> object:
        outcome = services.dispatcher.run(text, identity=Identity(slack_user_id=user), platform="slack", now=NOW,
                                          channel=LCHNV_SLACK)
        assert outcome.reply.ok, outcome.reply.plain_text()
        answers.setdefault(text, []).append(outcome.reply.plain_text())
        return outcome

    return run, answers


def test_a_members_agenda_absence_report_and_a_coordinators_assignments_each_take_few_statements(services) -> None:
    run, answers = slack_command(services)
    counts = count_commands(services.engine, run, member="U0PEREK", absentee="U0EVA", coordinator="U0MARIA")
    # The commands did their work: the agenda, the report recorded, every open assignment.
    assert "Dagordning – LCHNV" in answers["/dagordning"][-1]
    assert "Du är anmäld frånvarande från LCHNV" in answers["/anmäl frånvaro nästa möte: tjänsteresa"][-1]
    assert "Öppna uppdrag" in answers["/uppdrag alla"][-1]
    assert all(counts[label] <= most for label, most in MOST.items()), counts


def test_the_asker_forums_and_roles_come_in_one_query(services) -> None:
    run, __ = slack_command(services)
    run("U0MARIA", "/uppdrag alla")  # the platform she writes from is recorded once
    with counting(services.engine) as counter:
        run("U0MARIA", "/uppdrag alla")
    reads_of_people = [s for s in counter.statements if "FROM person" in s and "membership" in s]
    assert len(reads_of_people) == 1, counter.statements
    assert not any(s.startswith("SELECT membership.role") for s in counter.statements), counter.statements
