"""One recipient's notices go out in the order their commands were recorded, whichever command commits first.

Two commands run side by side on PostgreSQL: the one whose outbox row got the earlier id can commit later. The
queue's head waits while another turn holds the same recipient with an earlier id or one not yet known
(bot.turn.Hold), and goes at once when the other turn's id is later or its command was never committed.
"""
from __future__ import annotations

import asyncio
import threading

from bot.turn import RecipientQueues

MARIA = (7, None)
PER = (8, None)


class Sent:
    def __init__(self) -> None:
        self.ids: list[list[int]] = []

    async def __call__(self, ids: list[int], claim: str | None, planned: object = None) -> None:
        self.ids.append(list(ids))


async def settle() -> None:
    for _ in range(5):
        await asyncio.sleep(0)


def on_thread(fn, *args) -> None:  # type: ignore[no-untyped-def]
    """As the command's database thread tells its hold."""
    t = threading.Thread(target=fn, args=args)
    t.start()
    t.join()


def test_a_later_command_that_commits_first_waits_for_the_earlier_ones_notice() -> None:
    async def go() -> list[list[int]]:
        sent = Sent()
        queues = RecipientQueues(sent)
        early, late = queues.holding(), queues.holding()
        on_thread(early.hold, [MARIA])             # the first command is about to insert (its id will be 5)
        on_thread(late.hold, [MARIA])
        on_thread(late.inserted, {MARIA: [6]})     # the second got 6 and commits first
        queues.add({MARIA: [6]}).set()             # ... and its answer is posted
        late.release()
        await settle()
        assert sent.ids == []                      # 6 waits: 5 may still come
        on_thread(early.inserted, {MARIA: [5]})
        await settle()
        assert sent.ids == []                      # 5 is known but not committed yet
        queues.add({MARIA: [5]}).set()
        early.release()
        await queues.idle()
        return sent.ids

    assert asyncio.run(go()) == [[5], [6]]


def test_a_command_with_a_later_id_or_another_recipient_holds_nobody_up() -> None:
    async def go() -> list[list[int]]:
        sent = Sent()
        queues = RecipientQueues(sent)
        first, slow, other = queues.holding(), queues.holding(), queues.holding()
        on_thread(slow.hold, [MARIA])
        on_thread(other.hold, [PER])               # another recipient: never in Maria's way
        on_thread(first.hold, [MARIA])
        on_thread(first.inserted, {MARIA: [5]})
        on_thread(slow.inserted, {MARIA: [9]})     # its id came later: it cannot go before 5
        queues.add({MARIA: [5]}).set()
        first.release()
        await asyncio.wait_for(queues.idle(), 2)
        slow.release()
        other.release()
        return sent.ids

    assert asyncio.run(go()) == [[5]]


def test_a_command_that_was_rolled_back_lets_the_queue_go_on() -> None:
    async def go() -> list[list[int]]:
        sent = Sent()
        queues = RecipientQueues(sent)
        lost, done = queues.holding(), queues.holding()
        on_thread(lost.hold, [MARIA])
        on_thread(lost.inserted, {MARIA: [5]})
        on_thread(done.hold, [MARIA])
        on_thread(done.inserted, {MARIA: [6]})
        queues.add({MARIA: [6]}).set()
        done.release()
        await settle()
        assert sent.ids == []
        lost.release()                             # its transaction failed: 5 never existed
        await asyncio.wait_for(queues.idle(), 2)
        on_thread(lost.hold, [MARIA])              # its thread, still running, cannot hold again
        assert not queues._held_before(MARIA, 100)
        return sent.ids

    assert asyncio.run(go()) == [[6]]
