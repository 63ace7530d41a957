"""The guides run as written: every example conversation in docs/*.md and every `kansli chat` line of the
README is executed through the terminal chat against the demo network of `make run`, and every command the
guides or the README name exists in the command registry.

Example conversations are fenced blocks marked ```chat. A line `Förnamn Efternamn: /kommando` is typed by
that person of the example network; `kansli:` lines (and their indented continuations) are the shortened
answer, which is not compared word for word (replies may be reworded); a line in parentheses sets the clock:
`(under nästa möte)` is half an hour into the demo's next LCHNV meeting, `(efter mötet)` the working day after
it at 09.00. Without one, the clock is the test's "today".
"""
from __future__ import annotations

import re
import shlex
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path

import pytest
from sqlalchemy import select

from bot.demo import coming_fridays
from bot.slack.text import SLASH_ALIASES, SLASH_COMMANDS
from handlers import registry
from tests.conftest import ROOT, Chat, at

DOCS = ROOT / "docs"
GUIDES = sorted(DOCS.glob("*.md"))
README = ROOT / "README.md"
TODAY = "2026-11-30T09:00"  # a Monday; the demo's meetings are planned from it

FENCE = re.compile(r"^```chat[ \t]*\n(.*?)^```", re.M | re.S)
SPOKEN = re.compile(r"^([A-ZÅÄÖ][\wåäöé]+(?: [A-ZÅÄÖ][\wåäöé]+)+):\s+(/.*)$")
CLI_CHAT = re.compile(r"kansli chat .*")
CODE_SPAN = re.compile(r"`(/[^`]+)`")
# Written on purpose as what a user might mistype, or as the first word of several commands (the
# reference shows what kansli answers), or Slack's one slash command on its own; everything else must exist.
NOT_COMMANDS = {"/uppdarg alla", "/hälp", "/tasks", "/report absence friday", "/anmäl", "/anmal", "/publicera",
                "/kansli"}
SLACK_NAMES = set(SLASH_COMMANDS) | set(SLASH_ALIASES)
CASE_NO = re.compile(r"\b(20\d\d:\d+)\b")


@dataclass
class Example:
    doc: str
    line: int
    name: str  # a person's full name, or a handle for README lines
    text: str
    clock: str  # "idag", "under nästa möte", "efter mötet", or an ISO --now


def conversations(path: Path) -> list[Example]:
    source = path.read_text(encoding="utf-8")
    out: list[Example] = []
    for block in FENCE.finditer(source):
        first_line = source[: block.start(1)].count("\n") + 1
        clock = "idag"
        for offset, raw in enumerate(block.group(1).splitlines()):
            line = raw.strip()
            if line.startswith("(") and line.endswith(")"):
                clock = line[1:-1]
                continue
            spoken = SPOKEN.match(line)
            if spoken and spoken.group(1) != "kansli":
                out.append(Example(path.name, first_line + offset, spoken.group(1), spoken.group(2), clock))
    return out


def readme_chats() -> list[Example]:
    out = []
    for number, line in enumerate(README.read_text(encoding="utf-8").splitlines(), 1):
        found = CLI_CHAT.search(line)
        if not found or '"' not in found.group(0):
            continue
        words = shlex.split(found.group(0))
        handle = words[words.index("--as") + 1]
        now = words[words.index("--now") + 1] if "--now" in words else "idag"
        out.append(Example("README.md", number, handle, words[-1], now))
    return out


def named_commands(path: Path) -> list[str]:
    """Every command a document names: `/…` code spans and the commands of its conversations."""
    text = path.read_text(encoding="utf-8")
    found = [m.group(1) for m in CODE_SPAN.finditer(text)]
    found += [e.text for e in conversations(path)]
    out = []
    for cmd in found:
        cmd = " ".join(cmd.split())
        if cmd in NOT_COMMANDS or cmd in SLACK_NAMES:
            continue  # a mistype shown on purpose, or a bare Slack slash command name (test_slack_manifest checks them)
        if cmd.startswith("/kansli "):  # Slack's one slash command: /kansli möte ny …
            cmd = "/" + cmd[len("/kansli "):]
        head = cmd.split()[0] if cmd.split() else cmd
        if "/" in head[1:] or head in ("/healthz", "/readyz", "/proc") or head.startswith("/api"):
            continue  # a web address, not a command
        out.append(cmd)
    return out


# ------------------------------------------------------------------------------------------------ demo


@pytest.fixture
def demo(db, engine):  # type: ignore[no-untyped-def]
    """The store `make run` builds on TODAY: the example network and the demo's history and coming meetings."""
    from bot.cli import EXAMPLE_NETWORK, import_network
    from bot.demo import seed_demo
    from tests.bot.test_web import services_for

    services = services_for(db, engine, now=at(TODAY))
    import_network(services, str(EXAMPLE_NETWORK))
    seed_demo(services)
    return db


def clock_for(when: str) -> str:
    first = coming_fridays(at(TODAY).date())[0]
    if when == "idag":
        return TODAY
    if when == "under nästa möte":
        return f"{first.isoformat()}T10:00"
    if when == "efter mötet":
        from handlers.calendar import next_working_day

        return f"{next_working_day(first + timedelta(days=1)).isoformat()}T09:00"
    return datetime.fromisoformat(when).isoformat(timespec="minutes")


def handle_of(demo, name: str) -> str:  # type: ignore[no-untyped-def]
    from storage.models import Person

    with demo() as s:
        if s.scalar(select(Person).where(Person.handle == name)) is not None:
            return name
        handle = s.scalar(select(Person.handle).where(Person.name == name))
    assert handle, f"{name} is no person of the example network"
    return handle


def run_examples(demo, examples: list[Example]) -> None:  # type: ignore[no-untyped-def]
    chat = Chat(demo)
    for ex in examples:
        said = chat(handle_of(demo, ex.name), ex.text, now=clock_for(ex.clock))
        where = f"{ex.doc}:{ex.line} {ex.name}: {ex.text}"
        assert said.ok, f"{where} was refused:\n{said.reply}"
        assert "Traceback" not in said.reply and said.reply.strip(), where
        for number in CASE_NO.findall(ex.text):  # the key facts: the case it named
            assert number in said.reply, f"{where}: the reply does not name {number}:\n{said.reply}"


# ------------------------------------------------------------------------------------------------ tests


def test_the_guides_exist_and_hold_example_conversations() -> None:
    names = {p.name for p in GUIDES}
    assert {"ledamot.md", "samordnare.md", "operator.md"} <= names
    for guide in ("ledamot.md", "samordnare.md"):
        assert len(conversations(DOCS / guide)) >= 10, guide


@pytest.mark.parametrize("guide", ["ledamot.md", "samordnare.md"])
def test_every_example_in_a_guide_runs_as_written_against_the_demo(demo, guide: str) -> None:  # type: ignore[no-untyped-def]
    run_examples(demo, conversations(DOCS / guide))


def test_every_chat_line_of_the_readme_runs_against_the_demo(demo) -> None:  # type: ignore[no-untyped-def]
    examples = readme_chats()
    assert examples
    run_examples(demo, examples)


@pytest.mark.parametrize("path", [README, *GUIDES], ids=lambda p: p.name)
def test_every_command_the_documents_name_is_in_the_registry(path: Path) -> None:
    registry.load_all()
    unknown = [cmd for cmd in named_commands(path) if registry.match(cmd) is None]
    assert not unknown, f"{path.name} names commands kansli does not have: {unknown}"


def test_the_readme_is_short_and_maps_the_guides() -> None:
    text = README.read_text(encoding="utf-8")
    assert len(text.splitlines()) < 300
    for guide in ("docs/ledamot.md", "docs/samordnare.md", "docs/operator.md"):
        assert guide in text


def test_the_guides_images_exist_and_are_small() -> None:
    for guide in GUIDES:
        for image in re.findall(r"\]\((img/[^)]+\.png)\)", guide.read_text(encoding="utf-8")):
            path = DOCS / image
            assert path.exists(), f"{guide.name} shows {image}, which is missing (tests/docs_screenshots.py makes it)"
            assert path.stat().st_size < 400_000, f"{image} is too large"
