"""Slack probed as an attacker would: replays, bodies built to crash the parser, agendas shown where they
should not be. Signed requests go into the running service; Slack's side is the loopback stand-in."""
from __future__ import annotations

import asyncio
import json

from sqlalchemy import func, select

from bot.dispatch import Identity
from storage.models import Case
from tests.bot.slack_standin import (
    FORUM_CHANNEL,
    SLACK_IDS,
    block_action,
    form_request,
    give_slack_ids,
    interactive,
    sign,
    slack_app,
    slash_command,
)


PER = SLACK_IDS["per.ek"]
RANDOM = "C0RANDOM"  # a channel that is no forum's


def cases(maker) -> int:  # type: ignore[no-untyped-def]
    with maker() as s:
        return s.scalar(select(func.count()).select_from(Case))


def test_the_same_signed_slash_command_sent_twice_raises_one_case(network, engine) -> None:
    give_slack_ids(network)
    before = cases(network)

    async def go() -> list[int]:
        async with slack_app(network, engine) as h:
            fields = slash_command("/anmal", "ärende Upphandling av tolktjänster; forum: lchnv", user=PER,
                                   response_url=h.standin.response_url("anmal"))
            body, headers = form_request(fields)
            first = await h.post(body, headers)
            await h.standin.wait_for(lambda: h.standin.of("response_url"))
            second = await h.post(body, headers)
            await h.idle()
            await h.standin.settle()
            assert len(h.standin.of("response_url")) == 1
            return [first.status, second.status]

    assert asyncio.run(go()) == [200, 200]  # the replay is acknowledged …
    assert cases(network) == before + 1  # … and ignored


def test_the_same_button_click_sent_twice_has_one_effect(network, engine) -> None:
    give_slack_ids(network)
    before = cases(network)

    async def go() -> list[int]:
        async with slack_app(network, engine) as h:
            payload = block_action(PER, "anmäl ärende Knappen trycktes; forum: lchnv", response_url=h.standin.response_url("b"))
            body, headers = interactive(payload)
            first = await h.post(body, headers)
            await h.standin.wait_for(lambda: h.standin.of("response_url"))
            second = await h.post(body, headers)
            await h.idle()
            await h.standin.settle()
            assert len(h.standin.of("response_url")) == 1
            return [first.status, second.status]

    assert asyncio.run(go()) == [200, 200]
    assert cases(network) == before + 1


def test_a_100000_deep_json_body_is_refused_with_400(network, engine) -> None:
    deep = "[" * 100_000 + "]" * 100_000

    async def go() -> list[int]:
        async with slack_app(network, engine) as h:
            body, headers = form_request({"payload": deep})
            interactivity = await h.post(body, headers)
            event_body = '{"type": "event_callback", "event": ' + deep + "}"
            events = await h.post(event_body, {"Content-Type": "application/json", **sign(event_body)})
            return [interactivity.status, events.status]

    assert asyncio.run(go()) == [400, 400]


def test_dagordning_in_a_channel_is_private_unless_published_and_asked_in_its_forums_channel(network,
                                                                                              engine) -> None:
    give_slack_ids(network)

    async def ask(h, channel: str, when: str) -> str:  # type: ignore[no-untyped-def]
        n = len(h.standin.of("response_url"))
        await h.slash("/dagordning", f"{when}; forum: lchnv", channel=channel)
        calls = await h.standin.wait_for(lambda: h.standin.of("response_url")[n:])
        return calls[0].args["response_type"]

    async def go() -> list[str]:
        async with slack_app(network, engine) as h:
            draft = [await ask(h, RANDOM, "6 mars"), await ask(h, FORUM_CHANNEL, "6 mars")]
            await h.idle()
            published = await asyncio.to_thread(h.services.dispatcher.run, "publicera dagordning 6 mars",
                                                identity=Identity(handle="maria.lind"))
            assert published.reply.ok
            # (another wording each time: the same signed request twice would be a replay)
            return draft + [await ask(h, RANDOM, "2020-03-06"), await ask(h, FORUM_CHANNEL, "2020-03-06")]

    assert asyncio.run(go()) == ["ephemeral", "ephemeral", "ephemeral", "in_channel"]
