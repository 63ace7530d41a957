"""The operator commands run as an operator runs them: migrate, backup, restore, personuppgifter, rensa."""
from __future__ import annotations

import json
import sqlite3
import threading
from pathlib import Path
from typing import Iterator

import pytest
from sqlalchemy import func, select

from storage import outbox
from storage.db import make_engine, make_sessionmaker
from storage.models import Absence, Outbox, Person
from tests.bot.opstools import PgSchema, free_port, kansli, schema_fixture
from tests.conftest import EXAMPLE, at

NOTE = "sjukskriven efter operation"


def ok(out) -> str:  # type: ignore[no-untyped-def]
    assert out.returncode == 0, out.stdout + out.stderr
    assert "Traceback" not in out.stdout + out.stderr
    return out.stdout


def refused(out) -> str:  # type: ignore[no-untyped-def]
    assert out.returncode == 1, out.stdout + out.stderr
    assert "Traceback" not in out.stdout + out.stderr
    return out.stdout + out.stderr


def populate(url: str, cwd: Path) -> None:
    ok(kansli(["import", str(EXAMPLE)], url, cwd=cwd))
    said = ok(kansli(["chat", "--as", "per.ek", "--now", "2020-02-20T09:00", f"/anmäl frånvaro 6 mars: {NOTE}"],
                     url, cwd=cwd))
    assert "till maria.lind:" in said


def absence_listing(url: str, cwd: Path) -> str:
    return ok(kansli(["chat", "--as", "maria.lind", "--now", "2020-03-01T09:00", "/frånvaro 6 mars"], url, cwd=cwd))


@pytest.fixture
def pg() -> Iterator[PgSchema]:
    yield from schema_fixture()


@pytest.fixture
def pg2() -> Iterator[PgSchema]:
    yield from schema_fixture()


# ------------------------------------------------------------------------------------ migrate


def test_migrate_brings_an_empty_store_to_head_and_says_so_once(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'k.db'}"
    first = ok(kansli(["migrate"], url, cwd=tmp_path))
    assert "uppdaterad från tom till" in first
    assert "redan på senaste versionen" in ok(kansli(["migrate"], url, cwd=tmp_path))


def test_migrate_waits_for_the_database_then_gives_one_swedish_line(tmp_path: Path) -> None:
    closed = f"postgresql+psycopg://kansli@127.0.0.1:{free_port()}/kansli"
    out = refused(kansli(["migrate", "--wait", "1"], closed, cwd=tmp_path))
    assert "Väntar på databasen" in out
    assert "Kansli når inte databasen efter 1 sekunder" in out


# ------------------------------------------------------------------------------------ backup / restore


def test_backup_and_restore_round_trip_on_sqlite(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'live.db'}"
    populate(url, tmp_path)
    before = absence_listing(url, tmp_path)

    out = ok(kansli(["backup", str(tmp_path / "kopia.db")], url, cwd=tmp_path))
    assert "Säkerhetskopian är klar" in out and "6 personer" in out and "1 frånvaroanmälan," in out

    fresh = f"sqlite:///{tmp_path / 'fresh.db'}"
    restored = ok(kansli(["restore", str(tmp_path / "kopia.db")], fresh, cwd=tmp_path))
    assert "Återställt från" in restored and "1 ärende," in restored
    assert absence_listing(fresh, tmp_path) == before
    # The restored store takes new work: a second report gets a new row.
    ok(kansli(["chat", "--as", "eva.strand", "--now", "2020-02-20T09:00", "/anmäl frånvaro 6 mars"], fresh,
              cwd=tmp_path))
    assert "Eva Strand" in absence_listing(fresh, tmp_path)


def test_backup_never_overwrites_and_restore_only_fills_an_empty_store(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'live.db'}"
    populate(url, tmp_path)
    ok(kansli(["backup", str(tmp_path / "kopia.db")], url, cwd=tmp_path))
    again = refused(kansli(["backup", str(tmp_path / "kopia.db")], url, cwd=tmp_path))
    assert "finns redan" in again

    listing = absence_listing(url, tmp_path)
    into_live = refused(kansli(["restore", str(tmp_path / "kopia.db")], url, cwd=tmp_path))
    assert "Databasen är inte tom" in into_live and "Inget har ändrats" in into_live
    assert absence_listing(url, tmp_path) == listing

    (tmp_path / "notes.txt").write_text("inte en databas", encoding="utf-8")
    assert "ingen säkerhetskopia" in refused(kansli(["restore", str(tmp_path / "notes.txt")],
                                                    f"sqlite:///{tmp_path / 'x.db'}", cwd=tmp_path))
    (tmp_path / "pg.dump").write_bytes(b"PGDMP\x01\x0e\x00rest")
    assert "pg_restore" in refused(kansli(["restore", str(tmp_path / "pg.dump")],
                                          f"sqlite:///{tmp_path / 'x.db'}", cwd=tmp_path))
    assert "finns inte" in refused(kansli(["restore", str(tmp_path / "saknas.db")],
                                          f"sqlite:///{tmp_path / 'x.db'}", cwd=tmp_path))


def test_a_backup_taken_while_the_service_writes_is_consistent(tmp_path: Path) -> None:
    """A writer commits pairs of rows as fast as it can; every pair in the copy is whole."""
    url = f"sqlite:///{tmp_path / 'live.db'}"
    ok(kansli(["import", str(EXAMPLE)], url, cwd=tmp_path))
    engine = make_engine(url)
    maker = make_sessionmaker(engine)
    stop = threading.Event()
    written = [0]

    def writer() -> None:
        n = 0
        while not stop.is_set():
            with maker() as s:
                for half in ("a", "b"):
                    outbox.enqueue(s, key=f"pair:{n}:{half}", kind="test", payload={"lines": [str(n)]},
                                   now=at("2020-02-20T09:00"))
                s.commit()
            n += 1
            written[0] = n

    thread = threading.Thread(target=writer)
    thread.start()
    try:
        copies = []
        for i in range(3):
            copies.append(tmp_path / f"kopia{i}.db")
            ok(kansli(["backup", str(copies[-1])], url, cwd=tmp_path))
    finally:
        stop.set()
        thread.join()
        engine.dispose()
    assert written[0] > 0
    for copy in copies:
        con = sqlite3.connect(copy)
        try:
            assert con.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
            keys = {k for (k,) in con.execute("SELECT key FROM outbox")}
        finally:
            con.close()
        assert all(k[:-1] + "b" in keys for k in keys if k.endswith(":a")), "a pair was split"
        assert all(k[:-1] + "a" in keys for k in keys if k.endswith(":b")), "a pair was split"
        assert not (copy.parent / (copy.name + "-wal")).exists(), "the copy is one self-contained file"


def test_postgresql_backup_restores_into_postgresql_and_sqlite(pg: PgSchema, pg2: PgSchema, tmp_path: Path) -> None:
    populate(pg.url, tmp_path)
    listing = absence_listing(pg.url, tmp_path)
    out = ok(kansli(["backup", str(tmp_path / "pg-kopia.db")], pg.url, cwd=tmp_path))
    assert "Säkerhetskopian är klar" in out

    ok(kansli(["restore", str(tmp_path / "pg-kopia.db")], pg2.url, cwd=tmp_path))
    assert absence_listing(pg2.url, tmp_path) == listing
    # Ids continue after the restored ones: new rows do not collide.
    said = ok(kansli(["chat", "--as", "eva.strand", "--now", "2020-02-20T09:00", "/anmäl frånvaro 6 mars: resa"],
                     pg2.url, cwd=tmp_path))
    assert "till maria.lind:" in said
    engine = make_engine(pg2.url)
    with make_sessionmaker(engine)() as s:
        assert s.scalar(select(func.count()).select_from(Absence)) == 2
        assert s.scalar(select(func.count()).select_from(Outbox)) == 2
    engine.dispose()

    sqlite_url = f"sqlite:///{tmp_path / 'moved.db'}"
    ok(kansli(["restore", str(tmp_path / "pg-kopia.db")], sqlite_url, cwd=tmp_path))
    assert absence_listing(sqlite_url, tmp_path) == listing


def test_restore_never_changes_the_backup_file(tmp_path: Path) -> None:
    """Restore migrates a scratch copy of the backup (for backups from older versions), never the file."""
    url = f"sqlite:///{tmp_path / 'live.db'}"
    populate(url, tmp_path)
    ok(kansli(["backup", str(tmp_path / "kopia.db")], url, cwd=tmp_path))
    original = (tmp_path / "kopia.db").read_bytes()
    fresh = f"sqlite:///{tmp_path / 'fresh.db'}"
    ok(kansli(["restore", str(tmp_path / "kopia.db")], fresh, cwd=tmp_path))
    assert (tmp_path / "kopia.db").read_bytes() == original, "restore never changes the backup file"


# ------------------------------------------------------------------------------------ personal data


def test_personuppgifter_visa_prints_json_and_saves_a_file(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'k.db'}"
    populate(url, tmp_path)
    data = json.loads(ok(kansli(["personuppgifter", "visa", "@per.ek"], url, cwd=tmp_path)))
    assert data["person"]["namn"] == "Per Ek"
    assert data["frånvaroanmälningar"][0]["notering"] == NOTE
    out = ok(kansli(["personuppgifter", "visa", "per.ek", "-o", str(tmp_path / "per.json")], url, cwd=tmp_path))
    assert "sparade i" in out
    assert json.loads((tmp_path / "per.json").read_text(encoding="utf-8"))["person"]["handle"] == "per.ek"
    unknown = refused(kansli(["personuppgifter", "visa", "nisse.hult"], url, cwd=tmp_path))
    assert "Ingen person med handle ”nisse.hult”" in unknown


def test_personuppgifter_radera_asks_for_ja_then_erases(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'k.db'}"
    populate(url, tmp_path)
    ask = refused(kansli(["personuppgifter", "radera", "per.ek"], url, cwd=tmp_path))
    assert "Inget har raderats ännu" in ask and "--ja" in ask
    assert "Per Ek" in absence_listing(url, tmp_path)

    done = ok(kansli(["personuppgifter", "radera", "per.ek", "--ja"], url, cwd=tmp_path))
    assert "per.ek är borttagen" in done and "1 frånvaronotering" in done
    assert "Ta också bort per.ek ur nätverksfilen" in done
    listing = absence_listing(url, tmp_path)
    assert "Per Ek" not in listing and "borttagen person" in listing and NOTE not in listing
    gone = kansli(["chat", "--as", "per.ek", "/möten"], url, cwd=tmp_path)
    assert gone.returncode == 2 and "känner inte igen ”per.ek”" in gone.stderr  # an unknown handle now

    engine = make_engine(url)
    with make_sessionmaker(engine)() as s:
        erased = s.scalar(select(Person).where(Person.erased.is_(True)))
        handle = erased.handle
    engine.dispose()
    assert "redan borttagen" in ok(kansli(["personuppgifter", "radera", handle, "--ja"], url, cwd=tmp_path))


def test_rensa_deletes_notes_after_the_configured_days(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'k.db'}"
    populate(url, tmp_path)
    early = ok(kansli(["rensa", "--now", "2020-03-20T09:00"], url, cwd=tmp_path))
    assert "Inga frånvaronoteringar att ta bort (de sparas 30 dagar efter mötet)" in early
    assert NOTE in absence_listing(url, tmp_path)
    short = ok(kansli(["rensa", "--now", "2020-03-20T09:00"], url, cwd=tmp_path,
                      KANSLI_ABSENCE_NOTE_RETENTION_DAYS="7"))
    assert "Tog bort 1 frånvaronotering (sparade 7 dagar efter mötet)" in short
    assert "1 skickat meddelande" in short
    assert NOTE not in absence_listing(url, tmp_path)


def test_the_scheduler_pass_deletes_notes_past_their_retention(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'k.db'}"
    populate(url, tmp_path)
    ok(kansli(["tick", "--now", "2020-04-05T09:00"], url, cwd=tmp_path))
    assert NOTE in absence_listing(url, tmp_path), "kept until 30 days after the meeting"
    out = ok(kansli(["tick", "-v", "--now", "2020-04-06T09:00"], url, cwd=tmp_path))
    assert "'notes_deleted': 1" in out
    assert NOTE not in absence_listing(url, tmp_path)
