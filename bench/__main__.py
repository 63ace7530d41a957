"""make bench: how fast kansli answers and how its cost grows, against the frameworks' own floor.

Builds a national-scale store on SQLite (and on PostgreSQL when
KANSLI_TEST_DATABASE_URL is set), runs every measurement, prints a table and
writes bench/results.json. Nothing here runs in `make test`.
"""
from __future__ import annotations

import argparse
import json
import os
import platform
import statistics
import sys
import tempfile
import time
from datetime import date, datetime, timedelta, timezone
from pathlib import Path
from zoneinfo import ZoneInfo

from sqlalchemy import text

from bench.generate import Scale, add_cases, generate
from storage.db import make_engine, migrate

ROOT = Path(__file__).resolve().parent.parent
RESULTS = Path(__file__).resolve().parent / "results.json"
STOCKHOLM = ZoneInfo("Europe/Stockholm")
AROUND = date(2026, 11, 23)

TARGETS = {
    "slack_ratio": ("<=", 1.5),
    "teams_ratio": ("<=", 1.5),
    "slack_p99_c20_ms": ("<=", 250),
    "teams_p99_c20_ms": ("<=", 250),
    "tick_ms_100k": ("<=", 50),
    "tick_growth": ("<=", 2.0),
    "parse_ms_p50": ("<=", 1.0),
    "rss_mb": ("<=", 250),
    "startup_s": ("<=", 3),
}


def percentile(values: list[float], p: float) -> float:
    ordered = sorted(values)
    k = max(0, min(len(ordered) - 1, round(p / 100 * (len(ordered) - 1))))
    return ordered[k]


# ---------------------------------------------------------------------------------------- date reader


def bench_parse() -> dict[str, float]:
    t0 = time.perf_counter()
    from bot import dates

    now = datetime(2026, 11, 18, 10, tzinfo=STOCKHOLM)
    dates.parse_when("3 december", now)
    first = (time.perf_counter() - t0) * 1000
    phrases = []
    for line in (ROOT / "tests" / "data" / "dates_sv.tsv").read_text(encoding="utf-8").splitlines():
        if line and not line.startswith("#"):
            phrases.append(line.split("\t")[0])
    getattr(dates, "warm_up", lambda: None)()
    for p in phrases:  # warm-up
        try:
            dates.parse_when(p, now)
        except ValueError:
            pass
    samples = []
    for _ in range(30):
        for p in phrases:
            s = time.perf_counter()
            try:
                dates.parse_when(p, now)
            except ValueError:
                pass
            samples.append((time.perf_counter() - s) * 1000)
    return {"parse_ms_p50": round(statistics.median(samples), 4), "parse_ms_p99": round(percentile(samples, 99), 4),
            "parse_first_ms": round(first, 1)}


# ---------------------------------------------------------------------------------------- scheduler pass


def bench_tick(url: str, label: str) -> dict[str, float]:
    """One scheduler pass at 10,000 and at 100,000 cases (median of passes at several instants)."""
    try:
        from bench import tick as tick_bench
    except ImportError:
        return {}
    return tick_bench.measure(url, label)


# ---------------------------------------------------------------------------------------- store


def build_store(url: str, *, cases: int) -> dict[str, int]:
    engine = make_engine(url)
    if engine.dialect.name == "postgresql":
        with engine.begin() as conn:
            conn.execute(text("DROP SCHEMA IF EXISTS public CASCADE"))
            conn.execute(text("CREATE SCHEMA public"))
    migrate(engine)
    counts = generate(engine, around=AROUND, cases=cases)
    engine.dispose()
    return counts


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="make bench")
    parser.add_argument("--quick", action="store_true", help="fewer requests (for trying the harness)")
    args = parser.parse_args(argv)
    started = time.perf_counter()
    results: dict[str, object] = {
        "machine": f"{platform.machine()}, {os.cpu_count()} cores, Python {platform.python_version()}, "
                   f"{platform.system()} {platform.release()}",
        "run_at": datetime.now(timezone.utc).isoformat(timespec="seconds"),
    }
    results.update(bench_parse())
    work = Path(tempfile.mkdtemp(prefix="kansli-bench-"))
    backends = {"sqlite": f"sqlite:///{work / 'national.db'}"}
    pg = os.environ.get("KANSLI_TEST_DATABASE_URL")
    if pg:
        backends["postgresql"] = pg
    for label, url in backends.items():
        t0 = time.perf_counter()
        counts = build_store(url, cases=Scale().cases)
        results[f"{label}_generate_s"] = round(time.perf_counter() - t0, 1)
        results["store"] = counts
        try:
            from bench import http as http_bench
        except ImportError:
            http_bench = None  # type: ignore[assignment]
        if http_bench is not None:
            results.update({(k if label == "sqlite" else f"{label}_{k}"): v
                            for k, v in http_bench.measure(url, quick=args.quick).items()})
        results.update({(k if label == "sqlite" else f"{label}_{k}"): v for k, v in bench_tick(url, label).items()})
    results["duration_s"] = round(time.perf_counter() - started, 1)
    verdicts = {}
    for key, (op, limit) in TARGETS.items():
        value = results.get(key)
        if isinstance(value, (int, float)):
            verdicts[key] = value <= limit if op == "<=" else value >= limit
    results["targets_met"] = verdicts
    RESULTS.write_text(json.dumps(results, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
    print_table(results)
    print(f"\nwrote {RESULTS.relative_to(ROOT)}")
    return 0


def print_table(results: dict[str, object]) -> None:
    print(f"machine: {results['machine']}")
    width = max(len(k) for k in results)
    for key, value in results.items():
        if key in ("machine", "targets_met", "store"):
            continue
        target = TARGETS.get(key)
        mark = ""
        if target is not None and isinstance(value, (int, float)):
            mark = f"   target {target[0]} {target[1]}: " + ("met" if results["targets_met"].get(key) else "MISSED")  # type: ignore[union-attr]
        print(f"{key:<{width}}  {value}{mark}")


if __name__ == "__main__":
    sys.exit(main())
