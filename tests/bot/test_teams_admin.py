"""Adding a member in Teams: a mention of someone kansli does not know records their Teams account, so they can
use kansli at once. Through the Bot Framework adapter's endpoint with the connector on a loopback stand-in."""
from __future__ import annotations

from sqlalchemy import select

from storage.models import Person
from tests.bot.test_teams import MARIA, STRANGER, make_services, mention, run, teams, teams_store  # noqa: F401


def test_a_mention_in_ledamot_ny_links_the_new_members_teams_account(teams_store, engine) -> None:  # noqa: F811
    services = make_services(teams_store, engine)

    async def go():  # type: ignore[no-untyped-def]
        async with teams(services) as h:
            await h.say("ledamot ny <at>Okänd Person</at> Olle Okänd; organisation: leksand; forum: lchnv",
                        user=MARIA, entities=[mention(STRANGER)])
            await h.say("möten", user=STRANGER)
            return h.standin.calls

    calls = run(go())
    assert "Olle Okänd (Leksands kommun) är representant i LCHNV" in calls[0].words()
    assert "Kontot är kopplat" in calls[0].words()
    assert any("Kommande möten" in c.words() for c in calls[1:])
    with teams_store() as s:
        olle = s.scalar(select(Person).where(Person.handle == "olle.okand"))
        assert olle is not None and olle.teams_user_id == STRANGER["id"]
