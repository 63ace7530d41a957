"""Operator commands: migrate, backup, restore, personal data (visa/radera) and note retention (rensa).

    kansli migrate [--wait SEKUNDER]
    kansli backup FIL
    kansli restore FIL
    kansli personuppgifter visa HANDLE [-o FIL]
    kansli personuppgifter radera HANDLE [--ja]
    kansli rensa [--now ISO]

A backup is always one SQLite file, whatever the store: from SQLite it is made
with SQLite's online backup API (a consistent copy while the service writes);
from PostgreSQL it is a copy of every table read in one REPEATABLE READ
snapshot. `kansli restore` reads such a file into an empty store of either
kind, bringing an older backup to the current schema first, so a backup also
moves a store from SQLite to PostgreSQL. pg_dump/pg_restore remain the native
PostgreSQL route (docs/operator.md, "Säkerhetskopior").
"""
from __future__ import annotations

import argparse
import json
import os
import shutil
import sqlite3
import sys
import tempfile
import time
from pathlib import Path
from typing import Any, Iterator

from sqlalchemy import Engine, Table, func, insert, select, text
from sqlalchemy.exc import OperationalError

from bot.cli import CliError, parse_now
from bot.config import load_settings
from storage.db import current_revision, head_revision, make_engine, migrate
from storage.models import Base
from handlers.i18n import _

BATCH = 1000
SQLITE_MAGIC = b"SQLite format 3\x00"
PGDUMP_MAGIC = b"PGDMP"

# Tables whose counts `backup` and `restore` report, with their Swedish names.
REPORTED = (("forum", "forum", "forum"), ("person", "person", "personer"), ("meeting", "möte", "möten"),
            ("case_item", "ärende", "ärenden"), ("absence", "frånvaroanmälan", "frånvaroanmälningar"),
            ("assignment", "uppdrag", "uppdrag"), ("outbox", "meddelande", "meddelanden"))


def n_of(n: int, one: str, many: str) -> str:
    """'1 frånvaronotering', '2 frånvaronoteringar'."""
    return f"{n} {one if n == 1 else many}"


def engine_from_settings() -> Engine:
    return make_engine(load_settings().database_url)


def counts(engine: Engine) -> dict[str, int]:
    with engine.connect() as conn:
        return {t.name: conn.scalar(select(func.count()).select_from(t)) or 0 for t in Base.metadata.sorted_tables}


def describe(c: dict[str, int]) -> str:
    return ", ".join(n_of(c.get(t, 0), one, many) for t, one, many in REPORTED)


# ------------------------------------------------------------------------------------ migrate


def wait_for_database(engine: Engine, seconds: float) -> None:
    """Try to connect until `seconds` have passed (a container may start before its database)."""
    deadline = time.monotonic() + seconds
    told = False
    while True:
        try:
            with engine.connect() as conn:
                conn.execute(text("SELECT 1"))
            return
        except OperationalError:
            if time.monotonic() >= deadline:
                raise CliError(
                    _("Kansli når inte databasen efter {seconds:g} sekunder; kontrollera "
                      "KANSLI_DATABASE_URL och att databasen är igång.",
                      seconds=seconds)
                ) from None
            if not told:
                print(_("Väntar på databasen …"), file=sys.stderr, flush=True)
                told = True
            time.sleep(1)


def cmd_migrate(args: argparse.Namespace) -> int:
    engine = engine_from_settings()
    try:
        if args.wait:
            wait_for_database(engine, args.wait)
        before = current_revision(engine)
        migrate(engine)
        after = current_revision(engine)
    finally:
        engine.dispose()
    if before == after:
        print(_("Databasen är redan på senaste versionen ({after}).", after=after))
    else:
        print(_("Databasen är uppdaterad från {value} till {after}.", value=before or 'tom', after=after))
    return 0


# ------------------------------------------------------------------------------------ backup


def _chunks(conn: Any, table: Table) -> Iterator[list[dict[str, Any]]]:
    pk = list(table.primary_key.columns)
    result = conn.execution_options(yield_per=BATCH).execute(select(table).order_by(*pk))
    for part in result.mappings().partitions(BATCH):
        yield [dict(row) for row in part]


def copy_tables(src_conn: Any, dst_conn: Any) -> None:
    """Copy every kansli table, parents before children, in batches."""
    for table in Base.metadata.sorted_tables:
        for rows in _chunks(src_conn, table):
            dst_conn.execute(insert(table), rows)


def backup_sqlite(path: str, dest: Path) -> None:
    src = sqlite3.connect(path)
    try:
        dst = sqlite3.connect(dest)
        try:
            src.backup(dst)  # one step: a consistent snapshot even while the service writes
        finally:
            dst.close()
    finally:
        src.close()


def backup_postgresql(engine: Engine, dest: Path) -> None:
    target = make_engine(f"sqlite:///{dest}")
    try:
        migrate(target)
        with engine.connect().execution_options(isolation_level="REPEATABLE READ") as src_conn:
            with src_conn.begin():
                src_conn.exec_driver_sql("SET TRANSACTION READ ONLY")
                with target.begin() as dst_conn:
                    copy_tables(src_conn, dst_conn)
    finally:
        target.dispose()


def make_backup(engine: Engine, dest: Path) -> dict[str, int]:
    """Write a consistent copy of the store to `dest` (a new SQLite file); returns the row counts."""
    if dest.exists():
        raise CliError(_("{dest} finns redan; välj ett nytt filnamn, så skrivs ingen tidigare "
                         "säkerhetskopia över.",
                         dest=dest))
    if not dest.parent.is_dir():
        raise CliError(_("Katalogen {parent} finns inte; skapa den eller välj en annan plats för kopian.",
                         parent=dest.parent))
    current, head = current_revision(engine), head_revision(engine)
    if current is None:
        raise CliError(_("Databasen är tom; det finns inget att säkerhetskopiera."))
    if current != head:
        raise CliError(_("Databasen är på version {current} men kansli väntar sig {head}; kör kansli "
                         "migrate först.",
                         current=current, head=head))
    tmp = dest.with_name(f".{dest.name}.{os.getpid()}.tmp")
    try:
        if engine.dialect.name == "sqlite":
            path = engine.url.database
            if not path or path == ":memory:":
                raise CliError(_("En databas i minnet kan inte säkerhetskopieras; använd en SQLite-fil."))
            backup_sqlite(path, tmp)
        else:
            backup_postgresql(engine, tmp)
        check = sqlite3.connect(tmp)
        try:
            ok = check.execute("PRAGMA integrity_check").fetchone()[0]
            check.execute("PRAGMA journal_mode=DELETE")  # one self-contained file, no -wal beside it
        finally:
            check.close()
        if ok != "ok":
            raise CliError(_("Kopian blev inte hel ({ok}); ingen fil skrevs. Försök igen.", ok=ok))
        os.replace(tmp, dest)
    finally:
        for leftover in (tmp, Path(f"{tmp}-wal"), Path(f"{tmp}-shm"), Path(f"{tmp}-journal")):
            if leftover.exists():
                leftover.unlink()
    copy = make_engine(f"sqlite:///{dest}")
    try:
        return counts(copy)
    finally:
        copy.dispose()


def cmd_backup(args: argparse.Namespace) -> int:
    engine = engine_from_settings()
    try:
        c = make_backup(engine, Path(args.file))
    finally:
        engine.dispose()
    print(_("Säkerhetskopian är klar: {file} ({c}).", file=args.file, c=describe(c)))
    print(_("Återställ den med: kansli restore FIL (till en tom databas)."))
    return 0


# ------------------------------------------------------------------------------------ restore


def reset_sequences(conn: Any) -> None:
    """After inserting explicit ids on PostgreSQL, move each id sequence past the highest id."""
    for table in Base.metadata.sorted_tables:
        if "id" not in table.c or not table.c.id.primary_key:
            continue
        conn.execute(
            text("SELECT setval(pg_get_serial_sequence(:t, 'id'), COALESCE((SELECT MAX(id) FROM "
                 f"{conn.dialect.identifier_preparer.quote(table.name)}), 0) + 1, false)"),
            {"t": table.name},
        )


def restore_backup(engine: Engine, source: Path) -> dict[str, int]:
    """Read a backup made by `kansli backup` into an empty store; refuse a store with data."""
    if not source.is_file():
        raise CliError(_("Filen {source} finns inte; ange sökvägen till en säkerhetskopia från kansli "
                         "backup.",
                         source=source))
    with source.open("rb") as fh:
        magic = fh.read(16)
    if magic.startswith(PGDUMP_MAGIC):
        raise CliError(_("{source} är en pg_dump-fil; återställ den med pg_restore (se docs/operator.md, "
                         "Säkerhetskopior).",
                         source=source))
    if magic != SQLITE_MAGIC:
        raise CliError(_("{source} är ingen säkerhetskopia från kansli backup; inget har ändrats.", source=source))
    migrate(engine)
    existing = counts(engine)
    if any(existing.values()):
        raise CliError(
            _("Databasen är inte tom ({existing}); kansli återställer bara till en tom "
              "databas. Peka KANSLI_DATABASE_URL på en ny, tom databas och försök igen. Inget "
              "har ändrats.",
              existing=describe(existing))
        )
    with tempfile.TemporaryDirectory(prefix="kansli-restore-") as tmpdir:
        work = Path(tmpdir) / "backup.db"
        shutil.copyfile(source, work)  # never change the backup itself
        src = make_engine(f"sqlite:///{work}")
        try:
            try:
                revision = current_revision(src)
            except Exception:  # noqa: BLE001 - any unreadable file gets the same sentence
                revision = None
            if revision is None:
                raise CliError(_("{source} är ingen säkerhetskopia från kansli backup; inget har ändrats.", source=source))
            migrate(src)  # an older backup is brought to the current schema first
            with src.connect() as src_conn, engine.begin() as dst_conn:
                copy_tables(src_conn, dst_conn)
                if dst_conn.dialect.name == "postgresql":
                    reset_sequences(dst_conn)
        finally:
            src.dispose()
    return counts(engine)


def cmd_restore(args: argparse.Namespace) -> int:
    engine = engine_from_settings()
    try:
        c = restore_backup(engine, Path(args.file))
    finally:
        engine.dispose()
    print(_("Återställt från {file}: {c}.", file=args.file, c=describe(c)))
    return 0


# ------------------------------------------------------------------------------------ personal data


def _operator() -> str:
    try:
        return os.environ.get("SUDO_USER") or os.getlogin()
    except OSError:
        return os.environ.get("USER", "okänd")


def _find_person(session: Any, handle: str):  # type: ignore[no-untyped-def]
    from storage.privacy import person_for_operator

    person = person_for_operator(session, handle)
    if person is None:
        raise CliError(_("Ingen person med handle ”{handle}” finns i Kansli. Kontrollera stavningen, utan "
                         "@.",
                         handle=handle))
    return person


def cmd_personuppgifter(args: argparse.Namespace) -> int:
    from bot.app import system_clock
    from storage.db import make_sessionmaker
    from storage.models import AuditLog
    from storage.privacy import ERASED_NAME, erase_person, export_person

    engine = engine_from_settings()
    now = system_clock()
    try:
        with make_sessionmaker(engine)() as session:
            person = _find_person(session, args.handle)
            if args.action == "visa":
                data = export_person(session, person)
                session.add(AuditLog(at=now, actor_id=None, action="person_exported", entity="person",
                                     entity_id=person.id, detail={"by": _operator()}))
                session.commit()
                out = json.dumps(data, ensure_ascii=False, indent=2)
                if args.output:
                    Path(args.output).write_text(out + "\n", encoding="utf-8")
                    print(_("Personuppgifterna för {handle} är sparade i {output}.", handle=args.handle, output=args.output))
                else:
                    print(out)
                return 0
            if person.erased:
                print(_("{handle} är redan borttagen; inget mer att radera.", handle=args.handle))
                return 0
            if not args.ja:
                print(_("Detta raderar personuppgifterna för {name} ({handle}): namn, e-post, titel, "
                        "organisation, Slack- och Teams-id, frånvaronoteringar och kontaktvägar. Beslut, "
                        "minnesanteckningar och ärenden finns kvar och visar ”borttagen person”; i "
                        "ärendenas historik och i granskningsloggen står ”(raderad person)” i stället "
                        "för namnet.",
                        name=person.name, handle=person.handle))
                print(_("Inget har raderats ännu. Kör samma kommando med --ja för att radera."))
                return 1
            handle = person.handle
            result = erase_person(session, person, now=now, by=_operator())
            session.commit()
    finally:
        engine.dispose()
    names = {"beslut": ("beslut", "beslut"), "ärenden": ("ärende", "ärenden"), "uppdrag": ("uppdrag", "uppdrag"),
             "frånvaroanmälningar": ("frånvaroanmälan", "frånvaroanmälningar")}
    kept = ", ".join(n_of(n, *names.get(k, (k, k))) for k, n in result.kept.items() if n)
    print(_("{handle} är borttagen och heter nu ”{ERASED_NAME}” i Kansli (id {person_id}).",
            handle=handle, ERASED_NAME=ERASED_NAME, person_id=result.person_id))
    print(_("Raderade {notes} och {contact_refs}, stoppade {cancelled_messages} och tog bort "
            "namnet ur {scrubbed_messages} och {rewritten_history} i ärendehistorik och "
            "granskningslogg.",
            notes=n_of(result.notes, 'frånvaronotering', 'frånvaronoteringar'), contact_refs=n_of(result.contact_refs, 'kontaktväg', 'kontaktvägar'), cancelled_messages=n_of(result.cancelled_messages, 'väntande meddelande', 'väntande meddelanden'), scrubbed_messages=n_of(result.scrubbed_messages, 'skickat meddelande', 'skickade meddelanden'), rewritten_history=n_of(result.rewritten_history, 'rad', 'rader')))
    if kept:
        print(f"Kvar, utan namn: {kept}.")
    print(_("Ta också bort {handle} ur nätverksfilen; annars läggs personen till igen vid "
            "nästa kansli import.",
            handle=handle))
    return 0


def cmd_rensa(args: argparse.Namespace) -> int:
    from bot.app import system_clock
    from storage.db import make_sessionmaker
    from storage.privacy import purge_absence_notes

    settings = load_settings()
    now = parse_now(args.now) or system_clock()
    days = settings.absence_note_retention_days
    engine = make_engine(settings.database_url)
    try:
        with make_sessionmaker(engine)() as session:
            result = purge_absence_notes(session, now=now, retention_days=days)
            session.commit()
    finally:
        engine.dispose()
    if not result:
        print(_("Inga frånvaronoteringar att ta bort (de sparas {days} dagar efter mötet).", days=days))
    else:
        print(_("Tog bort {notes} (sparade {days} dagar efter mötet) och rensade dem ur "
                "{messages}.",
                notes=n_of(result.notes, 'frånvaronotering', 'frånvaronoteringar'), days=days, messages=n_of(result.messages, 'skickat meddelande', 'skickade meddelanden')))
    return 0


# ------------------------------------------------------------------------------------ parser


def add_parser(sub: Any) -> None:
    p = sub.add_parser("migrate", help=_("för databasen till senaste versionen (görs också av serve)"))
    p.add_argument("--wait", type=float, default=0, metavar="SEKUNDER",
                   help=_("vänta så länge på att databasen svarar innan det räknas som fel"))
    p.set_defaults(func=cmd_migrate)

    p = sub.add_parser("backup", help=_("säkerhetskopiera databasen till en ny SQLite-fil, medan tjänsten kör"))
    p.add_argument("file", metavar="FIL")
    p.set_defaults(func=cmd_backup)

    p = sub.add_parser("restore", help=_("läs in en säkerhetskopia från kansli backup i en tom databas"))
    p.add_argument("file", metavar="FIL")
    p.set_defaults(func=cmd_restore)

    p = sub.add_parser("personuppgifter", help=_("visa eller radera en persons uppgifter (GDPR)"))
    p.add_argument("action", choices=("visa", "radera"))
    p.add_argument("handle", metavar="HANDLE")
    p.add_argument("-o", "--output", metavar="FIL", help=_("visa: spara som JSON i filen i stället för att skriva ut"))
    p.add_argument("--ja", action="store_true", help=_("radera: bekräfta att uppgifterna ska raderas"))
    p.set_defaults(func=cmd_personuppgifter)

    p = sub.add_parser("rensa", help=_("ta bort frånvaronoteringar som sparats längre än tillåtet"))
    p.add_argument("--now", metavar="ISO")
    p.set_defaults(func=cmd_rensa)
