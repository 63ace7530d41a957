"""Adding a member in Slack: a mention of someone kansli does not know records their Slack account, so they can
use kansli at once. Through Bolt's real entry point (signed requests) with the Web API on a loopback stand-in."""
from __future__ import annotations

import asyncio

from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from storage.models import Person
from tests.bot.slack_standin import SLACK_IDS, dm_event, give_slack_ids, slack_app, text_of

NEW = "U0NILSNY"


def test_a_mention_in_ledamot_ny_links_the_new_members_slack_account(network: sessionmaker[Session], engine) -> None:
    give_slack_ids(network)

    async def go() -> None:
        async with slack_app(network, engine) as h:
            await h.slash("/kansli", f"ledamot ny <@{NEW}|nils> Nils Nyström; organisation: leksand; forum: lchnv",
                          user=SLACK_IDS["maria.lind"])
            [answer] = await h.standin.wait_for(lambda: h.standin.of("response_url"))
            assert "Nils Nyström (Leksands kommun) är representant i LCHNV" in text_of(answer)
            assert "Kontot är kopplat" in text_of(answer)
            await h.idle()
            # The new member writes to kansli at once and is known.
            await h.event(dm_event(NEW, "möten", channel="D0NILS"))
            posts = await h.standin.wait_for(
                lambda: [p for p in h.standin.of("chat.postMessage") if p.args.get("channel") == "D0NILS"])
            assert "Kommande möten" in text_of(posts[-1])

    asyncio.run(go())
    with network() as s:
        nils = s.scalar(select(Person).where(Person.handle == "nils.nystrom"))
        assert nils is not None and nils.slack_user_id == NEW
