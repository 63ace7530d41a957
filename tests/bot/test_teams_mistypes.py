"""A mistyped Teams message gets the commands it probably meant (Bot Framework activity into /api/messages)."""
from __future__ import annotations

from tests.bot.test_teams import make_services, run, teams, teams_store  # noqa: F401 - teams_store is a fixture


def test_a_teams_mistype_is_answered_with_the_commands_meant(teams_store, engine) -> None:  # noqa: F811
    services = make_services(teams_store, engine)

    async def go():  # type: ignore[no-untyped-def]
        async with teams(services) as h:
            await h.say("anmäl")
            await h.say("uppdarg alla")
            return h.standin.calls

    first, second = run(go())
    assert "”/anmäl” är början på /anmäl frånvaro eller /anmäl ärende" in " ".join(first.words().split())
    assert "Menade du /uppdrag alla?" in " ".join(second.words().split())
