"""The Slack transport: DMs and channel posts through the Web API stand-in, retries and failures."""
from __future__ import annotations

import asyncio
from typing import Any

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from bot.addressing import SlackAddressing
from bot.delivery import Deliverer, Outgoing, PermanentError, Recipient, TransientError
from bot.slack.transport import SlackTransport, make_client
from handlers.base import Action, Reply
from storage import outbox, queries
from storage.models import Forum, Outbox, Person
from tests.bot.slack_standin import SLACK_IDS, TOKEN, SlackStandIn, buttons_of, give_slack_ids, text_of
from tests.conftest import at

NOTE = Reply(title="Frånvaroanmälan", lines=["Per Ek har anmält frånvaro från mötet fredag 6 mars 2020."],
             actions=[Action("Visa frånvaro", "frånvaro 2020-03-06")])


def run(coro: Any) -> Any:
    return asyncio.run(coro)


async def _with_transport(work, *, retry_interval: float = 0.0):  # type: ignore[no-untyped-def]
    standin = await SlackStandIn().start()
    try:
        transport = SlackTransport(make_client(TOKEN, standin.api_url, retry_interval=retry_interval))
        return await work(standin, transport)
    finally:
        await standin.close()


async def _send(transport: SlackTransport, recipient: Recipient) -> None:
    """As the deliverer does: the address read beforehand (no store needed here), then the send."""
    from datetime import datetime, timezone

    address = SlackAddressing().address(None, recipient, NOTE, None,  # type: ignore[arg-type]
                                        now=datetime(2020, 2, 28, 8, tzinfo=timezone.utc))
    await transport.send(Outgoing.of(recipient, NOTE, None, address))


def _person(handle: str, slack: str | None) -> Person:
    return Person(handle=handle, name=handle, slack_user_id=slack)


def test_a_person_is_reached_by_dm_and_a_forum_in_its_channel() -> None:
    maria = _person("maria.lind", "U0MARIALIND")
    forum = Forum(key="lchnv", name="LCHNV", slack_channel="C01LCHNV")

    async def work(standin: SlackStandIn, transport: SlackTransport) -> None:
        await _send(transport, Recipient(person=maria, forum=None))
        await _send(transport, Recipient(person=None, forum=forum))
        assert [c.method for c in standin.calls] == ["conversations.open", "chat.postMessage", "chat.postMessage"]
        opened, dm, channel = standin.calls
        assert opened.args["users"] == "U0MARIALIND"
        assert dm.args["channel"] == "D0MARIALIND"
        assert channel.args["channel"] == "C01LCHNV"
        assert "fredag 6 mars 2020" in text_of(dm)
        assert [b["value"] for b in buttons_of(dm)] == ["frånvaro 2020-03-06"]
        assert dm.headers["Authorization"] == f"Bearer {TOKEN}"

    run(_with_transport(work))


def test_who_slack_reaches() -> None:
    slack = SlackAddressing()
    assert slack.reaches(None, Recipient(_person("a", "U1"), None))  # type: ignore[arg-type]
    assert not slack.reaches(None, Recipient(_person("b", None), None))  # type: ignore[arg-type]
    assert slack.reaches(None, Recipient(None, Forum(key="f", name="F", slack_channel="C1")))  # type: ignore[arg-type]
    assert not slack.reaches(None, Recipient(None, Forum(key="g", name="G")))  # type: ignore[arg-type]


def test_rate_limit_waits_for_retry_after_and_then_sends() -> None:
    forum = Forum(key="lchnv", name="LCHNV", slack_channel="C01LCHNV")

    async def work(standin: SlackStandIn, transport: SlackTransport) -> None:
        standin.fail("chat.postMessage", 429, {"ok": False, "error": "ratelimited"}, headers={"Retry-After": "0"})
        await _send(transport, Recipient(None, forum))
        assert len(standin.of("chat.postMessage")) == 2

    run(_with_transport(work))


@pytest.mark.parametrize("status", [500, 502, 503, 504])
def test_a_server_error_is_retried_and_then_sent(status: int) -> None:
    forum = Forum(key="lchnv", name="LCHNV", slack_channel="C01LCHNV")

    async def work(standin: SlackStandIn, transport: SlackTransport) -> None:
        standin.fail("chat.postMessage", status, {"ok": False, "error": "internal_error"})
        await _send(transport, Recipient(None, forum))
        assert len(standin.of("chat.postMessage")) == 2

    run(_with_transport(work))


@pytest.mark.parametrize(
    ("method", "status", "body", "expected"),
    [
        ("chat.postMessage", 503, {"ok": False, "error": "service_unavailable"}, TransientError),
        ("chat.postMessage", 429, {"ok": False, "error": "ratelimited"}, TransientError),
        ("chat.postMessage", 200, {"ok": False, "error": "channel_not_found"}, PermanentError),
        ("conversations.open", 200, {"ok": False, "error": "user_not_found"}, PermanentError),
        ("conversations.open", 200, {"ok": False, "error": "account_inactive"}, PermanentError),
        ("chat.postMessage", 200, {"ok": False, "error": "invalid_auth"}, TransientError),
    ],
)
def test_final_failures_become_transient_or_permanent(method, status, body, expected) -> None:
    maria = _person("maria.lind", "U0MARIALIND")

    async def work(standin: SlackStandIn, transport: SlackTransport) -> None:
        standin.fail(method, status, body, times=5, headers={"Retry-After": "0"} if status == 429 else None)
        with pytest.raises(expected):
            await _send(transport, Recipient(maria, None))

    run(_with_transport(work))


def test_slack_unreachable_is_transient() -> None:
    async def go() -> None:
        standin = await SlackStandIn().start()
        url = standin.api_url
        await standin.close()  # nothing listens there any more
        transport = SlackTransport(make_client(TOKEN, url, retry_interval=0.0))
        with pytest.raises(TransientError):
            await _send(transport, Recipient(None, Forum(key="f", name="F", slack_channel="C1")))

    run(go())


def test_the_outbox_records_sent_retry_later_and_failed_for_good(network: sessionmaker[Session]) -> None:
    give_slack_ids(network)
    now = at("2020-02-20T09:00")

    async def work(standin: SlackStandIn, transport: SlackTransport) -> None:
        with network() as s:
            maria = queries.person_by_handle(s, "maria.lind")
            per = queries.person_by_handle(s, "per.ek")
            karin = queries.person_by_handle(s, "karin.berg")
            ids = [outbox.enqueue(s, key=f"t:{p.handle}", kind="test", payload=NOTE.to_dict(), now=now,
                                  person_id=p.id) for p in (maria, per, karin)]
            s.commit()
        # maria.lind: sent; per.ek: Slack down; karin.berg: deactivated
        standin.fail("conversations.open", 503, {"ok": False}, times=3, when={"users": SLACK_IDS["per.ek"]})
        standin.fail("conversations.open", 200, {"ok": False, "error": "account_inactive"},
                     when={"users": SLACK_IDS["karin.berg"]})
        deliverer = Deliverer(sessionmaker=network, transports=[transport], clock=lambda: now)
        counts = await deliverer.deliver(ids, now=now)
        assert counts == {"sent": 1, "waiting": 0, "failed": 2}
        with network() as s:
            rows = {r.key: r for r in s.scalars(select(Outbox).where(Outbox.id.in_(ids)))}
            assert (rows["t:maria.lind"].status, rows["t:maria.lind"].transport) == ("sent", "slack")
            assert (rows["t:per.ek"].status, rows["t:per.ek"].attempts) == ("pending", 1)
            assert rows["t:karin.berg"].status == "failed"
            assert "account_inactive" in (rows["t:karin.berg"].last_error or "")

    run(_with_transport(work))


def test_a_persons_dm_is_opened_once_and_opened_again_when_slack_says_it_is_gone() -> None:
    maria = _person("maria.lind", "U0MARIALIND")

    async def work(standin: SlackStandIn, transport: SlackTransport) -> None:
        await _send(transport, Recipient(person=maria, forum=None))
        await _send(transport, Recipient(person=maria, forum=None))
        # The second notice goes straight into the DM opened for the first.
        assert [c.method for c in standin.calls] == ["conversations.open", "chat.postMessage", "chat.postMessage"]
        assert {c.args["channel"] for c in standin.of("chat.postMessage")} == {"D0MARIALIND"}
        # The remembered channel is gone: kansli opens the DM again and the notice arrives once.
        standin.calls.clear()
        standin.fail("chat.postMessage", 200, {"ok": False, "error": "channel_not_found"})
        await _send(transport, Recipient(person=maria, forum=None))
        assert [c.method for c in standin.calls] == ["chat.postMessage", "conversations.open", "chat.postMessage"]
        # Any other refusal is not retried here (the outbox decides), and the DM stays remembered.
        standin.calls.clear()
        standin.fail("chat.postMessage", 200, {"ok": False, "error": "msg_too_long"})
        with pytest.raises(PermanentError):
            await _send(transport, Recipient(person=maria, forum=None))
        await _send(transport, Recipient(person=maria, forum=None))
        assert [c.method for c in standin.calls] == ["chat.postMessage", "chat.postMessage"]

    run(_with_transport(work))
