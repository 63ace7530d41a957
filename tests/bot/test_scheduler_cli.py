"""`kansli tick` and `kansli utskick` run as an operator runs them (subprocess, temporary SQLite store)."""
from __future__ import annotations

import os
import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest

from tests.conftest import EXAMPLE, split_sent

KANSLI = [sys.executable, "-m", "bot.cli"]


def run(args: list[str], db: Path) -> subprocess.CompletedProcess[str]:
    env = dict(os.environ, KANSLI_DATABASE_URL=f"sqlite:///{db}")
    return subprocess.run(KANSLI + args, env=env, capture_output=True, text=True, timeout=120)


@pytest.fixture
def store(tmp_path: Path) -> Path:
    db = tmp_path / "kansli.db"
    assert run(["import", str(EXAMPLE)], db).returncode == 0
    return db


def test_tick_prints_the_reminders_once_and_nothing_the_second_time(store: Path) -> None:
    first = run(["tick", "--now", "2020-02-28T08:00"], store)
    assert first.returncode == 0, first.stderr
    assert [who for who, _ in split_sent(first.stdout)] == ["maria.lind"]
    assert "2 påminnelser från Kansli" in first.stdout
    assert "ska publiceras senast i dag, fredagen den 28 februari 2020" in first.stdout
    second = run(["tick", "--now", "2020-02-28T08:00"], store)
    assert second.returncode == 0, second.stderr
    assert second.stdout == ""


def test_tick_at_half_past_seven_on_a_meeting_day_gives_the_chair_the_agenda(store: Path) -> None:
    out = run(["tick", "--now", "2020-03-06T07:30"], store)
    assert out.returncode == 0, out.stderr
    assert "till karin.berg:" in out.stdout
    assert "Mötet är i dag, fredagen den 6 mars 2020" in out.stdout
    assert "[Anmäl frånvaro] → anmäl frånvaro 2020-03-06" in out.stdout


def test_utskick_lists_what_was_sent_with_swedish_columns(store: Path) -> None:
    run(["tick", "--now", "2020-02-28T08:00"], store)
    out = run(["utskick"], store)
    assert out.returncode == 0, out.stderr
    header = out.stdout.splitlines()[0].split()
    assert header == ["när", "till", "vad", "status", "försök", "fel"]
    assert "2020-02-28 08:00  maria.lind  2 påminnelser från Kansli  skickat 2020-02-28 08:00 (console)" in out.stdout


def test_utskick_shows_waiting_and_failed_rows_and_retries_the_failed(store: Path) -> None:
    run(["tick", "--now", "2020-02-25T08:00"], store)
    run(["tick", "--now", "2020-03-06T07:30"], store)
    with sqlite3.connect(store) as conn:  # as if Slack had refused one and nobody could reach the other yet
        conn.execute("UPDATE outbox SET status='failed', attempts=8, last_error='TransientError: Slack svarade 503' "
                     "WHERE kind='reminder.agenda_deadline'")
        conn.execute("UPDATE outbox SET status='pending', next_attempt_at='2020-03-06 06:45:00', "
                     "last_error='no platform reaches karin.berg yet' "
                     "WHERE kind='reminder.chair_agenda'")
    assert run(["utskick", "--väntande"], store).stdout.count("\n") == 3
    pending = run(["utskick", "--vantande"], store).stdout
    assert "karin.berg" in pending and "ingen plattform når mottagaren ännu" in pending
    assert "maria.lind" not in pending
    failed = run(["utskick", "--misslyckade"], store).stdout
    assert "maria.lind" in failed and "misslyckat" in failed and "Slack svarade 503" in failed
    retried = run(["utskick", "--försök-igen", "--now", "2020-02-25T09:00"], store)
    assert retried.returncode == 0, retried.stderr
    assert "1 misslyckade utskick ligger i kön igen och skickas nu" in retried.stdout
    assert "till maria.lind:" in retried.stdout
    assert run(["utskick", "--misslyckade"], store).stdout.strip() == "Inga utskick har misslyckats."


def test_utskick_on_an_empty_outbox_says_so(store: Path) -> None:
    out = run(["utskick"], store)
    assert (out.returncode, out.stdout.strip()) == (0, "Inga utskick ännu.")
