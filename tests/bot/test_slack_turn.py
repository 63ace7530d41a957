"""One turn pipeline (bot.turn) behind Slack: the key of a turn (request signature over HTTP, trigger_id in
Socket Mode, event_id) is recorded in the command's own transaction, and a turn delivered again is answered
once, with one notification.

Signed Slack requests into POST /slack/events of the running service, and envelopes over the Socket Mode
websocket the service connects out to; Slack's side is the loopback stand-in.
(The same for Teams: tests/bot/test_teams_turn.py.)
"""
from __future__ import annotations

import asyncio
from typing import Any

from sqlalchemy.orm import Session

from storage.models import Absence, Case
from tests.bot.turn_support import count, keys
from tests.bot.slack_standin import (FORUM_CHANNEL, SLACK_IDS, block_action, dm_event, event_callback, form_request,
                                    give_slack_ids, slack_app, slash_command, socket_mode_app, text_of, values_for,
                                    view_submission)

PER = SLACK_IDS["per.ek"]
ABSENCE = "frånvaro 6 mars: tandläkare"  # Maria Lind, the coordinator, is told of it


class Crash(Exception):
    """The process dying after the turn's key was written and before its command committed."""


def crash_once(read: Any) -> Any:
    """Wrap a module's command reader so that the first turn dies inside its transaction, right after
    the key was recorded (the reader runs after the record, before the command)."""
    crashed: list[bool] = []

    def reader(*args: Any) -> Any:
        def text(session: Session) -> str:
            if not crashed:
                crashed.append(True)
                raise Crash("killed between the record and the command")
            found = read(*args)
            return found(session) if callable(found) else found

        return text

    return reader


# ------------------------------------------------------------------------------------ Slack


def test_a_slash_command_retried_after_a_crash_between_its_record_and_its_command_is_answered(
        network, engine, monkeypatch) -> None:
    import bot.slack.app as slack_app_module

    give_slack_ids(network)
    before = count(network, Case)
    monkeypatch.setattr(slack_app_module, "command_reader", crash_once(slack_app_module.command_reader))

    async def go() -> None:
        async with slack_app(network, engine) as h:
            fields = slash_command("/anmal", "ärende Tolktjänster efter krasch; forum: lchnv", user=PER,
                                   response_url=h.standin.response_url("anmal"))
            body, headers = form_request(fields)
            assert (await h.post(body, headers)).status == 200
            await h.idle()
            assert keys(network, "slack:sig:") == []  # the record went with the command that never ran
            assert count(network, Case) == before
            # The same request again, same signature: it is run and answered now.
            assert (await h.post(body, headers)).status == 200
            await h.idle()
            answers = h.standin.of("response_url")
            assert "Tolktjänster efter krasch" in text_of(answers[-1])
            # … and a third time it is a repeat: acknowledged, nothing run, nothing sent.
            await h.post(body, headers)
            await h.idle()
            await h.standin.settle()
            assert len(h.standin.of("response_url")) == len(answers)

    asyncio.run(go())
    assert count(network, Case) == before + 1
    assert len(keys(network, "slack:sig:")) == 1


def test_a_slack_event_delivered_again_gives_one_answer_and_one_notification(network, engine) -> None:
    give_slack_ids(network)

    async def go() -> None:
        async with slack_app(network, engine, now="2020-03-04T10:00") as h:
            event = dm_event(PER, f"anmäl {ABSENCE}")
            assert (await h.event(event, event_id="Ev0TWICE")).status == 200
            await h.idle()
            for n in (1, 2):  # Slack's retries carry the same event_id
                retry = await h.event(event, event_id="Ev0TWICE",
                                      headers={"X-Slack-Retry-Num": str(n), "X-Slack-Retry-Reason": "http_timeout"})
                assert retry.status == 200
                await h.idle()
            await h.standin.settle()
            to_per = [c for c in h.standin.of("chat.postMessage") if c.args["channel"] == "D0PEREK"]
            to_maria = [c for c in h.standin.of("chat.postMessage") if c.args["channel"] == "D0MARIALIND"]
            assert len(to_per) == 1 and "fredag 6 mars 2020" in text_of(to_per[0])
            assert len(to_maria) == 1 and "Per Ek" in text_of(to_maria[0])
            # The notification never overtakes the answer to the command that caused it.
            assert h.standin.calls.index(to_per[0]) < h.standin.calls.index(to_maria[0])

    asyncio.run(go())
    assert count(network, Absence) == 1
    assert keys(network, "slack:Ev0TWICE") == ["slack:Ev0TWICE"]


def test_a_replayed_slash_command_gives_one_answer_and_one_notification(network, engine) -> None:
    give_slack_ids(network)

    async def go() -> None:
        async with slack_app(network, engine, now="2020-03-04T10:00") as h:
            fields = slash_command("/anmal", ABSENCE, user=PER, response_url=h.standin.response_url("anmal"))
            body, headers = form_request(fields)
            for _ in range(2):
                assert (await h.post(body, headers)).status == 200
                await h.idle()
            await h.standin.settle()
            assert len(h.standin.of("response_url")) == 1
            to_maria = [c for c in h.standin.of("chat.postMessage") if c.args["channel"] == "D0MARIALIND"]
            assert len(to_maria) == 1

    asyncio.run(go())
    assert count(network, Absence) == 1


# ------------------------------------------------------------------------------------ Slack, Socket Mode


def test_a_slash_command_delivered_twice_over_socket_mode_gives_one_answer_and_one_notification(network,
                                                                                               engine) -> None:
    """Socket Mode signs nothing: a slash command is recorded under its trigger_id, the same when Slack delivers
    the envelope again, another for the next time someone types the command."""
    give_slack_ids(network)

    async def go() -> None:
        async with socket_mode_app(network, engine, now="2020-03-04T10:00") as h:
            fields = slash_command("/anmal", ABSENCE, user=PER, response_url=h.standin.response_url("anmal"),
                                   trigger_id="111.222.aaa")
            for attempt in (None, 1):  # the same envelope again, as Slack redelivers one it thinks was lost
                ack = await h.deliver("slash_commands", fields, envelope_id="env-anmal", retry_attempt=attempt)
                assert ack["envelope_id"] == "env-anmal"
            await h.standin.settle()
            [answer] = h.standin.of("response_url")
            assert "fredag 6 mars 2020" in text_of(answer)
            to_maria = [c for c in h.standin.of("chat.postMessage") if c.args["channel"] == "D0MARIALIND"]
            assert len(to_maria) == 1 and "Per Ek" in text_of(to_maria[0])
            # Two real invocations of one command are two turns, each answered.
            for n, trigger in enumerate(("111.222.bbb", "111.222.ccc")):
                await h.deliver("slash_commands", slash_command("/moten", "", user=PER, trigger_id=trigger,
                                                                response_url=h.standin.response_url(f"m{n}")),
                                envelope_id=f"env-moten-{n}")
            await h.standin.settle()
            assert sum("Kommande möten" in text_of(c) for c in h.standin.of("response_url")) == 2

    asyncio.run(go())
    assert count(network, Absence) == 1
    assert sorted(keys(network, "slack:trigger:")) == ["slack:trigger:111.222.aaa", "slack:trigger:111.222.bbb",
                                                       "slack:trigger:111.222.ccc"]


def test_a_button_click_delivered_twice_over_socket_mode_is_run_once(network, engine) -> None:
    give_slack_ids(network)

    async def go() -> None:
        async with socket_mode_app(network, engine, now="2020-03-04T10:00") as h:
            click = block_action(PER, f"anmäl {ABSENCE}", response_url=h.standin.response_url("click"), trigger_id="333.444.aaa")
            for attempt in (None, 1):
                await h.deliver("interactive", click, envelope_id="env-click", retry_attempt=attempt)
            await h.standin.settle()
            [answer] = h.standin.of("response_url")
            assert "fredag 6 mars 2020" in text_of(answer)
            assert len([c for c in h.standin.of("chat.postMessage") if c.args["channel"] == "D0MARIALIND"]) == 1

    asyncio.run(go())
    assert count(network, Absence) == 1
    assert keys(network, "slack:trigger:") == ["slack:trigger:333.444.aaa"]


def test_a_form_submitted_once_and_delivered_twice_over_socket_mode_files_one_case(network, engine) -> None:
    give_slack_ids(network)
    before = count(network, Case)

    async def go() -> None:
        async with socket_mode_app(network, engine) as h:
            await h.deliver("slash_commands", slash_command("/anmal", "ärende", user=PER, channel=FORUM_CHANNEL,
                                                            trigger_id="555.666.aaa",
                                                            response_url=h.standin.response_url("anmal")),
                            envelope_id="env-form")
            [opened] = await h.standin.wait_for(lambda: h.standin.of("views.open"))
            values = values_for(titel="Larmrutin via Socket Mode", syfte="beslut", mote="6 mars", foredragande=None,
                                bilaga=None, beskrivning="Larmrutinen ses över.", forslag="att anta rutinen",
                                forum="lchnv")
            submission = view_submission(PER, opened.args["view"], values, trigger_id="555.666.bbb")
            for attempt in (None, 1):
                ack = await h.deliver("interactive", submission, envelope_id="env-submit", retry_attempt=attempt)
                assert "payload" not in ack or not ack["payload"]  # the modal closes, no errors on a field
            await h.standin.settle()
            dms = [c for c in h.standin.of("chat.postMessage") if c.args["channel"] == "D0PEREK"]
            assert len(dms) == 1 and "Larmrutin via Socket Mode" in text_of(dms[0])

    asyncio.run(go())
    assert count(network, Case) == before + 1


def test_an_event_delivered_twice_over_socket_mode_gives_one_answer(network, engine) -> None:
    """Events keep their event_id as key in Socket Mode too, whatever the envelope."""
    give_slack_ids(network)

    async def go() -> None:
        async with socket_mode_app(network, engine, now="2020-03-04T10:00") as h:
            event = event_callback(dm_event(PER, f"anmäl {ABSENCE}"), event_id="Ev0SOCKET")
            await h.deliver("events_api", event, envelope_id="env-ev-1")
            await h.deliver("events_api", event, envelope_id="env-ev-2", retry_attempt=1)
            await h.standin.settle()
            assert len([c for c in h.standin.of("chat.postMessage") if c.args["channel"] == "D0PEREK"]) == 1

    asyncio.run(go())
    assert count(network, Absence) == 1
