"""One turn of a conversation, the same for Slack, Teams and the terminal.

    receive → identify → record the event id in the command's transaction → dispatch → render → reply → deliver

The adapter receives the platform's request and says who is asking, under which key the platform
would deliver the same turn again (Slack's event_id or request signature, a Teams activity id) and
how to read the command; `TurnPipeline` does the rest in one order for every adapter:

- the key is recorded inside the command's own transaction (`Dispatcher.run_turn`), so a crash before
  the commit loses the record together with the command, and the platform's retry is answered then;
- a turn whose key is already recorded was answered before: nothing is run, nothing is sent again;
- the answer is rendered on the database thread that ran the command, then the adapter posts it;
- the messages the command queued for others are delivered last, by tasks in one queue per recipient
  that wait until this turn's answer is posted (a notification never overtakes the answer that caused
  it); the command inserts them already claimed by this process, so no other process or scheduler pass
  sends them meanwhile, and where each goes is worked out right after the commit on the same thread, from
  the people the command had loaded, so delivering them later only sends and records; shutdown lets them
  run for a grace period and hands the rest back to the outbox.
"""
from __future__ import annotations

import asyncio
import logging
import threading
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Awaitable, Callable, Union

from sqlalchemy.orm import Session

from bot.delivery import worker_name
from bot.dispatch import Identity, Outcome
from handlers.base import Reply
from storage import events, outbox
from storage.models import Outbox

log = logging.getLogger("kansli.turn")

# The command of a turn: its text, or how to read it inside the turn's transaction (mentions become handles).
CommandText = Union[str, Callable[[Session], str]]
# What the adapter posts to answer a turn; it receives the dispatched turn (outcome and rendered answer).
ReplyStep = Callable[["Dispatched"], Awaitable[Any]]


def unrendered(reply: Reply) -> Reply:
    """The render step of an adapter that renders as it posts."""
    return reply


@dataclass(frozen=True)
class Turn:
    """What an adapter knows about one incoming turn before anything is run."""

    identity: Identity
    platform: str
    text: CommandText
    # The platform's id for this delivery (redeliveries carry the same); None where there is none.
    event_key: str | None = None
    channel: str | None = None
    conversation: str | None = None
    # The adapter's own bookkeeping in the same transaction (Teams: where the conversation can be reached).
    keep: Callable[[Session], Any] | None = None
    now: datetime | None = None


@dataclass
class Dispatched:
    """A turn that was run: its outcome, its answer as the platform shows it, and the gate its
    notifications wait behind until the answer is posted."""

    turn: Turn
    outcome: Outcome
    rendered: Any
    ready: asyncio.Event | None = None

    @property
    def reply(self) -> Reply:
        return self.outcome.reply

    def release(self) -> None:
        """The answer is posted (or will not be): the notifications may go."""
        if self.ready is not None:
            self.ready.set()


class TurnPipeline:
    """Runs turns for one adapter; `services` gives the dispatcher, the database threads and the deliverer."""

    def __init__(self, services: Any, *, render: Callable[[Reply], Any] = unrendered) -> None:
        self.services = services
        self.render = render
        self.deliveries = RecipientQueues(self._deliver)
        self._started: set[asyncio.Task[None]] = set()  # the work `start` runs, until it ends

    # --- the steps ---------------------------------------------------------------------------------

    async def run(self, turn: Turn, reply: ReplyStep, *,
                  render: Callable[[Reply], Any] | None = None) -> Dispatched | None:
        """The whole turn; None when it was answered before (then nothing ran and nothing is posted)."""
        dispatched = await self.dispatch(turn, render=render)
        if dispatched is not None:
            await self.answer(dispatched, reply)
        return dispatched

    async def dispatch(self, turn: Turn, *, render: Callable[[Reply], Any] | None = None) -> Dispatched | None:
        """Record the turn and run its command in one transaction, render the answer, queue the
        notifications (held until `answer` or `release`). None for a turn answered before."""
        hold = self.deliveries.holding()
        try:
            done = await self.services.threads.run(self._dispatch_sync, turn, render or self.render, hold)
            if done is None:
                log.info("%s turn %s was answered before; not run again", turn.platform,
                         (turn.event_key or "")[:80])
                return None
            outcome, rendered, recipients = done
            ready = (self.deliveries.add(recipients, claim=outcome.claim, planned=outcome.prepared)
                     if recipients else None)
            return Dispatched(turn, outcome, rendered, ready)
        finally:
            hold.release()  # in the same step as `add`: the rows are in their queues or were never committed

    async def answer(self, dispatched: Dispatched, reply: ReplyStep) -> bool:
        """Post the answer, then let the notifications go; False when the answer could not be posted
        (the command is done and committed: only its answer was lost, and it is logged)."""
        try:
            await reply(dispatched)
            return True
        except Exception:  # noqa: BLE001 - no traceback ever reaches a user
            log.exception("the answer to a %s turn could not be posted", dispatched.turn.platform)
            return False
        finally:
            dispatched.release()

    def _dispatch_sync(self, turn: Turn, render: Callable[[Reply], Any], hold: "Hold | None" = None
                       ) -> tuple[Outcome, Any, dict[Any, list[int]]] | None:
        """On a database thread: the command and the turn's record in one transaction, then the answer rendered."""
        outcome = self.services.dispatcher.run_turn(
            lambda session: self._prepare(session, turn),
            identity=turn.identity,
            platform=turn.platform,
            now=turn.now,
            channel=turn.channel,
            conversation=turn.conversation,
            claim=outbox.claim_token(worker_name()),
            after_commit=self._plan,
            holds=hold,
        )
        if outcome is None:
            return None
        recipients = outcome.by_recipient()
        return outcome, render(outcome.reply), recipients

    def _prepare(self, session: Session, turn: Turn) -> str | None:
        """The first step inside the command's transaction: the turn's record, the adapter's bookkeeping
        and the command text; None when the record is already there (a redelivery). No pruning here:
        old records are the scheduler's (bot.scheduler.prune)."""
        if turn.event_key:
            at = turn.now or self.services.clock()
            if not events.record_once(session, turn.event_key, at=at):
                return None
        if turn.keep is not None:
            turn.keep(session)
        return turn.text(session) if callable(turn.text) else turn.text

    def _plan(self, session: Session, rows: list[Outbox]) -> Any:
        """Right after the command committed, in its session: where its messages go (bot.delivery.Deliverer.plan),
        so that delivering them later only sends."""
        return self.services.deliverer.plan(session, rows)

    async def _deliver(self, ids: list[int], claim: str | None, planned: Any = None) -> None:
        try:
            await self.services.deliverer.deliver(ids, claim=claim, planned=planned)
        except Exception:  # noqa: BLE001 - the rows stay in the outbox for the scheduler's next pass
            log.exception("delivery after a turn failed")

    # --- work in flight and shutdown ----------------------------------------------------------------

    def start(self, work: Awaitable[Any]) -> "asyncio.Task[None]":
        """Run an adapter's work that goes on after the platform was acknowledged (Slack's listeners return
        before the answer is ready) as a task of its own, kept until it ends: a failure is logged, never shown
        as a traceback, and `drain` waits for it (it is counted from now)."""
        task = asyncio.ensure_future(_logged(work))
        self._started.add(task)
        task.add_done_callback(self._started.discard)
        return task

    @property
    def inflight(self) -> int:
        return len(self._started)

    @property
    def busy(self) -> bool:
        return bool(self._started) or self.deliveries.busy

    async def idle(self) -> None:
        """Wait until the deliveries started by turns so far are done."""
        await self.deliveries.idle()

    async def drain(self, timeout: float | None = None) -> bool:
        """Wait until every started turn is answered and its notifications delivered; False at the timeout."""
        loop = asyncio.get_running_loop()
        deadline = None if timeout is None else loop.time() + timeout
        while self.busy:
            if deadline is not None and loop.time() > deadline:
                return False
            if self._started:
                await asyncio.sleep(0.01)
            else:
                left = None if deadline is None else max(deadline - loop.time(), 0.0)
                try:
                    await asyncio.wait_for(self.deliveries.idle(), left)
                except asyncio.TimeoutError:
                    return False
        return True

    async def stop(self, grace: float) -> None:
        """Shutdown: let queued deliveries run for up to `grace` seconds and cancel the rest (their
        outbox rows are handed back when the service releases its claims, bot.serve)."""
        await self.deliveries.stop(grace)


async def _logged(work: Awaitable[Any]) -> None:
    try:
        await work
    except Exception:  # noqa: BLE001 - logged; the user never sees a traceback
        log.exception("a turn failed")


class Hold:
    """One turn's place in its recipients' queues from just before its messages get their outbox ids until
    they are in the queues (RecipientQueues.add) or were never committed (bot.dispatch.Holds). Told from the
    command's database thread; released on the event loop."""

    def __init__(self, queues: "RecipientQueues", loop: asyncio.AbstractEventLoop) -> None:
        self._queues = queues
        self.loop = loop  # the turn's loop, where its recipients' queues are drained
        self.keys: set[Any] = set()
        self.released = False

    def hold(self, recipients: Any) -> None:
        self._queues._hold(self, set(recipients))

    def inserted(self, by_recipient: Any) -> None:
        self._queues._inserted(self, by_recipient)

    def release(self) -> None:
        self._queues._release(self)


class RecipientQueues:
    """Deliveries started by turns, one queue per recipient.

    Each recipient's notifications go out in the order their commands were recorded (outbox id), one delivery
    at a time, and a recipient whose conversation is paced holds up no other. A turn takes its
    place in the queue as soon as its command is done and lets it go once its own answer is
    posted, so a notification never overtakes the answer to the command that caused it.

    Commands run side by side commit in any order, so a command that got a later id can be done first. Each
    turn therefore holds its recipients from just before its rows get their ids (Hold): a queue's head waits
    while another turn holds the same recipient with an id not yet known or an earlier one.
    """

    def __init__(self, deliver: Callable[[list[int], str | None, Any], Awaitable[None]]) -> None:
        self._deliver = deliver
        self._queues: dict[Any, list[tuple[asyncio.Event, list[int], str | None, Any]]] = {}
        self._workers: dict[Any, asyncio.Task[None]] = {}
        self._lock = threading.Lock()  # guards _held, written from the database threads
        self._held: dict[Any, dict[Hold, int | None]] = {}
        self._changed: dict[Any, asyncio.Event] = {}

    def holding(self) -> Hold:
        """A new turn's hold (on the event loop; the turn's thread tells it what it inserts)."""
        return Hold(self, asyncio.get_running_loop())

    def _hold(self, hold: Hold, keys: set[Any]) -> None:
        with self._lock:
            if hold.released:  # the turn was given up while its thread ran on
                return
            hold.keys |= keys
            for key in keys:
                self._held.setdefault(key, {})[hold] = None

    def _inserted(self, hold: Hold, by_recipient: Any) -> None:
        with self._lock:
            changed = list(hold.keys)
            for key in changed:
                ids = by_recipient.get(key)
                entries = self._held.get(key)
                if entries is None or hold not in entries:
                    continue
                if ids:
                    entries[hold] = min(ids)
                else:  # nothing new for this recipient after all (a message sent before)
                    del entries[hold]
                    if not entries:
                        del self._held[key]
            hold.keys = {key for key in hold.keys if by_recipient.get(key)}
        if changed:
            try:
                hold.loop.call_soon_threadsafe(self._wake, changed)
            except RuntimeError:  # the loop is closed: nothing waits on it any more
                pass

    def _release(self, hold: Hold) -> None:
        with self._lock:
            hold.released = True
            changed = list(hold.keys)
            for key in changed:
                entries = self._held.get(key)
                if entries is not None:
                    entries.pop(hold, None)
                    if not entries:
                        del self._held[key]
            hold.keys = set()
        self._wake(changed)

    def _wake(self, keys: list[Any]) -> None:
        for key in keys:
            event = self._changed.get(key)
            if event is not None:
                event.set()

    def _held_before(self, key: Any, first: int) -> bool:
        with self._lock:
            return any(at is None or at < first for at in self._held.get(key, {}).values())

    def add(self, by_recipient: dict[Any, list[int]], *, claim: str | None = None, planned: Any = None) -> asyncio.Event:
        """Queue each recipient's outbox ids (inserted under `claim`, if any, and with their delivery `planned`
        already, if it was); they are sent once the returned event is set."""
        ready = asyncio.Event()
        for key, ids in by_recipient.items():
            queue = self._queues.setdefault(key, [])
            # In outbox order (the order the commands were recorded), whichever thread finished first.
            at = len(queue)
            while at > 0 and queue[at - 1][1][0] > ids[0]:
                at -= 1
            queue.insert(at, (ready, ids, claim, planned))
            if key not in self._workers:
                task = asyncio.create_task(self._drain(key))
                self._workers[key] = task
        return ready

    async def _drain(self, key: Any) -> None:
        queue = self._queues[key]
        changed = self._changed.setdefault(key, asyncio.Event())
        try:
            while queue:
                ready, ids, claim, planned = queue[0]
                await ready.wait()
                if queue[0][1] is not ids:
                    continue  # an earlier command's notices arrived meanwhile: they go first
                changed.clear()
                if self._held_before(key, ids[0]):
                    await changed.wait()  # a command with an earlier (or not yet known) id is committing
                    continue
                queue.pop(0)
                await self._deliver(ids, claim, planned)
        finally:
            self._workers.pop(key, None)
            if not queue:
                self._queues.pop(key, None)
                self._changed.pop(key, None)

    @property
    def busy(self) -> bool:
        return bool(self._workers)

    async def idle(self) -> None:
        while self._workers:
            await asyncio.gather(*list(self._workers.values()), return_exceptions=True)

    async def stop(self, grace: float) -> None:
        """Let queued deliveries run for up to `grace` seconds, then cancel the rest (their outbox rows
        stay claimed and are released by the caller)."""
        if self._workers:
            await asyncio.wait(list(self._workers.values()), timeout=grace)
        for task in list(self._workers.values()):
            task.cancel()
        await asyncio.gather(*list(self._workers.values()), return_exceptions=True)
        self._queues.clear()
