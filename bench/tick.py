"""One scheduler pass at 10,000 and at 100,000 cases, delivering through a null transport.

Two national stores are generated side by side, the same in everything (forums, people,
meetings, assignments, absences) but the number of cases. Then, on each:
1. a first pass at a weekday morning (08:00 Stockholm, when reminders fall due) enqueues and
   delivers the backlog: everything due by then;
2. the steady state: passes at the following minutes, as `kansli serve` runs them. They find
   little or nothing new, so they time what every minute costs: asking the store what is due.
   The passes alternate between the two stores (10k, 100k, 100k, 10k, …) so that whatever else
   the machine does falls on both; `tick_ms_<size>` is the median.

Afterwards the 10,000-case store is grown with 90,000 closed older cases and measured again,
alternating with the 100,000-case store (`tick_ms_100k_archive`): an archive of finished
cases should cost a pass nothing.

On SQLite the stores are files beside the bench's; on PostgreSQL they are two schemas of the
bench's database (search_path in the URL), dropped at the end.
"""
from __future__ import annotations

import asyncio
import importlib.util
import statistics
import sys
import time
from datetime import date, datetime, time as dtime, timedelta, timezone
from pathlib import Path
from typing import Any
from urllib.parse import quote
from zoneinfo import ZoneInfo

from sqlalchemy import func, select, text

from bench.generate import Scale, add_cases, generate, settle
from storage.db import make_engine, migrate

STOCKHOLM = ZoneInfo("Europe/Stockholm")
AROUND = date(2026, 11, 23)  # a Monday; the generated meetings are centred on it
STEADY_PASSES = 9
PG_SCHEMAS = {"10k": "bench_tick_10k", "100k": "bench_tick_100k"}


class NullTransport:
    """Reaches everyone and sends nothing: the pass is timed, not the platforms."""

    name = "null"

    def __init__(self) -> None:
        self.sent = 0

    async def send(self, message: Any) -> None:
        self.sent += 1


def with_schema(url: str, schema: str) -> str:
    """A PostgreSQL URL whose connections use `schema` (libpq options, passed through by SQLAlchemy)."""
    return f"{url}{'&' if '?' in url else '?'}options={quote(f'-csearch_path={schema}')}"


def store_urls(url: str) -> dict[str, str]:
    if url.startswith("sqlite"):
        base = Path(url.split(":///", 1)[1]).parent
        return {size: f"sqlite:///{base / f'tick-{size}.db'}" for size in PG_SCHEMAS}
    return {size: with_schema(url, schema) for size, schema in PG_SCHEMAS.items()}


def reset_schemas(url: str, *, create: bool) -> None:
    engine = make_engine(url)
    try:
        with engine.begin() as conn:
            for schema in PG_SCHEMAS.values():
                conn.execute(text(f'DROP SCHEMA IF EXISTS "{schema}" CASCADE'))
                if create:
                    conn.execute(text(f'CREATE SCHEMA "{schema}"'))
    finally:
        engine.dispose()


def fresh_store(url: str, cases: int) -> None:
    if url.startswith("sqlite"):
        path = Path(url.split(":///", 1)[1])
        for suffix in ("", "-wal", "-shm"):
            Path(str(path) + suffix).unlink(missing_ok=True)
    engine = make_engine(url)
    try:
        migrate(engine)
        generate(engine, around=AROUND, cases=cases)
        settle(engine)
    finally:
        engine.dispose()


def grow_archive(url: str, *, add: int) -> None:
    engine = make_engine(url)
    try:
        with engine.connect() as conn:
            start = int(conn.scalar(text("SELECT max(id) FROM case_item")) or 0) + 1
        add_cases(engine, start_id=start, count=add, forums=Scale().forums, around=AROUND)
        settle(engine)
    finally:
        engine.dispose()


def _settle_as_served() -> None:
    """What `kansli serve` does with its memory once started (bot.serve.settle_memory), where this kansli
    has it: the passes are timed as the service runs them."""
    try:
        from bot.serve import settle_memory
    except ImportError:
        return
    settle_memory()


class Store:
    """kansli's services on one store, with a clock the bench moves."""

    def __init__(self, name: str, url: str) -> None:
        from bot.addressing import Everyone
        from bot.app import build
        from bot.config import Settings

        self.name = name
        self.now = datetime.combine(AROUND, dtime(8, 0), tzinfo=STOCKHOLM).astimezone(timezone.utc)
        self.services = build(Settings(KANSLI_DATABASE_URL=url, KANSLI_SCHEDULER=False), clock=lambda: self.now,
                              transports=[NullTransport()], more_addressing={"null": Everyone()})
        self.samples: list[float] = []
        self.found = 0
        self.backlog: dict[str, float] = {}

    def cases(self) -> int:
        from storage.models import Case

        with self.services.sessionmaker() as session:
            return int(session.scalar(select(func.count()).select_from(Case)) or 0)

    async def backlog_pass(self) -> None:
        from bot import scheduler

        t0 = time.perf_counter()
        counts = await scheduler.run_pass(self.services, now=self.now)
        self.backlog = {"first_ms": round((time.perf_counter() - t0) * 1000, 1),
                        "backlog_reminders": int(counts.get("reminders", 0)),
                        "backlog_sent": int(counts.get("sent", 0))}
        # The backlog's outbox rows as a running instance has them once autovacuum has been by.
        await asyncio.to_thread(settle, self.services.engine)

    async def steady_pass(self, minutes: int) -> None:
        from bot import scheduler

        now = self.now + timedelta(minutes=minutes)
        t0 = time.perf_counter()
        counts = await scheduler.run_pass(self.services, now=now)
        self.samples.append((time.perf_counter() - t0) * 1000)
        self.found += int(counts.get("reminders", 0))

    def summary(self) -> dict[str, float]:
        return {"cases": self.cases(), "ms": round(statistics.median(self.samples), 2),
                "ms_min": round(min(self.samples), 2), "ms_max": round(max(self.samples), 2),
                "passes": len(self.samples), "steady_reminders": self.found, **self.backlog}

    def close(self) -> None:
        self.services.engine.dispose()


async def alternate(stores: list[Store], *, passes: int, first_minute: int) -> None:
    for k in range(passes):
        order = stores if k % 2 == 0 else list(reversed(stores))
        for store in order:
            await store.steady_pass(first_minute + k)


# Tables big enough in the national store that reading all of them each minute would be a scan.
BIG_TABLES = {"case_item", "assignment", "meeting", "absence", "outbox", "follow_up", "membership", "person",
              "case_event", "decision", "audit_log", "processed_event", "conversation_ref", "attachment"}


def _plan_scans(conn: Any, statement: str, params: Any) -> list[str]:
    """Tables the database reads in full for this statement (SQLite: SCAN; PostgreSQL: Seq Scan)."""
    if conn.dialect.name == "postgresql":
        plan = conn.exec_driver_sql("EXPLAIN (FORMAT JSON) " + statement, params).scalar()
        found: list[str] = []

        def walk(node: dict) -> None:
            if node.get("Node Type") == "Seq Scan":
                found.append(node.get("Relation Name", "?"))
            for child in node.get("Plans", []):
                walk(child)

        walk((plan if isinstance(plan, list) else [plan])[0]["Plan"])
        return found
    rows = conn.exec_driver_sql("EXPLAIN QUERY PLAN " + statement, params).all()
    # "SCAN t" reads the table, "SCAN t USING INDEX i" the whole index: both grow with the table, unless
    # the index is partial (CREATE INDEX … WHERE …): it holds only the rows a pass looks for.
    partial = {name for name, sql in conn.exec_driver_sql(
        "SELECT name, sql FROM sqlite_master WHERE type = 'index' AND sql IS NOT NULL") if " WHERE " in sql.upper()}
    found = []
    for row in rows:
        detail = str(row[-1]).split()
        if detail[:1] == ["SCAN"] and not (len(detail) > 1 and detail[-1] in partial and "INDEX" in detail):
            found.append(detail[1])
    return found


async def scan_report(store: Store, minutes: int) -> list[str]:
    """One more steady pass with every statement recorded; then the plan of each: which big tables
    does a pass read in full? (What is due must be an indexed query, not a scan.)"""
    from sqlalchemy import event

    seen: dict[str, Any] = {}

    def record(conn, cursor, statement, parameters, context, executemany):  # type: ignore[no-untyped-def]
        if not executemany and statement.lstrip().upper().startswith(("SELECT", "UPDATE", "DELETE", "WITH")):
            seen.setdefault(statement, parameters)

    engine = store.services.engine
    event.listen(engine, "before_cursor_execute", record)
    try:
        await store.steady_pass(minutes)
    finally:
        event.remove(engine, "before_cursor_execute", record)
        store.samples.pop()
    found = []
    with engine.connect() as conn:
        for statement, params in seen.items():
            try:
                tables = _plan_scans(conn, statement, params)
            except Exception as exc:  # noqa: BLE001 - a plan we cannot read is reported, not fatal
                found.append(f"(no plan: {type(exc).__name__}) {' '.join(statement.split())[:120]}")
                continue
            for table in tables:
                if table in BIG_TABLES:
                    found.append(f"{table}: {' '.join(statement.split())[:160]}")
    return found


async def profile_pass(store: Store, minutes: int, out: Path) -> None:
    """One more steady pass under pyinstrument, its database step run in this thread so the
    profiler sees inside it (the scheduler runs it in a worker thread)."""
    from pyinstrument import Profiler

    from bot import scheduler

    now = store.now + timedelta(minutes=minutes)
    profiler = Profiler(interval=0.0005)
    profiler.start()
    if hasattr(scheduler, "enqueue_due"):
        scheduler.enqueue_due(store.services, now)
        await store.services.deliverer.deliver(now=now)
    else:
        await scheduler.run_pass(store.services, now=now)
    profiler.stop()
    out.write_text(profiler.output_text(unicode=True, color=False, show_all=False), encoding="utf-8")


def measure(url: str, label: str, *, quick: bool = False, log: bool = True,
            profile_dir: Path | None = None) -> dict[str, object]:
    """tick_ms_10k, tick_ms_100k, tick_growth and the details behind them, on stores of its own."""
    try:
        import bot.scheduler  # noqa: F401
    except ImportError:
        return {"tick_not_measured": "bot.scheduler is not in this version of kansli"}

    def say(msg: str) -> None:
        if log:
            print(f"  [tick] {msg}", file=sys.stderr, flush=True)

    t0 = time.perf_counter()
    steady = 5 if quick else STEADY_PASSES
    urls = store_urls(url)
    postgres = not url.startswith("sqlite")
    if postgres:
        reset_schemas(url, create=True)
    out: dict[str, object] = {}
    try:
        fresh_store(urls["10k"], 10_000)
        fresh_store(urls["100k"], 100_000)
        say(f"stores generated in {time.perf_counter() - t0:.1f} s")
        small, large = Store("10k", urls["10k"]), Store("100k", urls["100k"])
        _settle_as_served()
        try:
            asyncio.run(small.backlog_pass())
            asyncio.run(large.backlog_pass())
            asyncio.run(alternate([small, large], passes=steady, first_minute=1))
            s10, s100 = small.summary(), large.summary()
            scans = {store.name: asyncio.run(scan_report(store, steady + 1)) for store in (small, large)}
            if profile_dir is not None and importlib.util.find_spec("pyinstrument") is None:
                say("no profile of the pass: pip install pyinstrument (make bench installs it)")
            elif profile_dir is not None:
                for store in (small, large):
                    prof = profile_dir / f"tick-{label}-{store.name}.txt"
                    asyncio.run(profile_pass(store, steady + 2, prof))
                    say(f"profile of a {store.name} pass: {prof}")
        finally:
            small.close()
        say(f"10k: {s10}")
        say(f"100k: {s100}")
        grow_archive(urls["10k"], add=90_000)
        archive = Store("100k_archive", urls["10k"])
        large.samples = []
        try:
            asyncio.run(alternate([archive, large], passes=steady, first_minute=steady + 3))
            s_archive = archive.summary()
            scans[archive.name] = asyncio.run(scan_report(archive, 2 * steady + 4))
        finally:
            archive.close()
            large.close()
        say(f"10k + 90k closed: {s_archive}")
    finally:
        if postgres:
            reset_schemas(url, create=False)
    out["tick_ms_10k"] = s10["ms"]
    out["tick_ms_100k"] = s100["ms"]
    out["tick_growth"] = round(s100["ms"] / s10["ms"], 2) if s10["ms"] else None
    out["tick_ms_100k_archive"] = s_archive["ms"]
    for name, lines in scans.items():
        for line in lines:
            say(f"a {name} pass reads a whole table: {line}")
    out["tick_scans"] = scans
    out["tick_details"] = {"10k": s10, "100k": s100, "100k_archive": s_archive}
    say(f"done in {time.perf_counter() - t0:.1f} s")
    return out


def measure_in_child(url: str, label: str, *, quick: bool = False,
                     profile_dir: Path | None = None) -> dict[str, object]:
    """`measure` in a fresh Python process: the scheduler passes are timed without what the HTTP phase
    left in the bench's own process (its event loops, clients and garbage)."""
    import json
    import subprocess

    argv = [sys.executable, "-m", "bench.tick", url, label] + (["--quick"] if quick else [])
    if profile_dir is not None:
        argv += ["--profile-dir", str(profile_dir)]
    done = subprocess.run(argv, stdout=subprocess.PIPE, text=True, timeout=600,
                          cwd=Path(__file__).resolve().parent.parent)
    if done.returncode != 0:
        return {"tick_not_measured": f"python -m bench.tick exited with {done.returncode}"}
    return json.loads(done.stdout)


def main(argv: list[str] | None = None) -> int:
    import argparse
    import json

    parser = argparse.ArgumentParser(prog="python -m bench.tick")
    parser.add_argument("url")
    parser.add_argument("label")
    parser.add_argument("--quick", action="store_true")
    parser.add_argument("--profile-dir", type=Path)
    args = parser.parse_args(argv)
    result = measure(args.url, args.label, quick=args.quick, profile_dir=args.profile_dir)
    print(json.dumps(result, ensure_ascii=False))
    return 0


if __name__ == "__main__":
    sys.exit(main())
