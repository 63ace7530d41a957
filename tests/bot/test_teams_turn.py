"""One turn pipeline (bot.turn) behind Teams: the activity id is recorded in the command's own transaction,
and an activity delivered again is answered once, with one notification.

Bot Framework activities into POST /api/messages of the running service, on both Teams SDKs; the
connector is the loopback stand-in of tests/bot/test_teams.py. (The same for Slack: test_slack_turn.py.)
"""
from __future__ import annotations

import asyncio
from typing import Any

import pytest
from sqlalchemy.orm import Session, sessionmaker

from storage.models import Absence
from tests.bot.turn_support import count, keys
from tests.bot.test_teams import BOT, MARIA, PER, give_teams_ids, make_services, teams
from tests.bot.test_teams import teams_sdk  # noqa: F401 - every test here runs on both SDKs
from tests.conftest import at

ABSENCE = "anmäl frånvaro 6 mars: tandläkare"  # Maria Lind, the coordinator, is told of it
PER_CHAT = f"a:personal-{PER['id']}"
MARIA_CHAT = f"a:personal-{MARIA['id']}"


class Crash(Exception):
    """The process dying after the turn's key was written and before its command committed."""


def crash_first(fn: Any) -> Any:
    """Wrap the function that reads the command inside the turn's transaction (after the record,
    before the command): its first call dies."""
    crashed: list[bool] = []

    def wrapped(*args: Any) -> Any:
        if not crashed:
            crashed.append(True)
            raise Crash("killed between the record and the command")
        return fn(*args)

    return wrapped


@pytest.fixture
def teams_store(network: sessionmaker[Session]) -> sessionmaker[Session]:
    give_teams_ids(network)
    return network


def services_for(maker: sessionmaker[Session], engine: Any) -> Any:
    return make_services(maker, engine, now=at("2020-03-04T10:00"))


def test_a_teams_activity_delivered_again_gives_one_answer_and_one_notification(teams_store, engine) -> None:
    services = services_for(teams_store, engine)

    async def go() -> list[Any]:
        async with teams(services) as h:
            await h.post(h.act("conversationUpdate", user=MARIA, members_added=[BOT]))  # Maria's chat is known
            start = len(h.standin.calls)
            act = h.act(user=PER, text=ABSENCE)
            for _ in range(3):  # Bot Framework delivers the same activity again
                status, _ = await h.post(act)
                assert status == 201
            return h.standin.calls[start:]

    calls = asyncio.run(go())
    to_per = [c for c in calls if c.conversation == PER_CHAT]
    to_maria = [c for c in calls if c.conversation == MARIA_CHAT]
    assert len(to_per) == 1 and "fredag 6 mars 2020" in to_per[0].words()
    assert len(to_maria) == 1 and "Per Ek" in to_maria[0].words()
    assert count(teams_store, Absence) == 1
    assert len(keys(teams_store, f"teams:{PER_CHAT}:")) == 1


def test_a_teams_activity_redelivered_after_a_crash_between_its_record_and_its_command_is_answered(
        teams_store, engine, monkeypatch) -> None:
    import bot.teams as teams_module

    services = services_for(teams_store, engine)
    monkeypatch.setattr(teams_module, "command_text", crash_first(teams_module.command_text))

    async def go() -> list[Any]:
        async with teams(services) as h:
            await h.post(h.act("conversationUpdate", user=MARIA, members_added=[BOT]))
            start = len(h.standin.calls)
            act = h.act(user=PER, text=ABSENCE)
            await h.post(act)
            assert keys(teams_store, f"teams:{PER_CHAT}:") == []  # rolled back with the command
            assert count(teams_store, Absence) == 0
            await h.post(act)  # the redelivery is run now
            await h.post(act)  # and a third delivery is a repeat
            return h.standin.calls[start:]

    calls = asyncio.run(go())
    to_per = [c for c in calls if c.conversation == PER_CHAT]
    to_maria = [c for c in calls if c.conversation == MARIA_CHAT]
    # The failed first delivery is answered with one sentence; the redelivery with the answer.
    assert len(to_per) == 2 and "fredag 6 mars 2020" in to_per[1].words()
    assert len(to_maria) == 1
    assert count(teams_store, Absence) == 1
