"""The reminder scheduler: one pass computes what is due, records it once, and delivers.

A pass at instant `now`:
1. in one transaction (in a worker thread, off the event loop) compute the due
   reminders, write each new one to the outbox ledger under its unique key and
   queue one combined delivery per recipient, then commit
   (handlers.reminders.enqueue_due);
2. deliver every due pending outbox row (storage.outbox.claim takes rows with
   one atomic UPDATE under a fresh token, so two processes never send the same
   row; sent rows are never sent again);
3. at most once an hour per process, in its own transaction: forget handled
   platform events older than storage.events.MEMORY and delete delivered outbox
   rows older than KANSLI_OUTBOX_RETENTION_DAYS (`prune`). User turns never delete.

`kansli tick` runs one pass (bot/cli.py). `kansli serve` runs a pass every minute
with an APScheduler 3 AsyncIOScheduler (setup below); APScheduler holds no state
that matters: everything is derived from the database at each pass.
"""
from __future__ import annotations

import asyncio
import logging
import time as _time
from datetime import datetime, timedelta
from typing import Any

from aiohttp import web
from sqlalchemy.exc import OperationalError

from handlers import kallelse, reminders

log = logging.getLogger("kansli.scheduler")

JOB_ID = "kansli-reminders"
# How often a process prunes old event records and delivered outbox rows (step 3 of a pass).
PRUNE_EVERY = timedelta(hours=1)
DEFAULT_OUTBOX_RETENTION_DAYS = 90
# Rounds of delivery per pass (each claims up to 200 rows); a guard, not a limit met in practice.
MAX_DELIVERY_ROUNDS = 100
ENQUEUE_ATTEMPTS = 3


def enqueue_due(services: Any, now: datetime) -> reminders.PassResult:
    """Step 1 of a pass, in its own transaction. Retried when the store is busy (SQLite) or a
    transaction was chosen as a deadlock victim (PostgreSQL); a retry recomputes from scratch."""
    for attempt in range(1, ENQUEUE_ATTEMPTS + 1):
        try:
            with services.sessionmaker() as session:
                result = reminders.enqueue_due(session, now)
                if getattr(getattr(services, "settings", None), "email_enabled", False):
                    # Invitations follow a meeting moved, re-placed or cancelled by any path (issue 19).
                    result.delivery_ids += kallelse.sync_invitations(session, now=now)
                session.commit()
                return result
        except OperationalError:
            if attempt == ENQUEUE_ATTEMPTS:
                raise
            log.warning("reminder pass at %s hit a busy store, retrying (%d)", now.isoformat(), attempt)
            _time.sleep(0.05 * attempt)
    raise AssertionError("unreachable")


def purge_notes(services: Any, now: datetime) -> int:
    """Delete absence notes kept longer than KANSLI_ABSENCE_NOTE_RETENTION_DAYS after their meeting
    (storage.privacy; `kansli rensa` runs the same). Services without settings skip it."""
    from storage.privacy import purge_absence_notes

    days = getattr(getattr(services, "settings", None), "absence_note_retention_days", None)
    if days is None:
        return 0
    with services.sessionmaker() as session:
        result = purge_absence_notes(session, now=now, retention_days=days)
        session.commit()
    return result.notes


def prune(services: Any, now: datetime) -> dict[str, int]:
    """Forget handled platform events older than storage.events.MEMORY and delete outbox rows delivered
    more than KANSLI_OUTBOX_RETENTION_DAYS ago, in one transaction of its own; returns what went."""
    from storage import events, outbox

    days = getattr(getattr(services, "settings", None), "outbox_retention_days", DEFAULT_OUTBOX_RETENTION_DAYS)
    with services.sessionmaker() as session:
        forgotten = events.forget_before(session, before=now - events.MEMORY)
        deleted = outbox.prune_delivered(session, before=now - timedelta(days=days))
        session.commit()
    return {"events_forgotten": forgotten, "outbox_pruned": deleted}


def prune_due(services: Any, now: datetime) -> bool:
    """True when these services have not pruned within PRUNE_EVERY (Services.pruned_at; a pass then prunes)."""
    last = getattr(services, "pruned_at", None)
    return last is None or not timedelta(0) <= now - last < PRUNE_EVERY


async def run_pass(services: Any, *, now: datetime) -> dict[str, int]:
    """One scheduler pass at `now`; returns counts (reminders recorded, deliveries queued, sent, waiting, failed)."""
    # The service's database threads when there are any (bot.threads); a bare worker thread otherwise.
    threads = getattr(services, "threads", None)
    in_thread = threads.run if threads is not None else asyncio.to_thread
    result = await in_thread(enqueue_due, services, now)
    counts = {"reminders": result.reminders, "queued": len(result.delivery_ids), "sent": 0, "waiting": 0,
              "failed": 0}
    deleted = await in_thread(purge_notes, services, now)
    if deleted:
        counts["notes_deleted"] = deleted
    if prune_due(services, now):
        pruned = await in_thread(prune, services, now)
        services.pruned_at = now
        counts.update({k: v for k, v in pruned.items() if v})
    for __ in range(MAX_DELIVERY_ROUNDS):
        done = await services.deliverer.deliver(now=now)
        for k, v in done.items():
            counts[k] = counts.get(k, 0) + v
        if not any(done.values()):
            break
    return counts


# ------------------------------------------------------------------------------------ kansli serve


STATE_KEY: web.AppKey[dict[str, Any]] = web.AppKey("kansli.scheduler", dict)


def setup(app: Any, services: Any) -> None:
    """Start the every-minute pass with the app and stop it, after the running pass, on cleanup."""
    if not getattr(services.settings, "scheduler", True):
        log.info("scheduler not run in this process (KANSLI_SCHEDULER=false, or a worker other than the first)")
        return
    from apscheduler.schedulers.asyncio import AsyncIOScheduler
    from apscheduler.triggers.interval import IntervalTrigger

    from bot.app import system_clock

    lock = asyncio.Lock()

    async def tick() -> None:
        if lock.locked():  # the previous pass is still running; the next minute catches up
            return
        async with lock:
            now = services.clock()
            try:
                counts = await run_pass(services, now=now)
            except Exception:  # noqa: BLE001 - a failed pass is logged; the next minute tries again
                log.exception("reminder pass at %s failed", now.isoformat())
                return
            if counts.get("queued") or counts.get("sent") or counts.get("failed"):
                log.info("reminder pass at %s: %s", now.isoformat(), counts)

    async def start(app: web.Application) -> None:
        scheduler = AsyncIOScheduler(timezone="UTC")
        scheduler.add_job(
            tick,
            IntervalTrigger(minutes=1),
            id=JOB_ID,
            max_instances=1,
            coalesce=True,
            misfire_grace_time=30,
            next_run_time=system_clock() + timedelta(seconds=1),
        )
        scheduler.start()
        app[STATE_KEY] = {"scheduler": scheduler, "lock": lock}

    async def stop(app: web.Application) -> None:
        state = app.get(STATE_KEY)
        if not state:
            return
        scheduler = state["scheduler"]
        # Wait for a pass that is running to finish first: shutting the scheduler down cancels its job.
        # (Transports stop pacing at shutdown, so a pass ends quickly; what it could not send stays due.)
        async with state["lock"]:
            scheduler.shutdown(wait=False)  # no new passes; AsyncIOScheduler stops on the loop's next turn
        for __ in range(100):
            if not scheduler.running:
                break
            await asyncio.sleep(0.01)

    app.on_startup.append(start)
    app.on_cleanup.append(stop)


def scheduler_of(app: Any) -> Any:
    """The running AsyncIOScheduler of an app (for tests and diagnostics), or None."""
    state = app.get(STATE_KEY)
    return state.get("scheduler") if state else None
