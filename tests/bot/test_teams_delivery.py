"""Teams delivery: notifications reach people and forum channels from stored conversation references."""
from __future__ import annotations

import pytest
from sqlalchemy import select

from bot.teams import ConversationLimiter
from handlers.base import Reply, Section
from storage import outbox
from storage.models import ConversationRef, Forum, Outbox
from tests.bot.test_teams import (  # noqa: F401 - fixtures are used by name
    CHANNEL,
    KARIN,
    MARIA,
    NOW,
    assert_card_ok,
    connector,
    kansli,
    make_services,
    person_id,
    refs,
    run,
    teams,
    teams_sdk,
    teams_store,
)


def enqueue(maker, *, key: str, reply: Reply, handle: str | None = None, forum: str | None = None) -> int:  # type: ignore[no-untyped-def]
    with maker() as s:
        forum_id = s.scalar(select(Forum.id).where(Forum.key == forum)) if forum else None
        row_id = outbox.enqueue(s, key=key, kind="test", payload=reply.to_dict(), now=NOW,
                                person_id=person_id(maker, handle) if handle else None, forum_id=forum_id)
        s.commit()
    assert row_id is not None
    return row_id


def row(maker, row_id: int) -> Outbox:  # type: ignore[no-untyped-def]
    with maker() as s:
        return s.get(Outbox, row_id)


NOTICE = Reply(lines=["Per Ek har anmält frånvaro till mötet fredag 6 mars 2020."])


def test_a_stored_reference_reaches_the_person_after_a_restart(teams_store, engine) -> None:
    async def go():
        async with connector() as (standin, url):
            # Maria writes to kansli once; the service then stops.
            first = make_services(teams_store, engine)
            async with kansli(first, standin, url) as h:
                await h.say("möten", user=MARIA)
            written = len(standin.calls)
            # A fresh process on the same store delivers a notification to her.
            second = make_services(teams_store, engine)
            async with kansli(second, standin, url):
                row_id = enqueue(teams_store, key="restart:1", reply=NOTICE, handle="maria.lind")
                counts = await second.deliverer.deliver([row_id])
            return standin.calls[written:], counts, row_id

    calls, counts, row_id = run(go())
    assert counts["sent"] == 1
    assert len(calls) == 1
    assert calls[0].conversation == f"a:personal-{MARIA['id']}"
    assert calls[0].reply_to is None  # a new message in her chat, not a reply
    assert "fredag 6 mars 2020" in calls[0].text
    sent = row(teams_store, row_id)
    assert (sent.status, sent.transport) == ("sent", "teams")


def test_without_a_reference_the_message_waits_in_the_outbox(teams_store, engine) -> None:
    services = make_services(teams_store, engine)

    async def go():
        async with teams(services) as h:
            row_id = enqueue(teams_store, key="wait:1", reply=NOTICE, handle="per.ek")
            counts = await services.deliverer.deliver([row_id])
            return counts, row_id, h.standin.calls

    counts, row_id, calls = run(go())
    assert counts["waiting"] == 1
    assert calls == []
    waiting = row(teams_store, row_id)
    assert waiting.status == "pending" and waiting.attempts == 0
    assert "per.ek" in (waiting.last_error or "")


@pytest.mark.parametrize("status", [429, 412, 502, 504])
def test_a_throttled_or_failed_post_is_retried_and_delivered_once(teams_store, engine, status: int) -> None:
    services = make_services(teams_store, engine)

    async def go():
        async with teams(services) as h:
            await h.post(h.act("conversationUpdate", user=MARIA, members_added=[{"id": "28:kansli-bot"}]))
            before, tried = len(h.standin.calls), h.standin.attempts
            h.standin.failures = [status]
            row_id = enqueue(teams_store, key=f"retry:{status}", reply=NOTICE, handle="maria.lind")
            counts = await services.deliverer.deliver([row_id])
            return counts, h.standin.calls[before:], h.standin.attempts - tried, row_id

    counts, calls, attempts, row_id = run(go())
    assert counts["sent"] == 1
    assert len(calls) == 1
    assert attempts == 2  # the refused post and the one that went through
    assert row(teams_store, row_id).status == "sent"


def test_a_post_throttled_every_time_stays_in_the_outbox_for_later(teams_store, engine) -> None:
    services = make_services(teams_store, engine)

    async def go():
        async with teams(services) as h:
            await h.say("möten", user=MARIA)
            h.standin.failures = [429] * 10
            row_id = enqueue(teams_store, key="retry:many", reply=NOTICE, handle="maria.lind")
            counts = await services.deliverer.deliver([row_id])
            return counts, row_id, h.standin.failures

    counts, row_id, left = run(go())
    assert counts["failed"] == 1
    assert len(left) == 10 - services.teams.retry.attempts  # bounded: gave up after the set attempts
    later = row(teams_store, row_id)
    assert later.status == "pending" and later.attempts == 1 and "429" in (later.last_error or "")


def test_a_conversation_teams_no_longer_has_is_forgotten_and_the_message_waits(teams_store, engine) -> None:
    services = make_services(teams_store, engine)

    async def go():
        async with teams(services) as h:
            await h.say("möten", user=MARIA)
            h.standin.failures = [403]
            row_id = enqueue(teams_store, key="gone:1", reply=NOTICE, handle="maria.lind")
            first = await services.deliverer.deliver([row_id])
            return first, row_id

    first, row_id = run(go())
    assert first["failed"] == 1
    assert ("person", str(person_id(teams_store, "maria.lind"))) not in refs(teams_store)
    assert row(teams_store, row_id).status == "pending"


def test_forum_notices_start_a_new_post_in_the_forum_channel(teams_store, engine) -> None:
    services = make_services(teams_store, engine)
    agenda = Reply(title="Dagordning – LCHNV", lines=["fredag 6 mars 2020, kl. 9.30–14.00"],
                   sections=[Section(heading="1. Mötets öppnande")], private=False)

    async def go():
        async with teams(services) as h:
            await h.post(h.act("conversationUpdate", user=KARIN, scope="channel",
                               members_added=[{"id": "28:kansli-bot"}]))
            before = len(h.standin.calls)
            row_id = enqueue(teams_store, key="forum:1", reply=agenda, forum="lchnv")
            counts = await services.deliverer.deliver([row_id])
            return counts, h.standin.calls[before:]

    counts, calls = run(go())
    assert counts["sent"] == 1
    assert [(c.conversation, c.reply_to) for c in calls] == [(CHANNEL, None)]
    assert_card_ok(calls[0].cards[0])
    assert "fredag 6 mars 2020" in calls[0].words()


def test_reminders_in_bulk_keep_to_the_per_conversation_rate(teams_store, engine) -> None:
    """Five reminders into one channel: three go at once, then one per second; another chat is not held up."""
    services = make_services(teams_store, engine)
    clock = [0.0]
    waits: list[float] = []

    async def fake_sleep(seconds: float) -> None:
        waits.append(seconds)
        clock[0] += seconds

    async def go():
        async with teams(services) as h:
            await h.post(h.act("conversationUpdate", user=KARIN, scope="channel",
                               members_added=[{"id": "28:kansli-bot"}]))
            await h.say("möten", user=MARIA)
            h.component.limiter = ConversationLimiter(burst=3, per_second=1.0, clock=lambda: clock[0],
                                                      sleep=fake_sleep)
            ids = [enqueue(teams_store, key=f"bulk:{i}", reply=Reply(lines=[f"Påminnelse {i}"]), forum="lchnv")
                   for i in range(5)]
            await services.deliverer.deliver(ids)
            channel_waits = list(waits)
            waits.clear()
            await services.deliverer.deliver([enqueue(teams_store, key="bulk:maria", reply=NOTICE,
                                                      handle="maria.lind")])
            return channel_waits, list(waits), h.standin.to(CHANNEL)

    channel_waits, other_waits, posts = run(go())
    assert len(posts) == 5
    assert sum(channel_waits) == pytest.approx(2.0)
    assert other_waits == []


def test_the_teams_transport_cannot_reach_a_forum_without_a_channel_reference(teams_store, engine) -> None:
    services = make_services(teams_store, engine)

    async def go():
        async with teams(services):
            row_id = enqueue(teams_store, key="forum:none", reply=NOTICE, forum="styrgrupp-lchnv")
            return await services.deliverer.deliver([row_id])

    assert run(go())["waiting"] == 1
    with teams_store() as s:
        assert s.scalar(select(ConversationRef.id)) is None


def test_a_reference_stored_under_one_sdk_is_used_by_the_other_after_a_switch(teams_store, engine, teams_sdk) -> None:
    """An operator switches KANSLI_TEAMS_SDK: people and channels already known are reached without writing again."""
    stored_by, sent_by = teams_sdk, ("agents" if teams_sdk == "botbuilder" else "botbuilder")

    async def go():
        async with connector() as (standin, url):
            before = make_services(teams_store, engine, KANSLI_TEAMS_SDK=stored_by)
            async with kansli(before, standin, url) as h:
                await h.say("möten", user=MARIA)
                await h.post(h.act("conversationUpdate", user=KARIN, scope="channel",
                                   members_added=[{"id": "28:kansli-bot"}]))
            written = len(standin.calls)
            after = make_services(teams_store, engine, KANSLI_TEAMS_SDK=sent_by)
            async with kansli(after, standin, url):
                ids = [enqueue(teams_store, key=f"switch:{stored_by}:p", reply=NOTICE, handle="maria.lind"),
                       enqueue(teams_store, key=f"switch:{stored_by}:f", reply=Reply(title="Dagordning", sections=[
                           Section(heading="Ärenden", lines=["1. Budget 2021"])]), forum="lchnv")]
                counts = await after.deliverer.deliver(ids)
            return standin.calls[written:], counts

    calls, counts = run(go())
    assert counts["sent"] == 2
    to_maria = [c for c in calls if c.conversation == f"a:personal-{MARIA['id']}"]
    to_channel = [c for c in calls if c.conversation == CHANNEL]
    assert len(to_maria) == 1 and to_maria[0].reply_to is None and "fredag 6 mars 2020" in to_maria[0].words()
    assert len(to_channel) == 1 and to_channel[0].reply_to is None  # a new post in the channel, not a reply
    assert_card_ok(to_channel[0].cards[0])
    assert to_maria[0].body["from"]["id"] == "28:kansli-bot"
