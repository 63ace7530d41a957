"""Done when: a representative reports absence with /anmal frånvaro, the coordinator gets the DM, and the
chair reads today's agenda — all through the Slack app as a workspace installed from the manifest drives it."""
from __future__ import annotations

import asyncio

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from bot.scheduler import run_pass
from storage.models import Absence, Outbox
from tests.bot.slack_standin import SLACK_IDS, buttons_of, give_slack_ids, slack_app, text_of
from tests.conftest import at

PER, MARIA, KARIN = SLACK_IDS["per.ek"], SLACK_IDS["maria.lind"], SLACK_IDS["karin.berg"]


@pytest.fixture
def people(network: sessionmaker[Session]) -> sessionmaker[Session]:
    give_slack_ids(network)
    return network


def test_absence_reaches_the_coordinator_and_shows_on_the_chairs_agenda(people: sessionmaker[Session],
                                                                        engine) -> None:
    async def go() -> None:
        async with slack_app(people, engine, now="2020-03-04T10:00") as h:
            # Per Ek, a representative, in his DM with kansli
            resp = await h.slash("/anmal", "frånvaro 6 mars: tandläkare", user=PER, channel="D0PEREK")
            assert resp.status == 200
            [answer] = await h.standin.wait_for(lambda: h.standin.of("response_url"))
            assert answer.args["response_type"] == "ephemeral"
            assert "fredag 6 mars 2020" in text_of(answer)
            assert "Maria Lind har fått din anmälan" in text_of(answer)

            # Maria Lind, coordinator and absence recipient, gets a DM
            [dm] = await h.standin.wait_for(
                lambda: [c for c in h.standin.of("chat.postMessage") if c.args["channel"] == "D0MARIALIND"])
            assert [c.args["users"] for c in h.standin.of("conversations.open")] == [MARIA]
            assert "Per Ek (Borlänge kommun) anmäler frånvaro" in text_of(dm)
            assert "fredag 6 mars 2020" in text_of(dm)
            assert "tandläkare" in text_of(dm)  # the note goes to the recipient only

            # 07:30 on the meeting day the scheduler sends the chair, Karin Berg, the agenda with the absences
            h.clock["now"] = "2020-03-06T07:30"
            await h.idle()
            await run_pass(h.services, now=at("2020-03-06T07:30"))
            [morning] = await h.standin.wait_for(
                lambda: [c for c in h.standin.of("chat.postMessage") if c.args["channel"] == "D01KARINB"])
            text = text_of(morning)
            assert "Mötet är i dag, fredagen den 6 mars 2020." in text
            assert "Dagordning – LCHNV" in text
            assert "Per Ek (Borlänge kommun): hela mötet" in text
            assert "tandläkare" not in text
            assert [b["value"] for b in buttons_of(morning)] == ["anmäl frånvaro 2020-03-06"]

            # … and she can ask for it herself
            h.clock["now"] = "2020-03-06T07:45"
            await h.slash("/dagordning", "idag", user=KARIN, channel="D01KARINB")
            agenda = await h.standin.wait_for(
                lambda: [c for c in h.standin.of("response_url") if "Per Ek" in text_of(c)])
            text = text_of(agenda[0])
            assert "fredag 6 mars 2020, kl. 9.30–14.00" in text
            assert "Per Ek (Borlänge kommun): hela mötet" in text
            assert "tandläkare" not in text  # the chair does not see the note

    asyncio.run(go())
    with people() as s:
        assert s.scalars(select(Absence)).one().person.handle == "per.ek"
        sent = {(r.person.handle, r.transport) for r in s.scalars(select(Outbox).where(Outbox.status == "sent"))}
        assert sent == {("maria.lind", "slack"), ("karin.berg", "slack")}



def test_a_case_raised_in_the_form_reaches_the_coordinator_whose_buttons_prepare_it(
        people: sessionmaker[Session], engine) -> None:
    """The real case handlers: the /anmal ärende form, the coordinator's buttons, the reason form, the agenda."""
    from slack_sdk.models.views import View

    from tests.bot.slack_standin import block_action, values_for, view_submission

    def dms_to(h, channel: str) -> list:  # type: ignore[no-untyped-def]
        return [c for c in h.standin.of("chat.postMessage") if c.args["channel"] == channel]

    async def go() -> None:
        async with slack_app(people, engine, now="2020-02-20T09:00") as h:
            await h.slash("/anmal", "ärende", user=PER, channel="C01LCHNV")
            [opened] = await h.standin.wait_for(lambda: h.standin.of("views.open"))
            view = opened.args["view"]
            View(**view).validate_json()
            assert view["blocks"][-1]["element"]["initial_option"]["value"] == "lchnv"

            # A date the reader cannot read: the form stays open with the reason under "Möte"
            bad = await h.interact(view_submission(PER, view, values_for(
                titel="Ny rutin för larm", syfte="beslut", mote="blåmåndag", forum="lchnv")))
            refusal = await bad.json()
            assert refusal["response_action"] == "errors" and "blåmåndag" in refusal["errors"]["mote"]

            ok = await h.interact(view_submission(PER, view, values_for(
                titel="Ny rutin för larm", syfte="beslut", mote="6 mars", foredragande=MARIA,
                bilaga="https://example.se/rutin.pdf", forslag="att anta rutinen", forum="lchnv")))
            assert (await ok.text()) == ""
            [mine] = await h.standin.wait_for(lambda: dms_to(h, "D0PEREK"))
            assert "Ärende 2020:8 är anmält till LCHNV: Ny rutin för larm." in text_of(mine)
            [new_case] = await h.standin.wait_for(lambda: dms_to(h, "D0MARIALIND"))
            assert "Nytt ärende 2020:8 till LCHNV" in text_of(new_case)
            assert "att anta rutinen" in text_of(new_case)
            on_agenda, send_back = buttons_of(new_case)
            assert (on_agenda["text"]["text"], send_back["text"]["text"]) == ("Lägg på dagordningen",
                                                                              "Åter för beredning")

            # "Åter för beredning" asks for the reason in a form; the sender is told it
            await h.interact(block_action(MARIA, send_back["value"], action_id=send_back["action_id"],
                                          response_url=h.standin.response_url("back"), channel="D0MARIALIND"))
            [_, reason_form] = await h.standin.wait_for(lambda: (v := h.standin.of("views.open")) and len(v) == 2 and v)
            assert reason_form.args["view"]["callback_id"] == "kansli_reason_form"
            await h.interact(view_submission(MARIA, reason_form.args["view"], {"orsak": {"value": {
                "type": "plain_text_input", "value": "underlaget behöver förankras hos huvudmännen"}}}))
            await h.standin.wait_for(lambda: any("förankras hos huvudmännen" in text_of(c)
                                                 for c in dms_to(h, "D0PEREK")))

            # "Lägg på dagordningen" puts it on the wished meeting; the coordinator sees it in the working agenda
            # (members, the chair too, read the agenda once it is published)
            await h.interact(block_action(MARIA, on_agenda["value"], action_id=on_agenda["action_id"],
                                          response_url=h.standin.response_url("agenda"), channel="D0MARIALIND"))
            await h.standin.wait_for(lambda: any("står nu på dagordningen" in text_of(c)
                                                 for c in h.standin.of("response_url")))
            await h.slash("/dagordning", "6 mars", user=MARIA, channel="D0MARIALIND")
            await h.standin.wait_for(lambda: any("5. Ny rutin för larm (2020:8)" in text_of(c)
                                                 for c in h.standin.of("response_url")))

    asyncio.run(go())
