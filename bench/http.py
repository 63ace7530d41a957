"""Command latency through the real HTTP endpoints of `kansli serve`, against the floor.

`measure(url)` starts, each in its own process: the stand-in (Slack Web API, response_url,
Bot Framework connector), the two floor apps and `kansli serve` on the generated store.
It measures the time from spawning kansli to /healthz answering (`startup_s`), then runs
the same load generator against kansli and the floor in alternating rounds, at concurrency
1 and 20: signed Slack slash commands (/uppdrag alla, /dagordning, /anmal frånvaro) and
Teams channel messages with the same commands. It reports p50 and p99 of each, the ratios
kansli p50 / floor p50, the time until kansli's Slack answer reached the stand-in (the
user's real wait, since kansli acknowledges first), and kansli's resident memory after the
load (`rss_mb`).

The commands come from real people in the store: coordinators ask for all assignments,
members for the agenda, and every absence report comes from a member who has not reported
in this run, so each one is a real write that notifies the forum's absence recipient.
"""
from __future__ import annotations

import asyncio
import json
import statistics
import sys
import tempfile
import time
import urllib.request
from dataclasses import dataclass, field
from pathlib import Path
from typing import Iterator

from sqlalchemy import text

from bench import load, proc
from bench.floor import BOT_TOKEN, SIGNING_SECRET
from storage.db import make_engine

# Rounds per comparison and commands per round (the three commands in turn), by concurrency.
# Short rounds alternate often, so a burst of other work on the machine falls on both targets.
ROUNDS = {1: 40, 20: 8}
PER_ROUND = {1: 3, 20: 100}
QUICK_ROUNDS = {1: 6, 20: 2}
QUICK_PER_ROUND = {1: 3, 20: 60}
BUDGET_S = {1: 20.0, 20: 30.0}
WARM_UP = 9

# How kansli's dispatcher answers when no command ran (bot/dispatch.py): unknown command or
# person, internal error, database down, conflict. Such answers are counted, not timed as work.
REFUSALS = ("Jag känner inte igen", "Kansli känner inte igen dig", "Något gick fel", "når inte sin databas",
            "Någon annan ändrade")


@dataclass(frozen=True)
class Member:
    handle: str
    name: str
    slack_user_id: str
    teams_user_id: str
    teams_aad_object_id: str


@dataclass
class Forum:
    slack_channel: str
    teams_channel: str
    coordinators: list[Member] = field(default_factory=list)
    members: list[Member] = field(default_factory=list)


def load_people(url: str) -> list[Forum]:
    """Every forum with its coordinators and members, from the store itself."""
    engine = make_engine(url)
    forums: dict[int, Forum] = {}
    try:
        with engine.connect() as conn:
            for fid, slack, teams in conn.execute(text(
                    "SELECT id, slack_channel, teams_channel FROM forum "
                    "WHERE slack_channel IS NOT NULL AND teams_channel IS NOT NULL ORDER BY id")):
                forums[fid] = Forum(slack, teams)
            rows = conn.execute(text(
                "SELECT m.forum_id, m.role, p.handle, p.name, p.slack_user_id, p.teams_user_id, "
                "p.teams_aad_object_id FROM membership m JOIN person p ON p.id = m.person_id "
                "WHERE p.erased = :no AND m.valid_to IS NULL AND p.slack_user_id IS NOT NULL "
                "AND p.teams_user_id IS NOT NULL ORDER BY m.forum_id, m.id"), {"no": False})
            for fid, role, *person in rows:
                forum = forums.get(fid)
                if forum is None:
                    continue
                member = Member(*person)
                if role == "coordinator":
                    forum.coordinators.append(member)
                elif role == "member":
                    forum.members.append(member)
    finally:
        engine.dispose()
    return [f for f in forums.values() if f.coordinators and f.members]


class Workload:
    """The commands of each round: all assignments, the agenda, and a fresh absence report, in turn."""

    def __init__(self, forums: list[Forum]) -> None:
        self.forums = forums
        self._absent: Iterator[tuple[Forum, Member]] = self._absence_pairs()
        self._rounds: dict[tuple[str, int], list[tuple[str, Forum, Member]]] = {}
        self._next = 0

    def _absence_pairs(self) -> Iterator[tuple[Forum, Member]]:
        # Member j of every forum, then member j+1, …: spreads the writes over the forums.
        depth = max(len(f.members) for f in self.forums)
        for j in range(depth):
            for forum in self.forums:
                if j < len(forum.members):
                    yield forum, forum.members[j]

    def plan(self, n: int) -> list[tuple[str, Forum, Member]]:
        out = []
        for i in range(n):
            forum = self.forums[self._next % len(self.forums)]
            k = self._next // len(self.forums)
            self._next += 1
            kind = ("uppdrag alla", "dagordning", "anmäl frånvaro")[i % 3]
            if kind == "uppdrag alla":
                out.append((kind, forum, forum.coordinators[k % len(forum.coordinators)]))
            elif kind == "dagordning":
                out.append((kind, forum, forum.members[k % len(forum.members)]))
            else:
                absent_forum, member = next(self._absent)
                out.append((kind, absent_forum, member))
        return out


SLACK_FORM = {
    "uppdrag alla": ("/uppdrag", "alla"),
    "dagordning": ("/dagordning", ""),
    "anmäl frånvaro": ("/anmal", "frånvaro nästa möte: tjänsteresa"),
}
# A role's list is answered in the asker's own chat in Teams (a channel gets a pointer to it), so that is where
# the coordinator asks for it.
TEAMS_PERSONAL = {"uppdrag alla"}
TEAMS_TEXT = {
    "uppdrag alla": "uppdrag alla",
    "dagordning": "dagordning",
    "anmäl frånvaro": "anmäl frånvaro nästa möte: tjänsteresa",
}


def slack_commands(plan: list[tuple[str, Forum, Member]]) -> list[load.Command]:
    return [load.SlackCommand(kind, m.slack_user_id, m.handle, f.slack_channel, *SLACK_FORM[kind])
            for kind, f, m in plan]


def teams_commands(plan: list[tuple[str, Forum, Member]]) -> list[load.Command]:
    return [load.TeamsMessage(kind, m.teams_user_id, m.teams_aad_object_id, m.name, f.teams_channel,
                              TEAMS_TEXT[kind], personal=kind in TEAMS_PERSONAL) for kind, f, m in plan]


# ---------------------------------------------------------------------------------------- helpers


def get_json(url: str) -> dict:
    with urllib.request.urlopen(url, timeout=10) as resp:  # noqa: S310 - loopback only
        return json.loads(resp.read())


def drain(url: str, wait_s: float = 10.0, still_s: float = 2.0) -> float:
    """Wait (bounded) until kansli has no delivery in flight (outbox rows 'sending'), or nothing has
    moved for `still_s`, so that one phase's background work does not fall on the next; returns the
    seconds waited. (Rows left pending for a retry wait for the scheduler, which is off here.)"""
    from sqlalchemy import func, select

    from storage.models import Outbox

    engine = make_engine(url)
    t0 = time.monotonic()
    last: tuple[int, int] | None = None
    moved = t0
    try:
        while time.monotonic() - t0 < wait_s:
            with engine.connect() as conn:
                sending = int(conn.scalar(select(func.count()).select_from(Outbox)
                                          .where(Outbox.status == "sending")) or 0)
                sent = int(conn.scalar(select(func.count()).select_from(Outbox)
                                       .where(Outbox.status == "sent")) or 0)
            if not sending:
                break
            if (sending, sent) != last:
                last, moved = (sending, sent), time.monotonic()
            elif time.monotonic() - moved > still_s:
                break
            time.sleep(0.25)
    finally:
        engine.dispose()
    return round(time.monotonic() - t0, 2)


def endpoint_answers(url: str) -> bool:
    """True when something is mounted at `url` (an unsigned POST gets 401/400/415, not 404/405)."""
    req = urllib.request.Request(url, data=b"{}", headers={"Content-Type": "application/json"}, method="POST")
    try:
        with urllib.request.urlopen(req, timeout=30):  # noqa: S310
            return True
    except urllib.error.HTTPError as exc:
        return exc.code not in (404, 405)
    except OSError:
        return False


def check_answers(platform: str, samples: list[load.Sample], texts: dict[str, str]) -> dict[str, object]:
    """Per command: how many answers arrived, how many were dispatcher refusals (by kind), and the
    start of the first real answer."""
    out: dict[str, object] = {}
    for label in sorted({s.label for s in samples}):
        answers = [texts.get(f"{platform}:{s.rid}") for s in samples if s.label == label]
        got = [a for a in answers if a is not None]
        kinds: dict[str, int] = {}
        fine = []
        for a in got:
            hit = next((r for r in REFUSALS if r in a), None)
            if hit is None:
                fine.append(a)
            else:
                kinds[hit] = kinds.get(hit, 0) + 1
        out[label] = {"answers": len(got), "refused": sum(kinds.values()), "refusals": kinds,
                      "example": (fine[0][:160] if fine else None)}
    return out


def compare(platform: str, kansli: load.Target, floor: load.Target, work: Workload, *,
            concurrency: int, quick: bool) -> load.Comparison:
    rounds = (QUICK_ROUNDS if quick else ROUNDS)[concurrency]
    per_round = (QUICK_PER_ROUND if quick else PER_ROUND)[concurrency]
    build = slack_commands if platform == "slack" else teams_commands
    plans: dict[int, list[load.Command]] = {}

    def commands(r: int) -> list[load.Command]:
        if r not in plans:
            plans[r] = build(work.plan(per_round))
        return plans[r]

    return asyncio.run(load.compare([kansli, floor], commands, rounds=rounds, concurrency=concurrency,
                                    budget_s=BUDGET_S[concurrency] / (2 if quick else 1),
                                    warm_up=build(work.plan(WARM_UP))))


# ---------------------------------------------------------------------------------------- measure


def measure(url: str, quick: bool = False, log: bool = True, *, profile_dir: Path | None = None,
            label: str = "sqlite") -> dict[str, object]:
    """Everything through HTTP on the store at `url`; see the module docstring.

    kansli serve is started afresh for each phase (platform × concurrency), so a phase that left
    kansli struggling does not spoil the next one's figures; startup_s is the median of those
    starts and rss_mb the largest resident memory of one of its processes after a phase's load
    (memory_all_processes_mb: all of them together, shared pages counted once).
    """
    def say(msg: str) -> None:
        if log:
            print(f"  [http] {msg}", file=sys.stderr, flush=True)

    forums = load_people(url)
    if not forums:
        raise RuntimeError("the store has no forum with both a coordinator and members")
    work = Workload(forums)
    logs = Path(tempfile.mkdtemp(prefix="kansli-bench-logs-"))
    helpers: list[proc.Child] = []
    out: dict[str, object] = {}
    starts: list[float] = []
    rss: dict[str, float] = {}
    pss: dict[str, float] = {}
    try:
        standin = proc.start_ready("standin", "bench.standin", log_dir=logs)
        helpers.append(standin)
        floor_slack = proc.start_ready("floor-slack", "bench.floor", "slack", "--standin", standin.url,
                                       log_dir=logs)
        floor_teams = proc.start_ready("floor-teams", "bench.floor", "teams", "--standin", standin.url,
                                       log_dir=logs)
        helpers += [floor_slack, floor_teams]
        port = proc.free_port()
        env = proc.child_env(
            KANSLI_DATABASE_URL=url,
            SLACK_BOT_TOKEN=BOT_TOKEN,
            SLACK_SIGNING_SECRET=SIGNING_SECRET,
            SLACK_APP_TOKEN="",
            SLACK_API_URL=f"{standin.url}/api/",
            MicrosoftAppId="",
            MicrosoftAppPassword="",
            KANSLI_TEAMS_NO_AUTH="1",  # the connector stand-in is on loopback
            KANSLI_TEAMS_SERVICE_URL=f"{standin.url}/",
            KANSLI_SCHEDULER="false",
            KANSLI_LOG_LEVEL="WARNING",
        )
        argv = [sys.executable, "-m", "bot.cli", "serve", "--host", "127.0.0.1", "--port", str(port)]
        base = f"http://127.0.0.1:{port}"
        platforms = {
            "slack": (load.Target("kansli", f"{base}/slack/events", standin.url, SIGNING_SECRET, wait_reply=True),
                      load.Target("floor", f"{floor_slack.url}/slack/events", standin.url, SIGNING_SECRET)),
            "teams": (load.Target("kansli", f"{base}/api/messages", standin.url),
                      load.Target("floor", f"{floor_teams.url}/api/messages", standin.url)),
        }
        missing = []
        for platform, (k_target, f_target) in platforms.items():
            kansli_samples: list[load.Sample] = []
            for c in (1, 20):
                phase = f"{platform}_c{c}"
                kansli, startup = proc.start_http(f"kansli-{phase}", argv, port=port, env=env, log_dir=logs)
                try:
                    starts.append(round(startup, 2))
                    out.setdefault("rss_mb_idle", round(kansli.rss_mb(), 1))
                    if not endpoint_answers(k_target.url):
                        say(f"kansli has no {platform} endpoint at {k_target.url}; {platform} not measured")
                        missing.append(platform)
                        break
                    t0 = time.monotonic()
                    spy, raw = None, None
                    if profile_dir is not None and c == 20:
                        raw = profile_dir / f"http-{label}-{platform}-c20.raw"
                        spy = proc.start_profile(kansli.pid, raw)
                        if spy is None:
                            say("no profile of kansli under load: py-spy is not installed")
                            raw = None
                    try:
                        result = compare(platform, k_target, f_target, work, concurrency=c, quick=quick)
                    finally:
                        proc.stop_profile(spy)
                    drained = drain(url)
                    # Resident memory once the load and the deliveries it started are over.
                    rss[phase] = round(kansli.rss_mb(), 1)
                    pss[phase] = round(kansli.pss_total_mb(), 1)
                    out.setdefault("workers", len(kansli.pids()) - 1 or 1)
                finally:
                    kansli.stop()
                if raw is not None:
                    summary_file = raw.with_suffix(".txt")
                    summary_file.write_text(proc.summarise_profile(raw), encoding="utf-8")
                    say(f"profile of kansli under {platform} c20: {summary_file}")
                kansli_samples += result.samples["kansli"]
                k = load.summarise(result.samples["kansli"])
                f = load.summarise(result.samples["floor"])
                say(f"{platform} c{c}: kansli started in {startup:.2f} s; {result.rounds} rounds in "
                    f"{time.monotonic() - t0:.1f} s, deliveries drained {drained} s after; kansli {k}; floor {f}")
                for err in load.first_errors(result.samples["kansli"]):
                    say(f"  kansli error: {err}")
                out[f"{phase}_drain_s"] = drained
                for name, summary in (("", k), ("floor_", f)):
                    for key in ("p50_ms", "p99_ms"):
                        if key in summary:
                            out[f"{name}{platform}_{key[:3]}_c{c}_ms"] = summary[key]
                    out[f"{name}{platform}_errors_c{c}"] = summary["errors"]
                    out[f"{name}{platform}_n_c{c}"] = summary["n"]
                if "reply_p50_ms" in k:
                    out[f"{platform}_reply_p50_c{c}_ms"] = k["reply_p50_ms"]
                    out[f"{platform}_reply_p99_c{c}_ms"] = k["reply_p99_ms"]
                if "p50_ms" in k and "p50_ms" in f:
                    ratio = round(k["p50_ms"] / f["p50_ms"], 2)
                    out[f"{platform}_ratio" if c == 1 else f"{platform}_ratio_c{c}"] = ratio
                out[f"{platform}_by_command_c{c}"] = {
                    command: {x: v for x, v in summ.items() if x != "errors" or v}
                    for command, summ in load.by_label(result.samples["kansli"]).items()}
            if platform == "slack" and "slack_reply_p50_c20_ms" in out:
                out["slack_reply_p50_ms"] = out["slack_reply_p50_c20_ms"]
                out["slack_reply_p99_ms"] = out["slack_reply_p99_c20_ms"]
            if kansli_samples:
                checked = check_answers(platform, kansli_samples, get_json(f"{standin.url}/_texts"))
                out[f"{platform}_answers"] = checked
                out[f"{platform}_refusals"] = sum(int(c["refused"]) for c in checked.values())  # type: ignore[call-overload]
                for command, c in checked.items():
                    if c["refused"]:
                        say(f"{platform} {command}: {c['refused']} of {c['answers']} answers were refusals: "
                            f"{c['refusals']}")
        out["startup_s"] = statistics.median(starts) if starts else None
        out["startup_s_each"] = starts
        out["rss_mb"] = max(rss.values()) if rss else None
        out["rss_mb_each"] = rss
        out["memory_all_processes_mb"] = max(pss.values()) if pss else None
        out["standin_calls"] = get_json(f"{standin.url}/_stats")
        if missing:
            out["not_measured"] = missing
        say(f"kansli serve answered /healthz after {starts} s; logs in {logs}")
    finally:
        for child in reversed(helpers):
            child.stop()
    return out
