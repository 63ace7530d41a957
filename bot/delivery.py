"""Delivery of outbox rows through the platforms kansli can reach people on.

A Transport knows one platform (console, Slack, Teams). The Deliverer claims due
outbox rows, picks for each recipient the transport they last used that can
reach them, sends, and records the outcome. Sending happens outside any
database transaction; claiming and recording are each their own short one.
"""
from __future__ import annotations

import asyncio
import logging
import os
import socket
import sys
from dataclasses import dataclass
from datetime import datetime
from typing import Callable, Protocol, TextIO

from sqlalchemy.orm import Session, sessionmaker

from bot.render.text import render_text
from bot.threads import DatabaseThreads
from handlers.base import Reply
from storage import outbox
from storage.models import Forum, Outbox, Person

log = logging.getLogger("kansli.delivery")


class TransientError(Exception):
    """The platform could not take the message now (down, 429, 5xx, timeout): try again later."""


class PermanentError(Exception):
    """The message can never be delivered as addressed (unknown channel, user deactivated)."""


@dataclass
class Recipient:
    person: Person | None
    forum: Forum | None

    @property
    def label(self) -> str:
        if self.person is not None:
            return self.person.handle
        assert self.forum is not None
        return f"#{self.forum.key}"


class Transport(Protocol):
    name: str

    def can_reach(self, session: Session, recipient: Recipient) -> bool: ...

    async def send(self, session: Session, recipient: Recipient, reply: Reply, *, row: Outbox) -> None: ...


class ConsoleTransport:
    """Prints each message, headed `till HANDLE:` or `till #FORUM:` (kansli chat and kansli tick)."""

    name = "console"

    def __init__(self, stream: TextIO | None = None) -> None:
        self.stream = stream

    def can_reach(self, session: Session, recipient: Recipient) -> bool:
        return True

    async def send(self, session: Session, recipient: Recipient, reply: Reply, *, row: Outbox) -> None:
        stream = self.stream or sys.stdout
        stream.write(f"\ntill {recipient.label}:\n{render_text(reply)}\n")
        stream.flush()


def worker_name() -> str:
    return f"{socket.gethostname()}:{os.getpid()}"


def _process_alive(pid: int) -> bool:
    if pid == os.getpid():  # a restarted container reuses its pid: that claim was the previous process's
        return False
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def release_own_claims(maker: sessionmaker[Session]) -> int:
    """At shutdown: the rows this process claimed and did not finish become 'pending' again."""
    with maker() as session:
        count = outbox.release_claims(session, worker=worker_name())
        session.commit()
    if count:
        log.info("%d deliveries handed back to the outbox at shutdown", count)
    return count


def take_back_abandoned(maker: sessionmaker[Session]) -> int:
    """At start: outbox rows a previous process on this host left 'sending' become 'pending' again."""
    with maker() as session:
        count = outbox.release_abandoned(session, host=socket.gethostname(), alive=_process_alive)
        session.commit()
    if count:
        log.info("%d deliveries left 'sending' by a stopped process are due again", count)
    return count


class Deliverer:
    def __init__(self, *, sessionmaker: sessionmaker[Session], transports: list[Transport],
                 clock: Callable[[], datetime], threads: DatabaseThreads | None = None) -> None:
        self.sessionmaker = sessionmaker
        self.transports = transports
        self.clock = clock
        self._in_thread = threads.run if threads is not None else asyncio.to_thread

    def _choose(self, session: Session, recipient: Recipient) -> Transport | None:
        order = list(self.transports)
        last = recipient.person.last_platform if recipient.person is not None else None
        order.sort(key=lambda t: 0 if t.name == last else 1)
        for t in order:
            if t.can_reach(session, recipient):
                return t
        return None

    async def deliver(self, ids: list[int] | None = None, *, now: datetime | None = None) -> dict[str, int]:
        """Send every due row (or just `ids`); returns counts of sent, waiting and failed.

        Database work runs in a worker thread (kansli's database threads) so the service's event loop never waits on the store;
        only the platform calls run on the loop.
        """
        counts = {"sent": 0, "waiting": 0, "failed": 0}
        now = now or self.clock()
        with self.sessionmaker() as session:
            rows = await self._in_thread(self._claim, session, now, ids)
            for row in rows:
                recipient, reply, transport = await self._in_thread(self._prepare, session, row)
                if transport is None:
                    await self._in_thread(
                        self._record, session, outbox.mark_waiting, row, now=now,
                        reason=f"no platform reaches {recipient.label} yet",
                    )
                    counts["waiting"] += 1
                elif await self._send_one(session, transport, recipient, reply, row, now):
                    counts["sent"] += 1
                else:
                    counts["failed"] += 1
        return counts

    @staticmethod
    def _claim(session: Session, now: datetime, ids: list[int] | None) -> list[Outbox]:
        rows = outbox.claim(session, now=now, worker=worker_name(), ids=ids)
        session.commit()
        return rows

    def _prepare(self, session: Session, row: Outbox) -> tuple[Recipient, Reply, Transport | None]:
        recipient = Recipient(
            person=session.get(Person, row.person_id) if row.person_id else None,
            forum=session.get(Forum, row.forum_id) if row.forum_id else None,
        )
        chosen = self._choose(session, recipient)
        reply = Reply.from_dict(row.payload)
        # End the read transaction so no pooled connection is held while the platform call waits.
        session.commit()
        return recipient, reply, chosen

    @staticmethod
    def _record(session: Session, mark: Callable[..., None], *args: object, **kwargs: object) -> None:
        """Record one outcome in a transaction that starts with the write.

        On SQLite a write after reads in one transaction fails at once when another process committed
        meanwhile (stale WAL snapshot), which would leave the row 'sending' and repeat the message after
        STALE_CLAIM; so the read transaction is ended first.
        """
        session.commit()
        mark(session, *args, **kwargs)
        session.commit()

    async def _send_one(self, session: Session, transport: Transport, recipient: Recipient, reply: Reply,
                        row: Outbox, now: datetime) -> bool:
        try:
            await transport.send(session, recipient, reply, row=row)
        except PermanentError as exc:
            log.warning("delivery %s to %s failed for good: %s", row.key, recipient.label, exc)
            await self._in_thread(self._record, session, outbox.mark_failed, row, now=now, error=str(exc),
                                    permanent=True)
            return False
        except Exception as exc:  # noqa: BLE001 - any platform failure leaves the row for a retry
            log.warning("delivery %s to %s failed, will retry: %s", row.key, recipient.label, exc)
            await self._in_thread(self._record, session, outbox.mark_failed, row, now=now,
                                    error=f"{type(exc).__name__}: {exc}")
            return False
        await self._in_thread(self._record, session, outbox.mark_sent, row.id, now=now, transport=transport.name)
        return True
