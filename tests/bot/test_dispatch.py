"""The dispatcher: one transaction per command, no traceback ever, concurrent writers on SQLite."""
from __future__ import annotations

import re
import threading
from pathlib import Path

from sqlalchemy import select

from bot.app import build
from bot.config import Settings
from bot.dispatch import Identity
from storage.models import Case
from storage.network import apply, load_file
from tests.conftest import EXAMPLE, at


def test_simultaneous_raises_on_one_sqlite_file_all_succeed_with_distinct_numbers(tmp_path: Path) -> None:
    services = build(Settings(KANSLI_DATABASE_URL=f"sqlite:///{tmp_path / 'k.db'}"))
    with services.sessionmaker() as s:
        apply(s, load_file(str(EXAMPLE)), now=at("2020-01-01T09:00"))
        s.commit()
    replies: list[str] = []
    barrier = threading.Barrier(6)

    def raise_case(i: int) -> None:
        barrier.wait()
        out = services.dispatcher.run(f"/anmäl ärende Samtidigt ärende {i}; forum: lchnv",
                                      identity=Identity(handle="per.ek"), now=at("2020-09-01T09:00"))
        replies.append(out.reply.plain_text())

    threads = [threading.Thread(target=raise_case, args=(i,)) for i in range(6)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    numbers = [m.group(0) for r in replies if (m := re.search(r"2020:\d+", r))]
    assert len(set(numbers)) == 6, replies
    with services.sessionmaker() as s:
        titles = set(s.scalars(select(Case.title).where(Case.title.like("Samtidigt%"))))
    assert len(titles) == 6


def test_unknown_command_is_answered_in_swedish_with_what_to_type(tmp_path: Path) -> None:
    services = build(Settings(KANSLI_DATABASE_URL=f"sqlite:///{tmp_path / 'k.db'}"))
    with services.sessionmaker() as s:
        apply(s, load_file(str(EXAMPLE)), now=at("2020-01-01T09:00"))
        s.commit()
    out = services.dispatcher.run("/fika imorgon", identity=Identity(handle="per.ek"))
    assert not out.reply.ok
    assert "Jag känner inte igen ”/fika imorgon”. Skriv /hjälp" in out.reply.plain_text()
