"""A mistyped Slack slash command gets the commands it probably meant (through Bolt's real entry point)."""
from __future__ import annotations

import asyncio

import pytest
from sqlalchemy.orm import Session, sessionmaker

from tests.bot.slack_standin import give_slack_ids, slack_app, text_of


@pytest.fixture
def people(network: sessionmaker[Session]) -> sessionmaker[Session]:
    give_slack_ids(network)
    return network


@pytest.mark.parametrize(
    ("command", "text", "expected"),
    [
        ("/anmal", "", "”/anmal” är början på /anmäl frånvaro eller /anmäl ärende"),
        ("/kansli", "uppdarg alla", "Menade du /uppdrag alla?"),
        ("/kansli", "report absence friday", "prova /anmäl frånvaro fredag"),
    ],
)
def test_a_slack_mistype_is_answered_with_the_command_meant(people, engine, command, text, expected) -> None:
    async def go() -> str:
        async with slack_app(people, engine) as h:
            assert (await h.slash(command, text)).status == 200
            [answer] = await h.standin.wait_for(lambda: h.standin.of("response_url"))
            return " ".join(text_of(answer).split())

    assert expected in asyncio.run(go())
