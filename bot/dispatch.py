"""The one command dispatcher behind Slack, Teams, the terminal chat and the web.

It resolves who is asking, finds the command, runs its handler in one
transaction, writes the handler's messages to the outbox in that same
transaction, and commits. Any refusal rolls everything back; no exception ever
reaches the user, only a Swedish sentence.
"""
from __future__ import annotations

import contextlib
import logging
import random
import re
import threading
import time
from dataclasses import dataclass, field, replace
from datetime import datetime
from typing import Any, Callable, Iterable, Mapping, Protocol

from sqlalchemy import Engine
from sqlalchemy.exc import DBAPIError, OperationalError
from sqlalchemy.orm import Session, sessionmaker
from sqlalchemy.orm.exc import StaleDataError

from handlers import invoke, limits, registry
from handlers.base import (
    CHANNEL, CONVERSATIONS, PERSONAL, ConflictError, Context, Reply, UserError, error_reply,
)
from storage import outbox, queries
from storage.models import Forum, Outbox, Person
from handlers.i18n import _

log = logging.getLogger("kansli.dispatch")
LOCKED_RETRIES = 20
# Re-runs of a command that lost a race on PostgreSQL (or on SQLite across processes) before it is refused.
CONFLICT_RETRIES = 6
# Platforms that post every reply in the conversation it answers, for everyone there to see (no ephemeral).
NO_WHISPER = frozenset({"teams"})

UNKNOWN_COMMAND = _("Jag känner inte igen ”{text}”. Skriv /hjälp för att se vad du kan skriva.")
DID_YOU_MEAN = _("Jag känner inte igen ”{text}”. Menade du {options}? Skriv /hjälp för att se allt du kan skriva.")
COMPLETIONS = _("”{text}” är början på {options}. Skriv hela kommandot, eller /hjälp för att se "
                "allt du kan skriva.")
IN_SWEDISH = _("Kommandona skrivs på svenska: prova {text}.")
DB_DOWN = _("Kansli når inte sin databas just nu. Inget har sparats; försök igen om en liten stund.")
CONFLICT = _("Någon annan ändrade samma sak samtidigt. Inget av det du skrev har sparats; försök igen.")
INTERNAL = _("Något gick fel hos Kansli och inget har sparats. Försök igen, och kontakta "
             "samordnaren om det händer igen.")


@dataclass(frozen=True)
class Identity:
    """Who is asking, as the platform knows them."""

    handle: str | None = None
    slack_user_id: str | None = None
    teams_user_id: str | None = None
    teams_aad_object_id: str | None = None

    def describe(self) -> str:
        return self.handle or self.slack_user_id or self.teams_aad_object_id or self.teams_user_id or "okänd"


@dataclass
class Outcome:
    reply: Reply
    outbox_ids: list[int] = field(default_factory=list)
    person_id: int | None = None
    # Each new outbox row's recipient, (person_id, forum_id), in the order of `outbox_ids`.
    recipients: list[tuple[int | None, int | None]] = field(default_factory=list)
    # The claim the new outbox rows were inserted under (`run_turn(claim=…)`), for the caller's own delivery.
    claim: str | None = None
    # What `run_turn(after_commit=…)` made of the new rows once they were committed (the caller's delivery plans).
    prepared: Any = None

    def by_recipient(self) -> dict[tuple[int | None, int | None], list[int]]:
        """The new outbox rows grouped by recipient (person or forum), each group in id order."""
        return by_recipient(self.outbox_ids, self.recipients)


def by_recipient(ids: list[int], recipients: list[tuple[int | None, int | None]]
                 ) -> dict[tuple[int | None, int | None], list[int]]:
    """Outbox ids grouped by their recipients (person id, forum id), each group in id order."""
    out: dict[tuple[int | None, int | None], list[int]] = {}
    for row_id, recipient in sorted(zip(ids, recipients)):
        out.setdefault(recipient, []).append(row_id)
    return out


# An adapter's first step inside a turn's transaction: the command text, or None for a turn already answered.
Prepare = Callable[[Session], "str | None"]
# A caller's step right after the command committed, in the same session, given the outbox rows it inserted
# claimed (objects of no session): what it returns is the outcome's `prepared`.
AfterCommit = Callable[[Session, "list[Outbox]"], Any]


class Holds(Protocol):
    """Told, on the command's thread, which recipients a turn is about to queue messages for (before the rows
    get their ids) and then which ids they got, so that a recipient's queue can keep outbox order while
    turns commit in another order (bot.turn.RecipientQueues)."""

    def hold(self, recipients: Iterable[tuple[int | None, int | None]]) -> None: ...

    def inserted(self, by_recipient: Mapping[tuple[int | None, int | None], list[int]]) -> None: ...


def unknown_person_reply(identity: Identity, platform: str) -> Reply:
    if platform == "slack":
        how = _("Be samordnaren lägga till dig med /ledamot ny och nämna dig med @ i Slack (ditt Slack-id är {id}).")
        who = identity.slack_user_id or identity.describe()
    elif platform == "teams":
        how = _("Be samordnaren lägga till dig med /ledamot ny och nämna dig med @ i Teams (ditt Teams-id är {id}).")
        who = identity.teams_aad_object_id or identity.teams_user_id or identity.describe()
    else:
        how = _("Kontrollera stavningen, eller be samordnaren lägga till dig med /ledamot ny @{id} NAMN; organisation: ID.")
        who = identity.handle
    return error_reply(_("Kansli känner inte igen dig. {format}", format=how.format(id=who)))


# SQLite: the snapshot a write was based on is stale (another connection committed first).
SQLITE_BUSY_SNAPSHOT = 517
# PostgreSQL: serialization failure, deadlock detected.
PG_CONFLICT_STATES = ("40001", "40P01")


def is_write_conflict(exc: DBAPIError) -> bool:
    """A concurrent change, not an outage: the user should simply try again."""
    orig = getattr(exc, "orig", None)
    if getattr(orig, "sqlite_errorcode", None) == SQLITE_BUSY_SNAPSHOT:
        return True
    return getattr(orig, "sqlstate", None) in PG_CONFLICT_STATES


# PostgreSQL: a unique key taken by a concurrent transaction. SQLite: UNIQUE or PRIMARY KEY constraint.
PG_UNIQUE_VIOLATION = "23505"
SQLITE_UNIQUE = (2067, 1555)


def is_unique_violation(exc: DBAPIError) -> bool:
    orig = getattr(exc, "orig", None)
    return (getattr(orig, "sqlstate", None) == PG_UNIQUE_VIOLATION
            or getattr(orig, "sqlite_errorcode", None) in SQLITE_UNIQUE)


def is_retryable(exc: BaseException) -> bool:
    """A race another command won: run the whole command again, and it reads what the winner wrote.

    A unique key taken meanwhile counts: the commands that insert under a unique key (an absence per
    meeting and person, a case number, an agenda version) answer rightly once they see the winner's row."""
    if isinstance(exc, (StaleDataError, ConflictError)):
        return True
    if isinstance(exc, DBAPIError):
        return is_write_conflict(exc) or is_unique_violation(exc)
    return False


def conflict_kind(exc: BaseException) -> str:
    orig = getattr(exc, "orig", None)
    return type(orig if orig is not None else exc).__name__


def concurrent_store(maker: sessionmaker[Session]) -> bool:
    """True when commands may run side by side: PostgreSQL through a pool of connections (an Engine)."""
    bind = maker.kw.get("bind")
    return isinstance(bind, Engine) and bind.dialect.name == "postgresql"


def clean(value: str | None) -> str | None:
    """Text as the store can hold it: no NUL characters and no lone surrogates from odd payloads."""
    if value is None:
        return None
    return str(value).replace("\x00", "").encode("utf-8", "replace").decode("utf-8")


class Dispatcher:
    def __init__(self, *, sessionmaker: sessionmaker[Session], clock, email: bool = False) -> None:  # type: ignore[no-untyped-def]
        registry.load_all()
        self.sessionmaker = sessionmaker
        self.clock = clock
        self.email = email  # this process sends e-mail (handlers then queue kallelser and minutes by e-mail)
        # SQLite lets one connection write at a time, and a writer that finds the file locked sleeps and polls
        # (1, 2, 5 … 100 ms): seconds at the tail (measured in `make bench`). The commands of one process
        # therefore take turns on SQLite (and on a single shared connection, as in the tests), so they never
        # collide there. On PostgreSQL they run side by side, as many as the worker pool (bot.threads) holds:
        # row locks keep them correct, and a command that lost a race (a serialisation failure, a deadlock,
        # a key taken meanwhile, a row changed meanwhile) is run again from the start.
        self.serial = not concurrent_store(sessionmaker)
        self._one_at_a_time = threading.Lock() if self.serial else contextlib.nullcontext()

    @staticmethod
    def _dates():  # type: ignore[no-untyped-def]
        from bot import dates

        return dates

    def resolve(self, session: Session, identity: Identity, *, channel: str | None = None) -> Person | None:
        """Who is asking: in one query with their organisation, memberships and forums, and the roster of
        the forum whose channel it is (storage.queries.identify)."""
        return queries.identify(session, handle=identity.handle, slack_user_id=identity.slack_user_id,
                                teams_user_id=identity.teams_user_id,
                                teams_aad_object_id=identity.teams_aad_object_id, channel=channel)

    def run(
        self,
        text: str,
        *,
        identity: Identity,
        platform: str = "cli",
        now: datetime | None = None,
        channel: str | None = None,
        conversation: str | None = None,
    ) -> Outcome:
        """Answer one command. `channel` is the platform channel id it came from, if any; `conversation` is
        its kind (handlers.base.PERSONAL, GROUP or CHANNEL; without one, a channel id means CHANNEL)."""
        outcome = self._attempts(text, None, identity=identity, platform=platform, now=now, channel=channel,
                                 conversation=conversation)
        assert outcome is not None  # only a `prepare` step can decline a turn
        return outcome

    def run_turn(
        self,
        prepare: Prepare,
        *,
        identity: Identity,
        platform: str,
        now: datetime | None = None,
        channel: str | None = None,
        conversation: str | None = None,
        claim: str | None = None,
        after_commit: AfterCommit | None = None,
        holds: Holds | None = None,
    ) -> Outcome | None:
        """Answer one platform turn in a single transaction that begins with the adapter's own bookkeeping.

        `prepare(session)` records what the adapter must keep (that the activity was seen, where the
        conversation can be reached) and returns the command text, or None when the turn was already
        answered; then nothing is run and None is returned. What `prepare` writes is kept even when the
        command is refused (the command is rolled back and `prepare` runs again on its own), and lost
        only when the transaction fails, so that a redelivery is answered then.

        With `claim` (storage.outbox.claim_token), the messages the command queues for others are inserted
        already claimed under it: the caller delivers them itself as soon as the turn is answered, and
        `after_commit(session, rows)` may prepare that delivery from them on this thread, in the same session,
        without reading them back; a failure there is logged and leaves `prepared` None. `holds` is told of
        those rows as they are inserted (Holds).
        """
        return self._attempts(None, prepare, identity=identity, platform=platform, now=now, channel=channel,
                              conversation=conversation, claim=claim, after_commit=after_commit, holds=holds)

    def _attempts(
        self,
        text: str | None,
        prepare: Prepare | None,
        *,
        identity: Identity,
        platform: str,
        now: datetime | None,
        channel: str | None,
        conversation: str | None = None,
        claim: str | None = None,
        after_commit: AfterCommit | None = None,
        holds: Holds | None = None,
    ) -> Outcome | None:
        now = now or self.clock()
        channel = clean(channel)
        if conversation not in CONVERSATIONS:
            conversation = CHANNEL if channel else PERSONAL
        identity = replace(identity, **{k: clean(v) for k, v in vars(identity).items() if isinstance(v, str)})
        conflicts = 0
        try:
            for attempt in range(LOCKED_RETRIES + CONFLICT_RETRIES + 1):
                try:
                    with self._one_at_a_time, self.sessionmaker() as session:
                        queries.for_turn(session)
                        if prepare is None:
                            command_text = text
                        else:
                            command_text = prepare(session)
                            if command_text is None:
                                session.rollback()
                                return None
                        return self._run(session, clean(command_text) or "", identity=identity,
                                         platform=platform, now=now, channel=channel, keep=prepare,
                                         conversation=conversation, claim=claim, after_commit=after_commit,
                                         holds=holds)
                except (DBAPIError, StaleDataError, ConflictError) as exc:
                    if isinstance(exc, OperationalError) and "database is locked" in str(exc):
                        # SQLite refuses a write at once when another writer committed after this transaction
                        # began; nothing was saved, so the whole command is simply run again.
                        if attempt >= LOCKED_RETRIES:
                            raise
                        log.info("store busy, running the command again (%d)", attempt + 1)
                        time.sleep(random.uniform(0.01, 0.05) * min(attempt + 1, 5))
                        continue
                    # Another command changed the same rows first: nothing of this one was saved, and run
                    # again from the start it reads what the other wrote (the next number, the absence
                    # already recorded). Bounded, with jitter so that two losers do not collide again.
                    if not is_retryable(exc) or conflicts >= CONFLICT_RETRIES:
                        raise
                    conflicts += 1
                    log.info("write conflict (%s), running the command again (%d)", conflict_kind(exc), conflicts)
                    time.sleep(random.uniform(0.002, 0.02) * conflicts)
            raise AssertionError("unreachable")
        except (StaleDataError, ConflictError) as exc:
            log.info("write conflict after %d re-runs: %s", conflicts, conflict_kind(exc))
            return Outcome(error_reply(CONFLICT))
        except (OperationalError, DBAPIError) as exc:
            if is_retryable(exc):  # still conflicting after the re-runs above
                log.info("write conflict after %d re-runs: %s", conflicts, conflict_kind(exc))
                return Outcome(error_reply(CONFLICT))
            log.error("database unavailable: %s: %s", type(exc).__name__, str(exc).splitlines()[0][:200])
            return Outcome(error_reply(DB_DOWN))
        except Exception:  # noqa: BLE001 - the user never sees a traceback
            log.exception("command failed")
            return Outcome(error_reply(INTERNAL))

    def _run(
        self, session: Session, text: str, *, identity: Identity, platform: str, now: datetime, channel: str | None,
        keep: Prepare | None = None, conversation: str = PERSONAL, claim: str | None = None,
        after_commit: AfterCommit | None = None, holds: Holds | None = None,
    ) -> Outcome:
        """Run the command in `session`'s transaction. With `keep` (the adapter's bookkeeping step, which
        already ran in this transaction), that bookkeeping is committed even when the command is refused."""
        person = self.resolve(session, identity, channel=channel)
        if person is None:
            if keep:
                session.commit()
            return Outcome(unknown_person_reply(identity, platform))
        text = (text or "").strip()
        found = registry.match(text or "hjälp")
        if found is None:
            if keep:
                session.commit()
            return Outcome(error_reply(self._unknown(session, person, text, now)), person_id=person.id)
        cmd, args = found
        try:
            limits.command(text)
        except UserError as exc:
            if keep:
                session.commit()
            return Outcome(error_reply(exc.message), person_id=person.id)
        ctx = Context(
            session=session,
            now=now,
            person=person,
            platform=platform,
            forum=self._forum_of_channel(session, platform, channel, person),
            conversation=conversation,
            whispers=platform not in NO_WHISPER,
            parse_when=self._dates().parse_when,
            split_when=self._dates().split_when,
            email=self.email,
        )
        person_id = person.id
        try:
            reply = invoke.shown_where_asked(ctx, invoke.run(cmd, ctx, args), text)
            if platform in ("slack", "teams") and person.last_platform != platform:
                person.last_platform = platform
            ids: list[int] = []
            recipients: list[tuple[int | None, int | None]] = []
            inserted: list[Outbox] = []
            outgoing = ctx.outgoing()
            if holds is not None and outgoing:
                holds.hold((m.person_id, m.forum_id) for m in outgoing)
            for m in outgoing:
                payload = m.payload()
                row_id = outbox.enqueue(session, key=m.key, kind=m.kind, payload=payload, now=now,
                                        person_id=m.person_id, forum_id=m.forum_id, claimed_by=claim)
                if row_id is not None:
                    ids.append(row_id)
                    recipients.append((m.person_id, m.forum_id))
                    if after_commit is not None and claim is not None:
                        inserted.append(outbox.as_inserted(row_id, key=m.key, kind=m.kind, payload=payload, now=now,
                                                           person_id=m.person_id, forum_id=m.forum_id,
                                                           claimed_by=claim))
            if holds is not None and outgoing:
                holds.inserted(by_recipient(ids, recipients))
            session.commit()
        except UserError as exc:
            self._undo(session, keep)
            reply = exc.reply or error_reply(exc.message)
            translated = registry.swedish(text)
            if translated is not None:
                reply.lines.append(IN_SWEDISH.format(text=f"/{translated}"))
            return Outcome(reply, person_id=person_id)
        # A conflict (StaleDataError, ConflictError, a key taken meanwhile) leaves here: `_attempts` runs the
        # whole turn again, the adapter's bookkeeping included, in a fresh transaction.
        prepared = None
        if inserted:
            assert after_commit is not None
            try:
                prepared = after_commit(session, inserted)
            except Exception:  # noqa: BLE001 - the rows are committed; the caller delivers them as stored
                log.exception("preparing the delivery of a turn's messages failed")
                session.rollback()
        return Outcome(reply, outbox_ids=ids, person_id=person_id, recipients=recipients,
                       claim=claim if ids else None, prepared=prepared)

    @staticmethod
    def _unknown(session: Session, person: Person, text: str, now: datetime) -> str:
        """The answer to a text that is no command: the commands it probably meant, those the asker may run."""
        from handlers.fmt import local

        roles: set[str] = set()
        for forum in queries.forums_of(session, person) or []:
            roles |= queries.roles_of(session, person, forum, on=local(now).date())
        options = registry.suggest(text, lambda cmd: cmd.allowed_for(roles))
        shown = "/" + text.strip().lstrip("/")
        cut = re.search(r"\s*[;:]", shown)
        if cut:  # a note or options after ':' or ';' are not repeated (a note may hold health data)
            shown = shown[: cut.start()] + " …"
        shown = shown if len(shown) <= 60 else shown[:57] + "…"
        if not options:
            return UNKNOWN_COMMAND.format(text=shown)
        typed = text.strip().lstrip("/").split()
        if len(typed) == 1 and all(registry.normalise(o.lstrip("/")).startswith(registry.normalise(typed[0]))
                                   for o in options) and len(options) > 1:
            return COMPLETIONS.format(text=shown, options=registry.or_list(options))
        return DID_YOU_MEAN.format(text=shown, options=registry.or_list(options))

    @staticmethod
    def _undo(session: Session, keep: Prepare | None) -> None:
        """Undo the command; then record the adapter's bookkeeping again on its own and commit it.

        (Refusals are rare, so this costs less than a SAVEPOINT around every command.)"""
        session.rollback()
        if keep is not None:
            keep(session)
            session.commit()

    @staticmethod
    def _forum_of_channel(session: Session, platform: str, channel: str | None,
                          person: Person | None = None) -> Forum | None:
        if not channel:
            return None
        if platform == "cli":
            return queries.channel_forum(session, person, channel.lstrip("#"), by_key=True)
        return queries.channel_forum(session, person, channel)
