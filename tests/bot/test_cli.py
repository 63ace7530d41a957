"""The CLI contracts, run as a user runs them: `kansli import`, `kansli chat`, `kansli serve`."""
from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from tests.conftest import EXAMPLE

KANSLI = [sys.executable, "-m", "bot.cli"]


def run(args: list[str], db: Path, **kw) -> subprocess.CompletedProcess[str]:  # type: ignore[no-untyped-def]
    env = dict(os.environ, KANSLI_DATABASE_URL=f"sqlite:///{db}")
    return subprocess.run(KANSLI + args, env=env, capture_output=True, text=True, timeout=60, **kw)


@pytest.fixture
def store(tmp_path: Path) -> Path:
    db = tmp_path / "kansli.db"
    first = run(["import", str(EXAMPLE)], db)
    assert first.returncode == 0, first.stderr
    return db


def test_import_twice_reports_no_change_the_second_time(store: Path) -> None:
    again = run(["import", str(EXAMPLE)], store)
    assert again.returncode == 0
    assert "Inget ändrades" in again.stdout


def test_a_bad_file_is_refused_with_a_swedish_explanation(tmp_path: Path, store: Path) -> None:
    bad = tmp_path / "bad.yaml"
    bad.write_text(EXAMPLE.read_text(encoding="utf-8").replace("{person: per.ek}", "{person: per.eek}"),
                   encoding="utf-8")
    out = run(["import", str(bad)], store)
    assert out.returncode == 1
    assert "okänd person 'per.eek'" in out.stderr
    assert "inget har ändrats" in out.stderr
    assert "Traceback" not in out.stderr


def test_a_file_that_is_not_utf8_text_is_refused_with_what_to_do(tmp_path: Path, store: Path) -> None:
    bad = tmp_path / "export.yaml"
    bad.write_bytes(EXAMPLE.read_text(encoding="utf-8").encode("utf-16"))  # as some editors save
    out = run(["import", str(bad)], store)
    assert out.returncode == 1
    assert "inte en textfil i UTF-8" in out.stderr and "Spara den som UTF-8-text" in out.stderr
    assert "UnicodeDecodeError" not in out.stderr + out.stdout and "Traceback" not in out.stderr


@pytest.mark.parametrize("key", ['lchnv"; x', "två ord", "a/b", "ärende"])
def test_a_forum_id_that_cannot_be_typed_or_linked_is_refused(tmp_path: Path, store: Path, key: str) -> None:
    """The id is typed in '; forum: ID' and is part of the forum's web address and calendar file name."""
    bad = tmp_path / "bad.yaml"
    bad.write_text(EXAMPLE.read_text(encoding="utf-8").replace("  - id: styrgrupp-lchnv", f"  - id: '{key}'"),
                   encoding="utf-8")
    out = run(["import", str(bad)], store)
    assert out.returncode == 1, out.stdout
    assert "får bara innehålla bokstäver a–z, siffror och bindestreck" in out.stderr
    assert "inget har ändrats" in out.stderr


def test_moten_shows_the_march_meeting_with_its_agenda_deadline(store: Path) -> None:
    out = run(["chat", "--as", "maria.lind", "--now", "2020-02-20T09:00", "/möten"], store)
    assert out.returncode == 0, out.stderr
    text = " ".join(out.stdout.split())
    assert "LCHNV: fredag 6 mars 2020, kl. 9.30–14.00, Myntgatan 2, Falun, lokal Siljan" in text
    march = text.split("fredag 6 mars 2020")[1]
    assert march.split("LCHNV")[0].count("Dagordning senast: fredag 28 februari 2020") == 1


def test_unknown_handle_is_a_usage_error_with_a_swedish_sentence(store: Path) -> None:
    out = run(["chat", "--as", "nisse.hult", "/möten"], store)
    assert out.returncode == 2
    assert "Kansli känner inte igen ”nisse.hult”" in out.stderr
    assert "Traceback" not in out.stdout + out.stderr


def test_an_unknown_channel_is_a_usage_error_not_a_direct_message(store: Path) -> None:
    out = run(["chat", "--as", "per.ek", "--channel", "lchvn", "/möten"], store)
    assert out.returncode == 2
    assert "Det finns inget forum ”lchvn”" in out.stderr and "lchnv" in out.stderr
    assert out.stdout == ""


def test_a_refused_command_exits_1_and_an_answered_one_0(store: Path) -> None:
    refused = run(["chat", "--as", "per.ek", "--now", "2020-02-20T09:00", "/publicera dagordning"], store)
    assert refused.returncode == 1
    assert "Bara samordnare" in refused.stdout
    answered = run(["chat", "--as", "per.ek", "--now", "2020-02-20T09:00", "--channel", "lchnv", "/möten"], store)
    assert answered.returncode == 0, answered.stdout


def test_the_repl_answers_each_line_until_an_empty_one(store: Path) -> None:
    out = run(["chat", "--as", "per.ek", "--now", "2020-02-20T09:00"], store, input="/hjälp\nmoten\n\n")
    assert out.returncode == 0, out.stderr
    assert "Det här kan du skriva till Kansli" in out.stdout
    assert "fredag 6 mars 2020" in out.stdout


def test_a_bad_now_is_explained(store: Path) -> None:
    out = run(["chat", "--as", "per.ek", "--now", "igår", "/möten"], store)
    assert out.returncode == 1
    assert "--now ”igår” är ingen tidpunkt" in out.stderr
