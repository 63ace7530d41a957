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
import shutil
import statistics
import sys
import tempfile
import time
from datetime import date, datetime, timezone
from pathlib import Path
from zoneinfo import ZoneInfo

from sqlalchemy import text

from bench.generate import Scale, generate, settle
from bench.load import percentile
from storage.db import make_engine, migrate

ROOT = Path(__file__).resolve().parent.parent
RESULTS = Path(__file__).resolve().parent / "results.json"
PROFILES = Path(__file__).resolve().parent / "profiles"
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
    # Concurrency 20 against the floor at 20, and a Slack user's wait for the answer at 20 against at 1.
    "slack_ratio_c20": ("<=", 1.5),
    "teams_ratio_c20": ("<=", 1.5),
    "slack_reply_c20_over_c1": ("<=", 12),
    # Statements one command sends to the store (each of dagordning, anmäl frånvaro, uppdrag alla).
    "statements_per_command": ("<=", 8),
}


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


# ---------------------------------------------------------------------------------------- store


def build_store(url: str, *, cases: int) -> dict[str, int]:
    """A fresh national store at `url` (an existing SQLite file or PostgreSQL schema is replaced)."""
    if url.startswith("sqlite:///"):
        for suffix in ("", "-wal", "-shm"):
            Path(url.split(":///", 1)[1] + suffix).unlink(missing_ok=True)
    engine = make_engine(url)
    if engine.dialect.name == "postgresql":
        with engine.begin() as conn:
            conn.execute(text("DROP SCHEMA IF EXISTS public CASCADE"))
            conn.execute(text("CREATE SCHEMA public"))
    migrate(engine)
    counts = generate(engine, around=AROUND, cases=cases)
    settle(engine)
    engine.dispose()
    return counts


def say(msg: str) -> None:
    print(f"[bench] {msg}", file=sys.stderr, flush=True)


def run_backend(label: str, url: str, *, quick: bool, profile_dir: Path | None) -> dict[str, object]:
    """Everything measured on one store backend: the store, HTTP latency and memory, the scheduler pass."""
    from bench import http as http_bench
    from bench import statements as statements_bench
    from bench import tick as tick_bench

    out: dict[str, object] = {}
    t0 = time.perf_counter()
    out["store"] = build_store(url, cases=Scale().cases)
    out["generate_s"] = round(time.perf_counter() - t0, 1)
    say(f"{label}: national store generated in {out['generate_s']} s: {out['store']}")
    t0 = time.perf_counter()
    out.update(http_bench.measure(url, quick=quick, profile_dir=profile_dir, label=label))
    out["http_s"] = round(time.perf_counter() - t0, 1)
    c1, c20 = out.get("slack_reply_p50_c1_ms"), out.get("slack_reply_p50_c20_ms")
    if isinstance(c1, (int, float)) and isinstance(c20, (int, float)) and c1 > 0:
        out["slack_reply_c20_over_c1"] = round(c20 / c1, 2)
    # After the HTTP phase (its absence reports never reach the people counted here), in this process.
    out.update(statements_bench.measure(url))
    say(f"{label}: statements per command {out['statements_per_command']}")
    t0 = time.perf_counter()
    out.update(tick_bench.measure_in_child(url, label, quick=quick, profile_dir=profile_dir))
    out["tick_s"] = round(time.perf_counter() - t0, 1)
    return out


def verdict(value: object, target: tuple[str, float]) -> bool | None:
    """Whether a figure meets its target; a figure per command (a dict) meets it when every command does."""
    if isinstance(value, dict) and value:
        each = [verdict(v, target) for v in value.values()]
        return None if None in each else all(each)
    if not isinstance(value, (int, float)) or isinstance(value, bool):
        return None
    op, limit = target
    return value <= limit if op == "<=" else value >= limit


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="make bench")
    parser.add_argument("--quick", action="store_true", help="fewer requests and passes (for trying the harness)")
    parser.add_argument("--profile", action="store_true",
                        help="also profile kansli under load (py-spy) and a scheduler pass (pyinstrument) "
                             "into bench/profiles/")
    parser.add_argument("--sqlite-only", action="store_true", help="skip PostgreSQL even when it is configured")
    parser.add_argument("--table", action="store_true",
                        help="only print the table of the last run (bench/results.json), e.g. for docs/benchmark.md")
    args = parser.parse_args(argv)
    if args.table:
        print(render_table(json.loads(RESULTS.read_text(encoding="utf-8"))))
        return 0
    started = time.perf_counter()
    profile_dir = None
    if args.profile:
        profile_dir = PROFILES
        profile_dir.mkdir(exist_ok=True)
    results: dict[str, object] = {
        "machine": machine(),
        "run_at": datetime.now(timezone.utc).isoformat(timespec="seconds"),
        "quick": args.quick,
        "load_avg_at_start": [round(x, 2) for x in os.getloadavg()],
        "commit": commit(),
    }
    results.update(bench_parse())
    say(f"date reader: p50 {results['parse_ms_p50']} ms, first parse {results['parse_first_ms']} ms")
    work = Path(tempfile.mkdtemp(prefix="kansli-bench-"))
    backends = {"sqlite": f"sqlite:///{work / 'national.db'}"}
    pg = os.environ.get("KANSLI_TEST_DATABASE_URL")
    if pg and not args.sqlite_only:
        backends["postgresql"] = pg
    try:
        for label, url in backends.items():
            t0 = time.perf_counter()
            measured = run_backend(label, url, quick=args.quick, profile_dir=profile_dir)
            say(f"{label}: done in {time.perf_counter() - t0:.0f} s")
            results["store"] = measured.pop("store")
            results.update({(k if label == "sqlite" else f"{label}_{k}"): v for k, v in measured.items()})
    finally:
        shutil.rmtree(work, ignore_errors=True)
    results["duration_s"] = round(time.perf_counter() - started, 1)
    results["load_avg_at_end"] = [round(x, 2) for x in os.getloadavg()]
    verdicts: dict[str, bool | None] = {}
    for prefix in [""] + [f"{b}_" for b in backends if b != "sqlite"]:
        for key, target in TARGETS.items():
            results.setdefault(prefix + key, None)  # every target is a key, measured or not
            verdicts[prefix + key] = verdict(results[prefix + key], target)
    results["targets_met"] = verdicts
    RESULTS.write_text(json.dumps(results, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
    print(render_table(results))
    print(f"\nwrote {RESULTS.relative_to(ROOT)} in {results['duration_s']} s")
    return 0


def commit() -> str | None:
    """The checked-out commit (and whether the tree had changes), if this is a git checkout."""
    import subprocess

    try:
        head = subprocess.run(["git", "rev-parse", "--short", "HEAD"], cwd=ROOT, capture_output=True, text=True,
                              timeout=10).stdout.strip()
        dirty = subprocess.run(["git", "status", "--porcelain", "--untracked-files=no"], cwd=ROOT,
                               capture_output=True, text=True, timeout=10).stdout.strip()
    except (OSError, subprocess.SubprocessError):
        return None
    return (head + ("+changes" if dirty else "")) or None


def machine() -> str:
    cpu = platform.processor() or platform.machine()
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    cores = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count()
    mem = ""
    try:
        kb = int(Path("/proc/meminfo").read_text().split()[1])
        mem = f", {kb / 1024 / 1024:.0f} GB RAM"
    except (OSError, ValueError, IndexError):
        pass
    return (f"{cpu}, {cores} cores{mem}, {platform.system()} {platform.release()}, "
            f"Python {platform.python_version()}")


# The table: (row label, key, target key or None); keys are the SQLite ones, PostgreSQL's are prefixed.
ROWS: list[tuple[str, str, str | None]] = [
    ("kansli serve start → /healthz (s)", "startup_s", "startup_s"),
    ("processes serving (KANSLI_WORKERS; one on SQLite)", "workers", None),
    ("resident memory of one process after the load (MB)", "rss_mb", "rss_mb"),
    ("memory of all its processes together, Pss (MB)", "memory_all_processes_mb", None),
    ("Slack ack p50, c1: kansli / floor (ms)", "slack_p50_c1_ms|floor_slack_p50_c1_ms", None),
    ("slack_ratio (kansli p50 / floor p50, c1)", "slack_ratio", "slack_ratio"),
    ("Slack ack p50, c20: kansli / floor (ms)", "slack_p50_c20_ms|floor_slack_p50_c20_ms", None),
    ("Slack ack p99, c20: kansli / floor (ms)", "slack_p99_c20_ms|floor_slack_p99_c20_ms", "slack_p99_c20_ms"),
    ("Slack answer at the user p50 / p99, c1 (ms)", "slack_reply_p50_c1_ms|slack_reply_p99_c1_ms", None),
    ("Slack answer at the user p50 / p99, c20 (ms)", "slack_reply_p50_c20_ms|slack_reply_p99_c20_ms", None),
    ("Slack answer at the user, p50 c20 / p50 c1", "slack_reply_c20_over_c1", "slack_reply_c20_over_c1"),
    ("slack_ratio_c20 (kansli ack p50 / floor p50, c20)", "slack_ratio_c20", "slack_ratio_c20"),
    ("Teams p50, c1: kansli / floor (ms)", "teams_p50_c1_ms|floor_teams_p50_c1_ms", None),
    ("teams_ratio (kansli p50 / floor p50, c1)", "teams_ratio", "teams_ratio"),
    ("Teams p50, c20: kansli / floor (ms)", "teams_p50_c20_ms|floor_teams_p50_c20_ms", None),
    ("teams_ratio_c20 (kansli p50 / floor p50, c20)", "teams_ratio_c20", "teams_ratio_c20"),
    ("Teams p99, c20: kansli / floor (ms)", "teams_p99_c20_ms|floor_teams_p99_c20_ms", "teams_p99_c20_ms"),
    ("Slack answer p50 by command, c1: uppdrag alla / dagordning / anmäl frånvaro (ms)",
     "slack_by_command_c1>uppdrag alla>reply_p50_ms|slack_by_command_c1>dagordning>reply_p50_ms"
     "|slack_by_command_c1>anmäl frånvaro>reply_p50_ms", None),
    ("Teams p50 by command, c1: uppdrag alla / dagordning / anmäl frånvaro (ms)",
     "teams_by_command_c1>uppdrag alla>p50_ms|teams_by_command_c1>dagordning>p50_ms"
     "|teams_by_command_c1>anmäl frånvaro>p50_ms", None),
    ("answers that were refusals: Slack / Teams", "slack_refusals|teams_refusals", None),
    ("statements per command: uppdrag alla / dagordning / anmäl frånvaro",
     "statements_per_command>uppdrag alla|statements_per_command>dagordning|statements_per_command>anmäl frånvaro",
     "statements_per_command"),
    ("scheduler pass, 10,000 cases (ms)", "tick_ms_10k", None),
    ("scheduler pass, 100,000 cases (ms)", "tick_ms_100k", "tick_ms_100k"),
    ("tick_growth (100k / 10k)", "tick_growth", "tick_growth"),
    ("scheduler pass, 10k + 90k closed cases (ms)", "tick_ms_100k_archive", None),
]


def _cell(results: dict[str, object], keys: str, prefix: str) -> str:
    values = []
    for key in keys.split("|"):
        first, *path = key.split(">")
        v = results.get(prefix + first)
        for step in path:
            v = v.get(step) if isinstance(v, dict) else None
        values.append("–" if v is None else (f"{v:g}" if isinstance(v, float) else str(v)))
    return " / ".join(values)


def render_table(results: dict[str, object]) -> str:
    """The results as a Markdown table, one column per backend, with the targets and whether they hold."""
    backends = ["sqlite"] + (["postgresql"] if any(k.startswith("postgresql_") for k in results) else [])
    prefixes = {"sqlite": "", "postgresql": "postgresql_"}
    met = results.get("targets_met") or {}
    head = "| measurement | " + " | ".join("SQLite" if b == "sqlite" else "PostgreSQL" for b in backends)
    lines = [head + " | target |", "|---" * (len(backends) + 2) + "|"]

    def mark(key: str | None, prefix: str) -> str:
        if key is None:
            return ""
        ok = met.get(prefix + key)  # type: ignore[union-attr]
        return "" if ok is None else (" ✓" if ok else " ✗")

    lines.append(f"| date reader p50 / first parse (ms) | {results.get('parse_ms_p50')} / "
                 f"{results.get('parse_first_ms')}{mark('parse_ms_p50', '')} |"
                 + " |" * (len(backends) - 1) + f" parse_ms_p50 ≤ {TARGETS['parse_ms_p50'][1]:g} |")
    for label, keys, target in ROWS:
        cells = [_cell(results, keys, prefixes[b]) + mark(target, prefixes[b]) for b in backends]
        goal = f"{target} {TARGETS[target][0].replace('<=', '≤')} {TARGETS[target][1]:g}" if target else ""
        lines.append(f"| {label} | " + " | ".join(cells) + f" | {goal} |")
    lines.append("")
    lines.append(f"Machine: {results.get('machine')}. Run {results.get('run_at')} on commit {results.get('commit')}, "
                 f"{results.get('duration_s')} s"
                 + (" (quick)" if results.get("quick") else "")
                 + f"; load average (1 min) {results.get('load_avg_at_start', ['?'])[0]} at the start, "
                 f"{results.get('load_avg_at_end', ['?'])[0]} at the end.")
    return "\n".join(lines)


if __name__ == "__main__":
    sys.exit(main())
