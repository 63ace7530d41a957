"""The Slack app through its real entry point: signed requests into POST /slack/events of the running service.

Outgoing Web API calls and response_url answers go to a loopback stand-in
(tests/bot/slack_standin.py) that records them in order. The store is the
test's rolled-back transaction on SQLite and PostgreSQL.
"""
from __future__ import annotations

import asyncio
import json
import threading
from typing import Any, Callable, Iterator

import pytest
from aiohttp.test_utils import TestClient, TestServer
from slack_sdk.models.views import View
from sqlalchemy import func, select
from sqlalchemy.orm import Session, sessionmaker

from bot.serve import create_app
from handlers import registry
from handlers.base import Context, Reply, UserError
from storage.models import AuditLog, Outbox, Person, ProcessedEvent
from tests.bot.slack_standin import (
    BOT_ID,
    BOT_USER,
    FORUM_CHANNEL,
    SLACK_IDS,
    Harness,
    SlackStandIn,
    block_action,
    buttons_of,
    dm_event,
    event_callback,
    give_slack_ids,
    json_request,
    mention_event,
    services_on,
    slack_app,
    slack_settings,
    slash_command,
    text_of,
    values_for,
    view_submission,
)
from tests.conftest import at

PER = SLACK_IDS["per.ek"]
MARIA = SLACK_IDS["maria.lind"]
KARIN = SLACK_IDS["karin.berg"]


@pytest.fixture
def people(network: sessionmaker[Session]) -> sessionmaker[Session]:
    """The example network with Slack ids for its people."""
    give_slack_ids(network)
    return network


@pytest.fixture
def commands() -> Iterator[Callable[..., None]]:
    """Register a test-only command (or stand in for an existing one) for one test; restored afterwards."""
    saved_index = dict(registry._INDEX)
    saved_list = list(registry._COMMANDS)

    def add(name: str, fn: Callable[[Context, str], Reply]) -> None:
        words = tuple(registry.normalise(name).split())
        registry._INDEX.pop(words, None)
        registry.command(name, usage=f"/{name}", help="endast i test")(fn)

    yield add
    registry._INDEX.clear()
    registry._INDEX.update(saved_index)
    registry._COMMANDS[:] = saved_list


def run(coro: Any) -> Any:
    return asyncio.run(coro)


# ---------------------------------------------------------------------------------------------- slash commands


def test_slash_command_is_acknowledged_and_answered_privately_through_the_response_url(people, engine) -> None:
    async def go() -> None:
        async with slack_app(people, engine) as h:
            resp = await h.slash("/moten")
            assert resp.status == 200
            assert (await resp.text()) == ""
            [answer] = await h.standin.wait_for(lambda: h.standin.of("response_url"))
            assert answer.args["response_type"] == "ephemeral"
            header = answer.args["blocks"][0]
            assert (header["type"], header["text"]["text"]) == ("header", "Kommande möten")
            assert "fredag 6 mars 2020, kl. 9.30–14.00" in text_of(answer)
            assert "Dagordning senast" in text_of(answer)

    run(go())
    with people() as s:
        assert s.scalar(select(Person.last_platform).where(Person.handle == "per.ek")) == "slack"


def test_answers_and_notifications_reuse_one_kept_connection_to_slack(people, engine) -> None:
    """Every Slack call of the process goes over one HTTP session: the answers through the response_url
    and the notifications through the Web API each reuse their connection instead of opening one per call."""
    async def go() -> None:
        async with slack_app(people, engine, now="2020-03-02T09:00") as h:
            for command in ("/moten", "/hjalp", "/uppdrag"):  # (a repeated request would be a replay)
                await h.slash(command)
            await h.slash("/anmal", "frånvaro 6 mars: tandläkare")  # Maria, the recipient, is told by DM
            await h.slash("/dagordning")
            await h.idle()
            answers = h.standin.of("response_url")
            assert len(answers) == 5
            assert len({c.peer for c in answers}) == 1, [c.peer for c in answers]
            api = h.standin.of("conversations.open", "chat.postMessage")
            assert [c.method for c in api] == ["conversations.open", "chat.postMessage"]
            assert len({c.peer for c in api}) == 1
            assert {c.peer for c in api} == {c.peer for c in answers}  # one session, one connection here
            assert h.services.slack.client.session is not None and not h.services.slack.client.session.closed
            session = h.services.slack.client.session
        assert session.closed  # closed when the service stops

    run(go())


@pytest.mark.parametrize(
    ("command", "text", "expected"),
    [
        ("/kansli", "möten", "Kommande möten"),
        ("/möten", "", "Kommande möten"),
        ("/hjalp", "", "Det här kan du skriva till Kansli"),
        ("/hjälp", "", "Det här kan du skriva till Kansli"),
        ("/kansli", "", "Det här kan du skriva till Kansli"),
    ],
)
def test_ascii_swedish_and_umbrella_slash_commands_reach_the_same_commands(people, engine, command, text,
                                                                           expected) -> None:
    async def go() -> str:
        async with slack_app(people, engine) as h:
            assert (await h.slash(command, text)).status == 200
            [answer] = await h.standin.wait_for(lambda: h.standin.of("response_url"))
            return text_of(answer)

    assert expected in run(go())


def test_slash_text_reaches_the_dispatcher_exactly_as_typed_in_the_terminal(people, engine, commands) -> None:
    seen: list[str] = []

    def anmal_franvaro(ctx: Context, args: str) -> Reply:
        seen.append(args)
        return Reply(lines=[f"Noterat: {args}"])

    commands("anmäl frånvaro", anmal_franvaro)

    async def go() -> None:
        async with slack_app(people, engine) as h:
            await h.slash("/anmal", "frånvaro 17 december")
            await h.standin.wait_for(lambda: h.standin.of("response_url"))
            await h.slash("/kansli", "anmäl frånvaro fredag: tandläkare")
            await h.standin.wait_for(lambda: len(h.standin.of("response_url")) == 2)

    run(go())
    assert seen == ["17 december", "fredag: tandläkare"]


def test_a_reply_fit_for_the_channel_is_shown_in_the_channel(people, engine, commands) -> None:
    commands("kanaltest", lambda ctx, args: Reply(title="För alla", lines=["Synlig i kanalen."], private=False))

    async def go() -> list[str]:
        async with slack_app(people, engine) as h:
            await h.slash("/kansli", "kanaltest", channel=FORUM_CHANNEL)
            await h.standin.wait_for(lambda: h.standin.of("response_url"))
            await h.slash("/kansli", "kanaltest", channel="D0PEREK")
            await h.standin.wait_for(lambda: len(h.standin.of("response_url")) == 2)
            return [c.args["response_type"] for c in h.standin.of("response_url")]

    assert run(go()) == ["in_channel", "ephemeral"]


@pytest.mark.parametrize("via, answered_by", [("slash", "response_url"), ("dm", "chat.postMessage")])
def test_a_slow_database_never_delays_the_ack(people, engine, commands, via, answered_by) -> None:
    """The handler holds its transaction until the test has seen the HTTP 200: the acknowledgement cannot wait
    for it, for a slash command as for an event (a DM), which Slack retries unless acknowledged within 3 s."""
    release = threading.Event()
    entered = threading.Event()

    def slow(ctx: Context, args: str) -> Reply:
        entered.set()
        release.wait(timeout=20)
        return Reply(lines=["Klart till slut."])

    commands("långsam", slow)

    async def go() -> None:
        async with slack_app(people, engine) as h:
            if via == "slash":
                resp = await h.slash("/kansli", "långsam")
            else:
                resp = await h.event(dm_event(PER, "långsam"))
            assert resp.status == 200  # acknowledged while the handler is still inside its transaction
            await asyncio.to_thread(entered.wait, 10)
            assert h.standin.of(answered_by) == []
            release.set()
            [answer] = await h.standin.wait_for(lambda: h.standin.of(answered_by))
            assert "Klart till slut." in text_of(answer)

    try:
        run(go())
    finally:
        release.set()


def test_a_long_list_arrives_as_several_messages_each_within_slacks_limit(people, engine, commands) -> None:
    from handlers.base import Section

    commands("lång lista", lambda ctx, args: Reply(
        title="Ärendelista",
        sections=[Section(heading=f"Ärende 2020:{n}", lines=["aktualiserat"], fields=[("Möte", "fredag 6 mars 2020")])
                  for n in range(1, 151)]))

    async def go() -> list[Any]:
        async with slack_app(people, engine) as h:
            await h.slash("/kansli", "lång lista")
            await h.standin.wait_for(lambda: h.standin.of("response_url"))
            await h.standin.settle(25)
            return h.standin.of("response_url")

    pages = run(go())
    assert len(pages) == 4
    for n, page in enumerate(pages, start=1):
        assert len(page.args["blocks"]) <= 50
        assert page.args["blocks"][-1]["elements"][0]["text"] == f"sida {n} av 4"
    text = "\n".join(text_of(p) for p in pages)
    assert "*Ärende 2020:1*" in text and "*Ärende 2020:150*" in text


# ---------------------------------------------------------------------------------------------- security


@pytest.mark.parametrize(
    "sign",
    [
        {"secret": "not-the-signing-secret"},
        {"timestamp": 1_000_000_000},  # far in the past
    ],
    ids=["forged", "stale"],
)
def test_forged_or_stale_requests_are_refused_with_401_and_change_nothing(people, engine, sign) -> None:
    async def go() -> tuple[int, int]:
        async with slack_app(people, engine) as h:
            slash = await h.slash("/moten", **sign)
            body, headers = json_request(event_callback(dm_event(PER, "möten")), **sign)
            event = await h.client.post("/slack/events", data=body.encode(), headers=headers)
            await h.standin.settle()
            assert h.standin.calls == []
            return slash.status, event.status

    assert run(go()) == (401, 401)
    with people() as s:
        assert s.scalar(select(Person.last_platform).where(Person.handle == "per.ek")) is None
        assert s.scalar(select(func.count()).select_from(ProcessedEvent)) == 0


def test_a_request_five_minutes_old_is_refused(people, engine) -> None:
    import time

    async def go() -> int:
        async with slack_app(people, engine) as h:
            return (await h.slash("/moten", timestamp=int(time.time()) - 6 * 60)).status

    assert run(go()) == 401


@pytest.mark.parametrize(
    ("body", "ctype"),
    [
        (json.dumps({"type": "event_callback", "event_id": "Ev1"}), "application/json"),
        (json.dumps([1, 2]), "application/json"),
        ("command=%2Fmoten&user_id=&text=", "application/x-www-form-urlencoded"),
        ("payload=%7Bnot-json", "application/x-www-form-urlencoded"),
        ("token=x&team_id=T1", "application/x-www-form-urlencoded"),
    ],
    ids=["callback-without-event", "json-array", "command-without-user", "payload-not-json", "no-fields"],
)
def test_a_signed_request_that_is_not_a_slack_request_gets_400_and_nothing_happens(people, engine, body,
                                                                                    ctype) -> None:
    from tests.bot.slack_standin import sign

    async def go() -> int:
        async with slack_app(people, engine) as h:
            resp = await h.post(body, {"Content-Type": ctype, **sign(body)})
            await h.standin.settle()
            assert h.standin.calls == []
            return resp.status

    assert run(go()) == 400


def test_url_verification_challenge_is_answered(people, engine) -> None:
    async def go() -> dict[str, Any]:
        async with slack_app(people, engine) as h:
            body, headers = json_request({"token": "x", "challenge": "3eZbrw1aBm2rZgRNFdxV2595E9CY3gmdALWMmHkvFXO7tYXAYM8P",
                                          "type": "url_verification"})
            resp = await h.client.post("/slack/events", data=body.encode(), headers=headers)
            assert resp.status == 200
            return await resp.json()

    assert run(go())["challenge"].startswith("3eZbrw1a")


# ---------------------------------------------------------------------------------------------- DMs and mentions


def test_direct_message_runs_the_command_without_a_slash(people, engine) -> None:
    async def go() -> None:
        async with slack_app(people, engine) as h:
            assert (await h.event(dm_event(PER, "möten"))).status == 200
            [post] = await h.standin.wait_for(lambda: h.standin.of("chat.postMessage"))
            assert post.args["channel"] == "D0PEREK"
            assert "Kommande möten" in text_of(post)
            assert "thread_ts" not in post.args
            # The same in a thread, with a leading mention of the bot: the answer stays in the thread.
            await h.event(dm_event(PER, f"<@{BOT_USER}> /möten", thread_ts="1700000000.000001"))
            posts = await h.standin.wait_for(lambda: (p := h.standin.of("chat.postMessage")) and len(p) == 2 and p)
            assert posts[1].args["thread_ts"] == "1700000000.000001"
            assert "Kommande möten" in text_of(posts[1])

    run(go())


def test_a_turn_deletes_no_old_event_records(people, engine) -> None:
    # Forgetting handled events is the scheduler's work (bot.scheduler.prune), never a user's turn.
    from datetime import datetime, timezone

    with people() as s:
        s.add(ProcessedEvent(event_key="slack:Ev-ancient", at=datetime(2000, 1, 1, tzinfo=timezone.utc)))
        s.commit()

    async def go() -> None:
        async with slack_app(people, engine) as h:
            await h.event(dm_event(PER, "möten"))
            await h.standin.wait_for(lambda: h.standin.of("chat.postMessage"))

    run(go())
    with people() as s:
        keys = set(s.scalars(select(ProcessedEvent.event_key)))
    assert "slack:Ev-ancient" in keys
    assert len(keys) >= 2  # this event (and its request signature) recorded beside it


def test_mention_in_a_forum_channel_answers_the_asker_privately_in_that_channel(people, engine, commands) -> None:
    seen: list[str] = []

    def kanal(ctx: Context, args: str) -> Reply:
        seen.append(ctx.forum.key if ctx.forum else "-")
        return Reply(lines=["Bara för dig."])

    commands("vilket forum", kanal)

    async def go() -> None:
        async with slack_app(people, engine) as h:
            await h.event(mention_event(PER, f"<@{BOT_USER}> vilket forum"))
            [eph] = await h.standin.wait_for(lambda: h.standin.of("chat.postEphemeral"))
            assert (eph.args["channel"], eph.args["user"]) == (FORUM_CHANNEL, PER)
            assert "Bara för dig." in text_of(eph)
            assert h.standin.of("chat.postMessage") == []

    run(go())
    assert seen == ["lchnv"]  # the channel's forum reaches the handler


def test_mention_with_a_reply_for_everyone_is_posted_in_the_thread(people, engine, commands) -> None:
    commands("kanaltest", lambda ctx, args: Reply(title="För alla", lines=["Synlig i kanalen."], private=False))

    async def go() -> None:
        async with slack_app(people, engine) as h:
            await h.event(mention_event(PER, f"<@{BOT_USER}>: kanaltest", thread_ts="1700000000.000009"))
            [post] = await h.standin.wait_for(lambda: h.standin.of("chat.postMessage"))
            assert (post.args["channel"], post.args["thread_ts"]) == (FORUM_CHANNEL, "1700000000.000009")

    run(go())


def test_mentions_of_people_become_handles_and_unknown_ones_stay(people, engine, commands) -> None:
    seen: list[str] = []

    def echo(ctx: Context, args: str) -> Reply:
        seen.append(args)
        return Reply(lines=["ok"])

    commands("eko", echo)

    async def go() -> None:
        async with slack_app(people, engine) as h:
            await h.event(dm_event(PER, f"eko <@{MARIA}> och <@U0NOBODY|okänd> &lt;x&gt; <https://example.se/a.pdf>"))
            await h.standin.wait_for(lambda: h.standin.of("chat.postMessage"))
            await h.slash("/kansli", f"eko <@{KARIN}|karin> <#C01LCHNV|lchnv>")
            await h.standin.wait_for(lambda: h.standin.of("response_url"))

    run(go())
    assert seen == ["@maria.lind och <@U0NOBODY|okänd> <x> https://example.se/a.pdf", "@karin.berg #lchnv"]


def test_retried_event_is_handled_once(people, engine, commands) -> None:
    count: list[str] = []

    def once(ctx: Context, args: str) -> Reply:
        count.append(args)
        return Reply(lines=["Gjort."])

    commands("en gång", once)

    async def go() -> None:
        async with slack_app(people, engine) as h:
            event = dm_event(PER, "en gång")
            assert (await h.event(event, event_id="Ev0RETRY")).status == 200
            await h.standin.wait_for(lambda: h.standin.of("chat.postMessage"))
            for n in (1, 2):
                retry = await h.event(event, event_id="Ev0RETRY",
                                      headers={"X-Slack-Retry-Num": str(n), "X-Slack-Retry-Reason": "http_timeout"})
                assert retry.status == 200
                await h.standin.settle(25)
            assert len(h.standin.of("chat.postMessage")) == 1

    run(go())
    assert count == [""]
    with people() as s:
        assert s.scalar(select(ProcessedEvent.event_key).where(ProcessedEvent.event_key == "slack:Ev0RETRY"))


def test_retries_arriving_together_are_handled_once(tmp_path, commands) -> None:
    """Slack's retries can overlap the first delivery: on a real store with real commits, one of them wins."""
    from bot.app import build
    from storage.network import apply, load_file
    from tests.conftest import EXAMPLE

    # Count what the command committed, not how often it ran: on SQLite a write conflict makes the
    # dispatcher roll back and run a command again, which is invisible to users.
    commands("en gång", lambda ctx, args: (ctx.audit("test.once", "test", None), Reply(lines=["Gjort."]))[1])
    handled: list[int] = []

    async def go() -> None:
        standin = await SlackStandIn().start()
        services = build(slack_settings(standin, database_url=f"sqlite:///{tmp_path / 'k.db'}"),
                         clock=lambda: at("2020-02-20T09:00"))
        with services.sessionmaker() as s:
            apply(s, load_file(str(EXAMPLE)), now=at("2020-01-01T09:00"))
            s.commit()
        give_slack_ids(services.sessionmaker)
        try:
            async with TestClient(TestServer(create_app(services), host="127.0.0.1")) as client:
                h = Harness(standin, client, services, sequential=False)
                event = dm_event(PER, "en gång")
                statuses = await asyncio.gather(*[
                    h.event(event, event_id="Ev0TOGETHER", headers={"X-Slack-Retry-Num": str(n)} if n else None)
                    for n in range(4)
                ])
                assert [r.status for r in statuses] == [200] * 4
                await standin.wait_for(lambda: standin.of("chat.postMessage"))
                await standin.settle(25)
                assert len(standin.of("chat.postMessage")) == 1
            with services.sessionmaker() as s:
                handled.append(s.scalar(select(func.count()).select_from(AuditLog)
                                        .where(AuditLog.action == "test.once")) or 0)
        finally:
            await standin.close()
            services.engine.dispose()

    run(go())
    assert handled == [1]


def test_the_bot_ignores_its_own_messages_and_other_bots(people, engine, commands) -> None:
    count: list[str] = []
    commands("eko", lambda ctx, args: (count.append(args), Reply(lines=["ok"]))[1])

    async def go() -> None:
        async with slack_app(people, engine) as h:
            await h.event(dm_event(BOT_USER, "eko ett", bot_id=BOT_ID, channel="D0PEREK"))
            await h.event(dm_event(PER, "eko två", subtype="bot_message", bot_id="B0OTHER"))
            await h.event(dm_event(PER, "eko tre", subtype="message_changed"))
            await h.event(dm_event(PER, "eko fyra", channel_type="channel", channel=FORUM_CHANNEL))
            await h.event(mention_event(BOT_USER, f"<@{BOT_USER}> eko fem", bot_id=BOT_ID))
            await h.standin.settle(25)
            assert h.standin.answers() == []

    run(go())
    assert count == []


def test_an_unknown_slack_user_gets_a_swedish_answer_and_nothing_else_happens(people, engine) -> None:
    async def go() -> list[str]:
        async with slack_app(people, engine) as h:
            await h.slash("/anmal", "frånvaro 6 mars", user="U0NOBODY")
            [answer] = await h.standin.wait_for(lambda: h.standin.of("response_url"))
            assert answer.args["response_type"] == "ephemeral"
            await h.event(dm_event("U0NOBODY", "möten"))
            await h.standin.wait_for(lambda: h.standin.of("chat.postMessage"))
            await h.standin.settle()
            assert h.standin.of("conversations.open", "views.open", "chat.postEphemeral") == []
            return [text_of(c) for c in h.standin.answers()]

    texts = run(go())
    assert len(texts) == 2
    for text in texts:
        assert "Kansli känner inte igen dig" in text
        assert "U0NOBODY" in text
    with people() as s:
        assert s.scalar(select(func.count()).select_from(Outbox)) == 0
        assert s.scalar(select(func.count()).select_from(AuditLog)) == 0


# ---------------------------------------------------------------------------------------------- buttons


def test_a_button_runs_its_command_as_the_person_who_clicked(people, engine) -> None:
    async def go() -> None:
        async with slack_app(people, engine) as h:
            resp = await h.interact(block_action(MARIA, "möten", response_url=h.standin.response_url("btn"),
                                                 channel="D0MARIALIND"))
            assert resp.status == 200
            [answer] = await h.standin.wait_for(lambda: h.standin.of("response_url"))
            assert answer.args["response_type"] == "ephemeral"
            assert answer.args["replace_original"] is False
            assert "Kommande möten" in text_of(answer)

    run(go())
    with people() as s:
        assert s.scalar(select(Person.last_platform).where(Person.handle == "maria.lind")) == "slack"


def test_notifications_carry_their_actions_as_buttons_and_a_click_runs_them(people, engine, commands) -> None:
    """A handler's message to the coordinator arrives by DM with buttons; clicking one runs its command."""
    from handlers.base import Action
    from storage import queries

    clicked: list[tuple[str, str]] = []

    def nytt(ctx: Context, args: str) -> Reply:
        maria = queries.person_by_handle(ctx.session, "maria.lind")
        note = Reply(title="Nytt ärende 2020:8", lines=[f"Från {ctx.person.name}: {args}"],
                     actions=[Action("Lägg på dagordningen", "beredning 2020:8 dagordning", "primary"),
                              Action("Åter för beredning", "beredning 2020:8 åter")])
        ctx.notify_person(maria, note, kind="case_raised", key="2020:8")
        return Reply(lines=["Skickat."])

    def beredning(ctx: Context, args: str) -> Reply:
        clicked.append((ctx.person.handle, args))
        if args.strip() == "2020:8 åter":
            message = "Skriv varför ärende 2020:8 går åter för beredning: /beredning 2020:8 åter SKÄL."
            raise UserError(message, reply=Reply(lines=[message], ok=False, form="reason",
                                                 form_values={"command": "beredning 2020:8 åter", "label": "Skäl"}))
        return Reply(lines=[f"Ärende {args}."])

    commands("nytt test", nytt)
    commands("beredning", beredning)

    async def go() -> None:
        async with slack_app(people, engine) as h:
            await h.slash("/kansli", "nytt test Ny rutin")
            dm = await h.standin.wait_for(
                lambda: [c for c in h.standin.of("chat.postMessage") if c.args["channel"] == "D0MARIALIND"])
            [opened] = h.standin.of("conversations.open")
            assert opened.args["users"] == MARIA
            labels = [(b["text"]["text"], b["value"]) for b in buttons_of(dm[0])]
            assert labels == [("Lägg på dagordningen", "beredning 2020:8 dagordning"),
                              ("Åter för beredning", "beredning 2020:8 åter")]
            button = buttons_of(dm[0])[0]
            await h.interact(block_action(MARIA, button["value"], action_id=button["action_id"],
                                          response_url=h.standin.response_url("click"), channel="D0MARIALIND"))
            await h.standin.wait_for(lambda: h.standin.of("response_url") and
                                     any("Ärende 2020:8 dagordning" in text_of(c) for c in h.standin.of("response_url")))
            # "Åter för beredning" needs a reason: the click opens a modal asking for it.
            button = buttons_of(dm[0])[1]
            await h.interact(block_action(MARIA, button["value"], action_id=button["action_id"],
                                          response_url=h.standin.response_url("click2"), channel="D0MARIALIND"))
            [opened] = await h.standin.wait_for(lambda: h.standin.of("views.open"))
            view = opened.args["view"]
            View(**view).validate_json()
            assert view["callback_id"] == "kansli_reason_form"
            resp = await h.interact(view_submission(MARIA, view, {"orsak": {"value": {
                "type": "plain_text_input", "value": "underlaget behöver\nförankras"}}}))
            assert (await resp.text()) == ""
            await h.standin.wait_for(lambda: any("förankras" in text_of(c) for c in h.standin.of("chat.postMessage")))

    run(go())
    assert clicked == [("maria.lind", "2020:8 dagordning"), ("maria.lind", "2020:8 åter"),
                       ("maria.lind", "2020:8 åter underlaget behöver förankras")]
    with people() as s:
        row = s.scalars(select(Outbox)).one()
        assert (row.status, row.transport) == ("sent", "slack")


# ---------------------------------------------------------------------------------------------- the case modal


def _case_handler(seen: list[str]) -> Callable[[Context, str], Reply]:
    def anmal_arende(ctx: Context, args: str) -> Reply:
        if not args.strip():
            return Reply(form="case", form_values={"titel": ""})
        seen.append(args)
        if "blåmåndag" in args:
            raise UserError("Jag förstår inte datumet 'blåmåndag'. Skriv mötets datum, till exempel 6 mars.")
        return Reply(title="Ärende 2020:8 anmält", lines=[args.split(";")[0]])

    return anmal_arende


def test_anmal_arende_without_text_opens_the_case_modal_and_submitting_raises_the_case(people, engine,
                                                                                       commands) -> None:
    seen: list[str] = []
    commands("anmäl ärende", _case_handler(seen))

    async def go() -> None:
        async with slack_app(people, engine) as h:
            await h.slash("/anmal", "ärende", channel=FORUM_CHANNEL)
            [opened] = await h.standin.wait_for(lambda: h.standin.of("views.open"))
            assert h.standin.of("response_url") == []
            view = opened.args["view"]
            View(**view).validate_json()  # a modal Slack accepts
            assert view["callback_id"] == "kansli_case_form"
            ids = [b["block_id"] for b in view["blocks"]]
            # per.ek sits in two forums, so the form asks which
            assert ids == ["titel", "syfte", "mote", "foredragande", "bilaga", "beskrivning", "forslag", "forum"]
            syfte = view["blocks"][1]["element"]
            assert [o["value"] for o in syfte["options"]] == ["information", "diskussion", "beslut"]
            assert view["blocks"][3]["element"]["type"] == "users_select"
            assert view["blocks"][-1]["element"]["initial_option"]["value"] == "lchnv"  # asked in lchnv's channel

            values = values_for(titel="Ny rutin; för larm", syfte="beslut", mote="6 mars", foredragande=MARIA,
                                bilaga="https://example.se/rutin.pdf",
                                beskrivning="Larmrutinen ses över.\nSe bilagan.", forslag="att anta rutinen",
                                forum="lchnv")
            resp = await h.interact(view_submission(PER, view, values))
            assert resp.status == 200
            assert (await resp.text()) == ""  # closes the modal
            [dm] = await h.standin.wait_for(lambda: h.standin.of("chat.postMessage"))
            assert dm.args["channel"] == "D0PEREK"
            assert "Ärende 2020:8 anmält" in text_of(dm)

    run(go())
    assert seen == ["Ny rutin, för larm; syfte: beslut; möte: 6 mars; föredragande: @maria.lind; "
                    "bilaga: https://example.se/rutin.pdf; beskrivning: Larmrutinen ses över. Se bilagan.; "
                    "förslag: att anta rutinen; forum: lchnv"]


def test_a_refused_case_form_shows_the_reason_on_the_field(people, engine, commands) -> None:
    seen: list[str] = []
    commands("anmäl ärende", _case_handler(seen))

    async def go() -> tuple[dict[str, Any], dict[str, Any]]:
        async with slack_app(people, engine) as h:
            await h.slash("/anmal", "ärende")
            [opened] = await h.standin.wait_for(lambda: h.standin.of("views.open"))
            view = opened.args["view"]
            bad_date = await h.interact(view_submission(PER, view, values_for(titel="Ny rutin", syfte="beslut",
                                                                                mote="blåmåndag")))
            unknown = await h.interact(view_submission(PER, view, values_for(titel="Ny rutin", syfte="beslut",
                                                                              foredragande="U0NOBODY")))
            await h.standin.settle()
            assert h.standin.of("chat.postMessage") == []  # the modal stays open; nothing else is sent
            return await bad_date.json(), await unknown.json()

    bad_date, unknown = run(go())
    assert bad_date["response_action"] == "errors"
    assert "blåmåndag" in bad_date["errors"]["mote"]
    assert unknown["response_action"] == "errors"
    assert "finns inte i Kansli" in unknown["errors"]["foredragande"]
    assert len(seen) == 1  # the unknown presenter never reached the handler


def test_case_form_asked_for_in_a_dm_offers_a_button_that_opens_it(people, engine, commands) -> None:
    commands("anmäl ärende", _case_handler([]))

    async def go() -> None:
        async with slack_app(people, engine) as h:
            await h.event(dm_event(PER, "anmäl ärende"))
            [post] = await h.standin.wait_for(lambda: h.standin.of("chat.postMessage"))
            [button] = buttons_of(post)
            assert (button["text"]["text"], button["value"]) == ("Öppna formuläret", "anmäl ärende")
            await h.interact(block_action(PER, button["value"], action_id=button["action_id"],
                                          response_url=h.standin.response_url("b")))
            await h.standin.wait_for(lambda: h.standin.of("views.open"))

    run(go())


# ---------------------------------------------------------------------------------------------- App Home


def test_app_home_shows_next_meetings_assignments_and_absences(people, engine) -> None:
    async def go() -> None:
        async with slack_app(people, engine) as h:
            await h.event({"type": "app_home_opened", "user": PER, "channel": "D0PEREK", "tab": "home",
                           "event_ts": "1700000400.000400"})
            [pub] = await h.standin.wait_for(lambda: h.standin.of("views.publish"))
            assert pub.args["user_id"] == PER
            view = pub.args["view"]
            assert view["type"] == "home"
            View(**view).validate_json()
            text = text_of(pub)
            for words in ("Översikt för Per Ek", "Dina nästa möten", "fredag 21 februari 2020, kl. 13.00–15.00",
                          "Dina öppna uppdrag", "Din anmälda frånvaro"):
                assert words in text
            values = [b["value"] for b in buttons_of(pub)]
            assert "anmäl frånvaro 2020-03-06; forum: lchnv" in values
            # The messages tab opening is no reason to publish.
            await h.event({"type": "app_home_opened", "user": PER, "channel": "D0PEREK", "tab": "messages",
                           "event_ts": "1700000401.000400"})
            await h.standin.settle()
            assert len(h.standin.of("views.publish")) == 1

    run(go())


def test_a_button_on_the_home_tab_answers_by_dm_and_refreshes_the_tab(people, engine) -> None:
    async def go() -> None:
        async with slack_app(people, engine) as h:
            await h.interact(block_action(PER, "möten", response_url=None, channel=None,
                                          container={"type": "view", "view_id": "V0KANSLI"},
                                          view={"id": "V0KANSLI", "type": "home"}))
            [dm] = await h.standin.wait_for(lambda: h.standin.of("chat.postMessage"))
            assert dm.args["channel"] == "D0PEREK" and "Kommande möten" in text_of(dm)
            await h.standin.wait_for(lambda: h.standin.of("views.publish"))

    run(go())


def test_app_home_for_an_unknown_user_explains_how_to_be_added(people, engine) -> None:
    async def go() -> str:
        async with slack_app(people, engine) as h:
            await h.event({"type": "app_home_opened", "user": "U0NOBODY", "tab": "home", "event_ts": "1.2"})
            [pub] = await h.standin.wait_for(lambda: h.standin.of("views.publish"))
            return text_of(pub)

    assert "Kansli känner inte igen dig" in run(go())


# ---------------------------------------------------------------------------------------------- wiring


def test_without_a_bot_token_there_is_no_slack_endpoint(people, engine) -> None:
    from bot.config import Settings
    from tests.bot.slack_standin import services_on as make

    services = make(people, engine, Settings(KANSLI_DATABASE_URL="sqlite://"), lambda: at("2020-02-20T09:00"))

    async def go() -> int:
        async with TestClient(TestServer(create_app(services))) as client:
            return (await client.post("/slack/events", data=b"{}")).status

    assert run(go()) in (404, 405)
    assert "slack" not in [t.name for t in services.transports]


def test_setup_adds_the_slack_transport(people, engine) -> None:
    async def go() -> list[str]:
        async with slack_app(people, engine) as h:
            return [t.name for t in h.services.transports]

    assert run(go()).count("slack") == 1


def test_auth_test_goes_to_the_configured_api_url_with_the_bot_token(people, engine) -> None:
    async def go() -> None:
        async with slack_app(people, engine) as h:
            await h.slash("/moten")
            await h.standin.wait_for(lambda: h.standin.of("response_url"))
            [auth] = h.standin.of("auth.test")
            assert auth.headers["Authorization"] == "Bearer xoxb-kansli-test"

    run(go())


def test_json_payloads_are_valid_json_for_slack(people, engine) -> None:
    """Every block posted is what slack_sdk's models produce (types Slack knows, texts within limits)."""
    from slack_sdk.models.blocks import Block

    async def go() -> list[dict[str, Any]]:
        async with slack_app(people, engine) as h:
            await h.slash("/hjalp")
            [answer] = await h.standin.wait_for(lambda: h.standin.of("response_url"))
            return answer.args["blocks"]

    blocks = run(go())
    assert len(blocks) <= 50
    for raw in blocks:
        parsed = Block.parse(raw)
        assert parsed is not None
        parsed.validate_json()
        assert json.loads(json.dumps(raw)) == raw


# ---------------------------------------------------------------------------------------------- Socket Mode


def test_socket_mode_receives_commands_over_the_websocket(people, engine) -> None:
    """With SLACK_APP_TOKEN (and no signing secret) kansli connects out over Socket Mode instead of listening."""
    from aiohttp import WSMsgType, web

    async def go() -> None:
        standin = await SlackStandIn().start()
        acks: list[dict[str, Any]] = []

        async def script(request: web.Request) -> web.WebSocketResponse:
            ws = web.WebSocketResponse(autoping=True)
            await ws.prepare(request)
            await ws.send_json({"type": "hello", "num_connections": 1, "connection_info": {"app_id": "A0KANSLI"}})
            fields = slash_command("/moten", "", user=PER, response_url=standin.response_url("socket"))
            await ws.send_json({"envelope_id": "env-1", "type": "slash_commands", "accepts_response_payload": True,
                                "payload": fields})
            async for msg in ws:
                if msg.type == WSMsgType.TEXT:
                    acks.append(json.loads(msg.data))
            return ws

        standin.ws_handler = script
        services = services_on(people, engine, slack_settings(standin, SLACK_SIGNING_SECRET="",
                                                              SLACK_APP_TOKEN="xapp-1-A0KANSLI-test"),
                               lambda: at("2020-02-20T09:00"))
        try:
            async with TestClient(TestServer(create_app(services), host="127.0.0.1")) as client:
                [answer] = await standin.wait_for(lambda: standin.of("response_url"))
                assert "Kommande möten" in text_of(answer)
                await standin.wait_for(lambda: acks)
                assert [a["envelope_id"] for a in acks] == ["env-1"]
                [opened] = standin.of("apps.connections.open")
                assert opened.headers["Authorization"] == "Bearer xapp-1-A0KANSLI-test"
                # no HTTP endpoint without a signing secret
                assert (await client.post("/slack/events", data=b"{}")).status in (404, 405)
        finally:
            await standin.close()

    run(go())
