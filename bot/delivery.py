"""Delivery of outbox rows through the platforms kansli can reach people on.

Each platform (console, Slack, Teams, e-mail) has two sides: an Addressing (bot.addressing), which
the Deliverer owns and runs on a database thread with the Session, saying whether the platform reaches
a recipient and where the message goes, as plain data; and a Transport, which only sends that data
(`name`, `async send(Outgoing)`) and never sees a Session. The Deliverer claims due outbox rows, picks
for each recipient the platform they last used that reaches them, sends, and records the outcome.
Sending happens outside any database transaction; claiming and recording are each their own short one.
A command's own notifications are planned (`plan`) right after it committed, in its session, and only sent
and recorded afterwards.
"""
from __future__ import annotations

import asyncio
import logging
import os
import socket
import sys
from dataclasses import dataclass, field
from datetime import datetime
from typing import Callable, Mapping, Protocol, TextIO

from sqlalchemy.orm import Session, sessionmaker

from bot.addressing import Addressing, Outgoing, Recipient
from bot.addressing import standard as addressing_standard
from bot.render.text import render_text
from bot.threads import DatabaseThreads
from handlers.base import Reply
from storage import outbox
from storage.models import Forum, Outbox, Person
from handlers.i18n import _

log = logging.getLogger("kansli.delivery")


class TransientError(Exception):
    """The platform could not take the message now (down, 429, 5xx, timeout): try again later."""


class PermanentError(Exception):
    """The message can never be delivered as addressed (unknown channel, user deactivated)."""


class Transport(Protocol):
    """One platform's sending side: `send` runs on the event loop with an Outgoing whose address the
    platform's Addressing (bot.addressing) read from the store beforehand, on a database thread. A
    transport never sees a Session, and no connection is held while the platform answers."""

    name: str

    async def send(self, message: Outgoing) -> None: ...


class ConsoleTransport:
    """Prints each message, headed `till HANDLE:` or `till #FORUM:` (kansli chat and kansli tick)."""

    name = "console"

    def __init__(self, stream: TextIO | None = None) -> None:
        self.stream = stream

    async def send(self, message: Outgoing) -> None:
        stream = self.stream or sys.stdout
        stream.write(_("\ntill {label}:\n{reply}\n", label=message.label, reply=render_text(message.reply)))
        stream.flush()


def worker_name() -> str:
    return f"{socket.gethostname()}:{os.getpid()}"


EMAIL = "email"
CONSOLE = "console"


@dataclass
class Plan:
    """Where one outbox row goes: the transports to send through, in order, with the message each
    gets (addressed beforehand from the store), and the console that echoes it (terminal)."""

    recipient: Recipient
    reply: Reply
    targets: list[Transport]
    prepared: dict[str, Outgoing]
    fallback: Transport | None = None  # e-mail, when a chat delivery fails for good
    echo: Transport | None = None
    done: list[str] = field(default_factory=list)  # where an earlier attempt already delivered it


def already_sent(row: Outbox) -> list[str]:
    """Where a row for several transports already went, as recorded by a failure on a later one."""
    if row.sent_at is not None or row.last_error is None:
        return []
    return [t for t in (row.transport or "").split("+") if t]


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
    """Sends outbox rows. A person is reached on the chat platform they last used that reaches them;
    by e-mail when none does, when they chose e-mail (Person.notify_via "email"; "both": chat and
    e-mail), or when the chat delivery failed for good. Rows that only e-mail carries (a kallelse,
    minutes with their files) go by e-mail. In the terminal (`kansli chat`, `kansli tick`) the console
    prints every message, and is the fallback when nothing else reaches the recipient."""

    def __init__(self, *, sessionmaker: sessionmaker[Session], transports: list[Transport],
                 clock: Callable[[], datetime], threads: DatabaseThreads | None = None,
                 addressing: Mapping[str, Addressing] | None = None) -> None:
        """`addressing` by transport name: kansli's platforms' (bot.addressing.standard, e-mail only when
        given) unless passed. `transports` may grow later (Slack and Teams add theirs at start)."""
        self.sessionmaker = sessionmaker
        self.transports = transports
        self.clock = clock
        self.addressing = dict(addressing) if addressing is not None else addressing_standard()
        self._in_thread = threads.run if threads is not None else asyncio.to_thread

    def addressing_of(self, transport: Transport) -> Addressing:
        try:
            return self.addressing[transport.name]
        except KeyError:
            raise LookupError(f"no addressing for the {transport.name!r} transport") from None

    def _reaches(self, transport: Transport, session: Session, recipient: Recipient) -> bool:
        return self.addressing_of(transport).reaches(session, recipient)

    def _outgoing(self, transport: Transport, session: Session, recipient: Recipient, reply: Reply,
                  row: Outbox | None, now: datetime) -> Outgoing:
        """The message `transport` gets for a row, read from the store on a database thread."""
        address = self.addressing_of(transport).address(session, recipient, reply, row, now=now)
        return Outgoing.of(recipient, reply, row, address)

    def _chat(self, session: Session, recipient: Recipient) -> Transport | None:
        order = [t for t in self.transports if t.name not in (EMAIL, CONSOLE)]
        last = recipient.person.last_platform if recipient.person is not None else None
        order.sort(key=lambda t: 0 if t.name == last else 1)
        for t in order:
            if self._reaches(t, session, recipient):
                return t
        return None

    def _route(self, session: Session, recipient: Recipient, row: Outbox) -> tuple[list[Transport], Transport | None]:
        """The transports for a row, and the e-mail fallback should a chat delivery fail for good."""
        email = next((t for t in self.transports if t.name == EMAIL and self._reaches(t, session, recipient)), None)
        if (row.payload or {}).get("mail"):
            return ([email] if email else []), None
        chat = self._chat(session, recipient)
        via = recipient.person.notify_via if recipient.person is not None else None
        if via == "email" and email is not None:
            return [email], None
        if via == "both":
            targets = [t for t in (chat, email) if t is not None]
            return targets, None
        if chat is not None:
            return [chat], email
        return ([email] if email else []), None

    def plan(self, session: Session, rows: list[Outbox], *, now: datetime | None = None) -> dict[int, tuple[Outbox, Plan]]:
        """On a database thread, right after a command committed the rows it inserted claimed (bot.turn): where
        each goes, addressed from the session that ran the command (its people and forums are loaded there
        already), so that `deliver(planned=…)` only sends and records. A row that cannot be planned is left out
        (it is delivered as stored)."""
        now = now or self.clock()
        planned: dict[int, tuple[Outbox, Plan]] = {}
        for row in rows:
            try:
                planned[row.id] = (row, self._prepare(session, row, now))
            except Exception:  # noqa: BLE001 - `deliver` reads this row back and prepares it again
                log.exception("planning delivery %s failed", row.key)
                session.rollback()
        return planned

    async def deliver(self, ids: list[int] | None = None, *, now: datetime | None = None,
                      claim: str | None = None,
                      planned: Mapping[int, tuple[Outbox, Plan]] | None = None) -> dict[str, int]:
        """Send every due row (or just `ids`); returns counts of sent, waiting and failed. With `claim`, `ids`
        are rows a command inserted already claimed under that token (storage.outbox.enqueue), so they are
        read, not claimed again; those of them in `planned` (`plan`) are not read at all, only sent.

        Database work (routing, and addressing: reading Teams references, building e-mail from the
        store) runs in a worker thread (kansli's database threads) so the service's event loop never
        waits on the store; only the platform calls run on the loop, with no connection held.
        """
        counts = {"sent": 0, "waiting": 0, "failed": 0}
        now = now or self.clock()
        with self.sessionmaker() as session:
            ready = await self._ready(session, now=now, ids=ids, claim=claim, planned=planned or {})
            for row, known_plan in ready:
                try:
                    plan = known_plan or await self._in_thread(self._prepare, session, row, now)
                except Exception as exc:  # noqa: BLE001 - a message that cannot be built is retried later
                    log.exception("preparing delivery %s failed", row.key)
                    await self._in_thread(session.rollback)
                    await self._in_thread(self._record, session, outbox.mark_failed, row, now=now,
                                          error=f"{type(exc).__name__}: {exc}")
                    counts["failed"] += 1
                    continue
                if not plan.targets:
                    await self._in_thread(
                        self._record, session, outbox.mark_waiting, row, now=now,
                        reason=f"no platform reaches {plan.recipient.label} yet",
                    )
                    counts["waiting"] += 1
                elif await self._send_one(session, plan, row, now):
                    counts["sent"] += 1
                else:
                    counts["failed"] += 1
        return counts

    async def _ready(self, session: Session, *, now: datetime, ids: list[int] | None, claim: str | None,
                     planned: Mapping[int, tuple[Outbox, Plan]]) -> list[tuple[Outbox, Plan | None]]:
        """The rows to send in id order, each with its plan when the command already made one."""
        if claim is None:
            return [(row, None) for row in await self._in_thread(self._claim, session, now, ids)]
        wanted = ids or []
        ready: list[tuple[Outbox, Plan | None]] = [planned[i] for i in wanted if i in planned]
        missing = [i for i in wanted if i not in planned]
        if missing:
            ready += [(row, None) for row in await self._in_thread(self._claimed, session, missing, claim)]
            ready.sort(key=lambda pair: pair[0].id)
        return ready

    @staticmethod
    def _claim(session: Session, now: datetime, ids: list[int] | None) -> list[Outbox]:
        rows = outbox.claim(session, now=now, worker=worker_name(), ids=ids)
        session.commit()
        return rows

    @staticmethod
    def _claimed(session: Session, ids: list[int], token: str) -> list[Outbox]:
        return outbox.claimed(session, ids=ids, token=token)  # read on in `_prepare`'s transaction

    def _prepare(self, session: Session, row: Outbox, now: datetime) -> Plan:
        recipient = Recipient(
            person=session.get(Person, row.person_id) if row.person_id else None,
            forum=session.get(Forum, row.forum_id) if row.forum_id else None,
        )
        reply = Reply.from_dict(row.payload)
        targets, fallback = self._route(session, recipient, row)
        console = next((t for t in self.transports if t.name == CONSOLE), None)
        if not targets and console is not None:
            targets = [console]
        # A row part-sent before (chat done, e-mail to retry) is not sent again where it went.
        done = already_sent(row)
        targets = [t for t in targets if t.name not in done]
        echo = console if console is not None and console not in targets else None
        prepared = {t.name: self._outgoing(t, session, recipient, reply, row, now)
                    for t in targets + ([echo] if echo else [])}
        # End the read transaction so no pooled connection is held while the platform call waits.
        session.commit()
        return Plan(recipient=recipient, reply=reply, targets=targets, prepared=prepared, fallback=fallback,
                    echo=echo, done=done)

    def _prepare_fallback(self, session: Session, plan: Plan, fallback: Transport, row: Outbox,
                          now: datetime) -> Outgoing:
        # The recipient read again in this session: a plan made as the command committed holds objects of that
        # command's session, closed by now, and building an e-mail may read more of them.
        recipient = Recipient(
            person=session.get(Person, row.person_id) if row.person_id else None,
            forum=session.get(Forum, row.forum_id) if row.forum_id else None,
        )
        prepared = self._outgoing(fallback, session, recipient, plan.reply, row, now)
        session.commit()
        return prepared

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

    async def _send_one(self, session: Session, plan: Plan, row: Outbox, now: datetime) -> bool:
        label = plan.recipient.label
        done = list(plan.done)
        for transport in plan.targets:
            try:
                await transport.send(plan.prepared[transport.name])
            except PermanentError as exc:
                fallback = plan.fallback
                if fallback is None or transport is fallback:
                    return await self._gave_up(session, row, now, label, str(exc), done)
                plan.fallback = None
                log.warning("delivery %s to %s failed for good on %s (%s); sending by e-mail",
                            row.key, label, transport.name, exc)
                try:
                    prepared = await self._in_thread(self._prepare_fallback, session, plan, fallback, row, now)
                    await fallback.send(prepared)
                except PermanentError as exc2:
                    return await self._gave_up(session, row, now, label, f"{exc}; e-post: {exc2}", done)
                except Exception as exc2:  # noqa: BLE001 - the e-mail is tried again later
                    return await self._failed(session, row, now, label, exc2, done)
                done.append(fallback.name)
                continue
            except Exception as exc:  # noqa: BLE001 - any platform failure leaves the row for a retry
                return await self._failed(session, row, now, label, exc, done)
            done.append(transport.name)
        await self._in_thread(self._record, session, outbox.mark_sent, row.id, now=now, transport="+".join(done))
        if plan.echo is not None:
            try:
                await plan.echo.send(plan.prepared[plan.echo.name])
            except Exception:  # noqa: BLE001 - the echo is a courtesy
                log.debug("console echo failed", exc_info=True)
        return True

    async def _gave_up(self, session: Session, row: Outbox, now: datetime, label: str, error: str,
                       done: list[str]) -> bool:
        log.warning("delivery %s to %s failed for good: %s", row.key, label, error)
        await self._in_thread(self._record, session, outbox.mark_failed, row, now=now, error=error,
                              permanent=True, transport="+".join(done) or None)
        return False

    async def _failed(self, session: Session, row: Outbox, now: datetime, label: str, exc: Exception,
                      done: list[str]) -> bool:
        log.warning("delivery %s to %s failed, will retry: %s", row.key, label, exc)
        error = f"{type(exc).__name__}: {exc}"
        await self._in_thread(self._record, session, outbox.mark_failed, row, now=now, error=error,
                              transport="+".join(done) or None)
        return False
