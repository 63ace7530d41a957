"""How many statements one command sends to the store: `statements_per_command`.

On PostgreSQL every statement is a round trip over the network, so a turn's cost grows with their
number whatever each one costs. The three commands of the HTTP phase are answered in-process by
the dispatcher, as `kansli serve` answers a Slack slash command from a forum's channel, while a
`before_cursor_execute` listener (and the transaction's begin and commit) counts what reaches the
store. A count is not a time: `tests/bot/test_statements.py` asserts the same on the example network.

Each person runs a command first that is not counted (it records the platform they wrote from, a
one-time write), so the figure is that of a person who has written before.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timezone
from typing import Callable, Iterator

from contextlib import contextmanager
from sqlalchemy import Engine, event

# (label, command text, who asks: "member" or "coordinator")
COMMANDS = (
    ("dagordning", "/dagordning", "member"),
    ("anmäl frånvaro", "/anmäl frånvaro nästa möte: tjänsteresa", "member"),
    ("uppdrag alla", "/uppdrag alla", "coordinator"),
)


@dataclass
class Counter:
    """Statements sent while counting: SQL through a cursor, and the transaction's BEGIN, COMMIT, ROLLBACK."""

    statements: list[str] = field(default_factory=list)

    @property
    def count(self) -> int:
        return len(self.statements)


@contextmanager
def counting(engine: Engine) -> Iterator[Counter]:
    counter = Counter()

    def on_statement(conn, cursor, statement, parameters, context, executemany):  # type: ignore[no-untyped-def]
        if statement.strip().upper() == "BEGIN":
            return  # SQLite's explicit BEGIN (storage.db): counted once, as the transaction's begin below
        counter.statements.append(" ".join(statement.split()))

    listeners: list[tuple[str, Callable]] = [
        ("before_cursor_execute", on_statement),
        ("begin", lambda conn: counter.statements.append("BEGIN")),
        ("commit", lambda conn: counter.statements.append("COMMIT")),
        ("rollback", lambda conn: counter.statements.append("ROLLBACK")),
    ]
    for name, fn in listeners:
        event.listen(engine, name, fn)
    try:
        yield counter
    finally:
        for name, fn in listeners:
            event.remove(engine, name, fn)


def count_commands(engine: Engine, run: Callable[[str, str], object], *, member: str, absentee: str,
                   coordinator: str) -> dict[str, int]:
    """Statements per command; `run(who, text)` answers one command from that person (an identity key)."""
    who = {"member": member, "coordinator": coordinator}
    out: dict[str, int] = {}
    for label, text, role in COMMANDS:
        person = absentee if label == "anmäl frånvaro" else who[role]
        warm = "/dagordning" if label == "anmäl frånvaro" else text  # an absence is reported only once
        run(person, warm)
        with counting(engine) as counter:
            run(person, text)
        out[label] = counter.count
    return out


def measure(url: str) -> dict[str, object]:
    """`statements_per_command` on the store at `url`, through the dispatcher as a Slack command from a
    forum's channel: a member's agenda and absence report, a coordinator's every assignment."""
    from bench.http import load_people
    from bot.dispatch import Dispatcher, Identity
    from storage.db import make_engine, make_sessionmaker

    forums = load_people(url)
    # The last forum's last members: the HTTP phase's absence reports reach them last, if ever.
    forum = forums[-1]
    engine = make_engine(url)
    try:
        dispatcher = Dispatcher(sessionmaker=make_sessionmaker(engine), clock=lambda: datetime.now(timezone.utc))
        answers: dict[str, str] = {}

        def run(slack_user_id: str, text: str) -> object:
            outcome = dispatcher.run(text, identity=Identity(slack_user_id=slack_user_id), platform="slack",
                                     channel=forum.slack_channel)
            answers[text] = outcome.reply.plain_text()[:120]
            return outcome

        counts = count_commands(engine, run, member=forum.members[-1].slack_user_id,
                                absentee=forum.members[-2].slack_user_id,
                                coordinator=forum.coordinators[0].slack_user_id)
    finally:
        engine.dispose()
    return {"statements_per_command": counts, "statements_answers": answers}
