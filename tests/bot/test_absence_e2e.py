"""Absence end to end, as a user runs it: `kansli import` then `kansli chat` in a subprocess on SQLite."""
from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from tests.conftest import EXAMPLE, split_sent

KANSLI = [sys.executable, "-m", "bot.cli"]
NOTE = "sjukskriven efter operation"
MARCH = "LCHNV:s möte fredagen den 6 mars 2020 kl. 9.30–14.00 (Myntgatan 2, Falun, lokal Siljan)"


def kansli(db: Path, *args: str, code: int = 0) -> subprocess.CompletedProcess[str]:
    env = dict(os.environ, KANSLI_DATABASE_URL=f"sqlite:///{db}")
    out = subprocess.run(KANSLI + list(args), env=env, capture_output=True, text=True, timeout=60)
    assert out.returncode == code, out.stdout + out.stderr
    assert "Traceback" not in out.stdout + out.stderr
    return out


def chat(db: Path, handle: str, text: str, *extra: str, refused: bool = False) -> tuple[str, list[tuple[str, str]]]:
    """(the reply, [(recipient, message)]) as `kansli chat` prints them; a refusal exits 1."""
    out = kansli(db, "chat", "--as", handle, "--now", "2020-02-20T09:00", *extra, text, code=1 if refused else 0).stdout
    first = out.find("\ntill ")
    reply = out if first < 0 else out[: first + 1]
    return reply, split_sent(out[first + 1:]) if first >= 0 else []


@pytest.fixture
def store(tmp_path: Path) -> Path:
    db = tmp_path / "kansli.db"
    kansli(db, "import", str(EXAMPLE))
    return db


def test_report_change_withdraw_and_the_chair_case_in_kansli_chat(store: Path) -> None:
    # a member reports with a personal note: the absence recipient hears it at once, with the note
    reply, sent = chat(store, "eva.strand", f"/anmäl frånvaro nästa möte till kl 10.30: {NOTE}")
    assert f"Du är anmäld frånvarande från {MARCH}: till kl. 10.30." in " ".join(reply.split())
    assert [who for who, _ in sent] == ["maria.lind"]
    assert "Eva Strand (Avesta kommun) anmäler frånvaro" in sent[0][1] and NOTE in sent[0][1]

    # the same again: already reported, nothing sent
    reply, sent = chat(store, "eva.strand", f"/anmäl frånvaro 6 mars till kl 10.30: {NOTE}")
    assert "Du har redan anmält frånvaro" in reply and sent == []

    # the chair reports from the forum channel: the vice chair leads, without the note; nothing goes to a channel
    reply, sent = chat(store, "karin.berg", f"/anmäl frånvaro 6 mars: {NOTE}", "--channel", "lchnv")
    recipients = [who for who, _ in sent]
    # One message each; deliveries to different people run side by side, so their order is not fixed.
    assert sorted(recipients) == ["lars.holm", "maria.lind"]
    assert "Du som vice ordförande leder mötet" in dict(sent)["lars.holm"]
    assert NOTE not in dict(sent)["lars.holm"] and NOTE not in reply
    assert not any(who.startswith("#") for who in recipients)

    # the vice chair too: the coordinator is warned that no one leads
    _, sent = chat(store, "lars.holm", "/anmäl frånvaro 6 mars")
    assert any("Ingen kan leda" in body for who, body in sent if who == "maria.lind")

    # the recipient sees the notes, the chair does not
    reply, _ = chat(store, "maria.lind", "/frånvaro 6 mars")
    assert "Eva Strand (Avesta kommun): till kl. 10.30" in reply and NOTE in reply
    reply, _ = chat(store, "karin.berg", "/frånvaro 6 mars")
    assert "Eva Strand (Avesta kommun): till kl. 10.30" in reply and NOTE not in reply

    # a member may not see the list
    reply, _ = chat(store, "per.ek", "/frånvaro 6 mars", refused=True)
    assert "kan se frånvarolistan" in reply

    # withdraw: the recipient is told; the vice chair hears the chair is back
    reply, sent = chat(store, "karin.berg", "/återkalla frånvaro")
    assert "är återkallad" in reply
    assert {who for who, _ in sent} >= {"maria.lind", "lars.holm"}

    # refusals: a substitute where the forum appoints none, an unknown day
    reply, sent = chat(store, "per.ek", "/anmäl frånvaro 6 mars; ersättare: @johan.sjo", refused=True)
    assert "ersättare utses inte" in reply and sent == []
    reply, sent = chat(store, "per.ek", "/anmäl frånvaro 7 mars", refused=True)
    assert "Du har inget möte lördagen den 7 mars 2020" in reply and "/anmäl frånvaro 6 mars" in reply and sent == []
