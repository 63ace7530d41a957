"""Hypothesis: arbitrary text and arbitrary platform identity fields through the one dispatcher.

Whatever arrives (any Unicode, NUL characters, lone surrogates from a JSON payload,
unknown Slack or Teams ids, odd channels, any instant), kansli answers with
non-empty Swedish text, no exception escapes, a refusal changes nothing, and the
store stays consistent.
"""
from __future__ import annotations

import re
from datetime import datetime, timezone

from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st
from sqlalchemy import func, select, text
from sqlalchemy.orm import Session, sessionmaker

from bot.dispatch import DB_DOWN, INTERNAL, Dispatcher, Identity
from handlers import registry
from storage.models import Base
from tests.conftest import at

SWEDISH_WORDS = {
    "och", "att", "inte", "du", "dig", "din", "ditt", "skriv", "för", "är", "det", "har", "på", "med", "till",
    "kansli", "möte", "möten", "ingen", "inget", "eller", "känner", "igen", "försök", "igen", "kan", "som",
    "frånvaro", "dagordning", "hjälp", "samordnaren", "vill", "finns", "saknas", "ange",
}
HANDLES = ["maria.lind", "per.ek", "eva.strand", "karin.berg", "lars.holm", "johan.sjo"]


def is_swedish(reply: str) -> bool:
    """A Swedish sentence: a letter å, ä or ö, or a common Swedish word."""
    if re.search(r"[åäöÅÄÖ]", reply):
        return True
    return bool(set(re.findall(r"[a-zåäö]+", reply.lower())) & SWEDISH_WORDS)


registry.load_all()
COMMAND_WORDS = sorted({n for c in registry.commands() for n in (c.name, *c.aliases)})

# Any text, including NUL, control characters and lone surrogates (which JSON payloads can carry).
any_text = st.text(alphabet=st.characters(codec=None, exclude_categories=()), max_size=120)
ascii_junk = st.text(alphabet=st.characters(min_codepoint=0, max_codepoint=127), max_size=40)
command_text = st.one_of(
    any_text,
    st.builds(lambda slash, cmd, rest: f"{slash}{cmd} {rest}", st.sampled_from(["/", "", " /"]),
              st.sampled_from(COMMAND_WORDS), any_text),
    st.builds(lambda cmd, when, rest: f"/{cmd} {when}{rest}", st.sampled_from(COMMAND_WORDS),
              st.sampled_from(["6 mars", "nästa", "idag", "vecka 10", "31/2", "200306", "kl 25.00", "punkt 4-6",
                               "; forum: lchnv", ": en notering", "; ersättare: @per.ek", "alla", "@maria.lind"]),
              any_text),
)
known = st.builds(Identity, handle=st.sampled_from(HANDLES))
strangers = st.one_of(
    st.builds(Identity, handle=any_text),
    st.builds(Identity, slack_user_id=st.one_of(any_text, ascii_junk)),
    st.builds(Identity, teams_user_id=st.one_of(st.none(), any_text),
              teams_aad_object_id=st.one_of(st.none(), any_text)),
    st.just(Identity()),
)
# Most examples come from people kansli knows, so that they reach the handlers.
identities = st.integers(0, 9).flatmap(lambda i: known if i < 7 else strangers)
instants = st.datetimes(min_value=datetime(2000, 1, 1), max_value=datetime(2100, 1, 1),
                        timezones=st.just(timezone.utc))
channels = st.one_of(st.none(), st.sampled_from(["lchnv", "#styrgrupp-lchnv", "C0123", ""]), any_text)


def counts(session: Session) -> dict[str, int]:
    return {t.name: session.scalar(select(func.count()).select_from(t)) or 0 for t in Base.metadata.sorted_tables}


def foreign_keys_hold(session: Session) -> bool:
    if session.get_bind().dialect.name == "sqlite":
        return not session.execute(text("PRAGMA foreign_key_check")).all()
    return True  # PostgreSQL enforces every foreign key on write


@settings(max_examples=300, deadline=None, database=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])
@given(text_in=command_text, identity=identities, platform=st.sampled_from(["cli", "slack", "teams"]),
       now=st.one_of(st.just(at("2020-02-20T09:00")), instants), channel=channels)
def test_anything_typed_gets_swedish_text_and_leaves_the_store_consistent(
    network: sessionmaker[Session], text_in: str, identity: Identity, platform: str, now: datetime,
    channel: str | None,
) -> None:
    dispatcher = Dispatcher(sessionmaker=network, clock=lambda: now)
    with network() as s:
        before = counts(s)
    outcome = dispatcher.run(text_in, identity=identity, platform=platform, now=now, channel=channel)
    reply = outcome.reply.plain_text()
    event(f"ok={outcome.reply.ok} known={outcome.person_id is not None}")
    assert reply.strip(), "an empty answer"
    assert is_swedish(reply), reply
    assert "Traceback" not in reply
    assert reply not in (INTERNAL, DB_DOWN), f"{text_in!r} from {identity} on {platform} at {now} in {channel!r}"
    with network() as s:
        after = counts(s)
        if not outcome.reply.ok:
            assert after == before, f"a refusal changed the store: {reply}"
        assert foreign_keys_hold(s)
        assert after["absence"] >= before["absence"] - 0  # nothing is ever deleted by a chat command


def test_the_swedish_check_tells_swedish_from_english() -> None:
    assert is_swedish("Jag känner inte igen '/x'. Skriv /hjälp för att se vad du kan skriva.")
    assert not is_swedish("Internal server error")
