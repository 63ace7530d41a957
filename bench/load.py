"""The one load generator of `make bench`, used for kansli and for the floor alike.

It sends signed Slack slash commands and Bot Framework message activities over loopback
HTTP with an aiohttp client, `concurrency` simulated users at a time, each sending its next
command only when the previous one is done. It alternates between the targets in rounds
(kansli, floor, then floor, kansli, …) with the very same commands, so that whatever else the
machine is doing falls on both.

A Slack command is "done" for the user when the answer has arrived: kansli acknowledges at
once and sends the answer to the response_url afterwards, so for kansli the simulated user
also waits until the stand-in has received that post (its arrival instant is the user's real
wait). The floor's constant acknowledgement is its whole answer. A Teams message is done when
the HTTP call returns: the bot answers inside the turn.

Everything is bounded: a fixed number of requests per round, a time budget per comparison,
and a timeout per request.
"""
from __future__ import annotations

import asyncio
import hashlib
import hmac
import itertools
import json
import math
import time
from dataclasses import dataclass, field
from datetime import datetime, timezone
from typing import Callable, Iterable
from urllib.parse import urlencode

import aiohttp

BOT_ID = "28:kansli-bench"
BOT_NAME = "kansli"
TENANT = "tenant-bench"
REQUEST_TIMEOUT = 15.0  # Teams gives a bot about 15 s; Slack wants the ack within 3 s
REPLY_TIMEOUT = 10.0
WARM_UP_S = 5.0  # the most each target's warm-up may take
GRACE_S = 10.0  # how long requests in flight may run past a comparison's budget


def percentile(values: Iterable[float], p: float) -> float:
    """Nearest-rank percentile: the smallest value with at least p % of the values at or below it."""
    ordered = sorted(values)
    if not ordered:
        raise ValueError("percentile of no values")
    rank = max(1, math.ceil(p / 100 * len(ordered)))
    return ordered[min(rank, len(ordered)) - 1]


# ---------------------------------------------------------------------------------------- what to send


@dataclass(frozen=True)
class SlackCommand:
    """One slash command as a Slack user types it in a channel."""

    label: str  # short name for the table ("uppdrag alla")
    user_id: str
    user_name: str
    channel_id: str
    command: str  # "/uppdrag"
    text: str  # "alla"


@dataclass(frozen=True)
class TeamsMessage:
    """One message to the bot in a Teams channel (the bot @mentioned, a new thread each time)."""

    label: str
    user_id: str  # 29:…
    aad_object_id: str
    user_name: str
    channel_id: str  # 19:…@thread.tacv2
    text: str  # "dagordning"
    # In the person's own chat with the bot instead: where a role's list (/uppdrag alla) is answered in Teams,
    # since a channel is shown only a pointer to it (the whole team reads a channel).
    personal: bool = False


Command = SlackCommand | TeamsMessage


def sign_slack(secret: str, timestamp: str, body: bytes) -> str:
    base = b"v0:" + timestamp.encode() + b":" + body
    return "v0=" + hmac.new(secret.encode(), base, hashlib.sha256).hexdigest()


def slack_request(cmd: SlackCommand, *, rid: str, standin: str, secret: str,
                  now: float | None = None) -> tuple[dict[str, str], bytes]:
    """Headers and form body of a signed slash-command request; the response_url carries `rid`."""
    body = urlencode({
        "token": "bench-verification-token",
        "team_id": "TBENCH",
        "team_domain": "bench",
        "channel_id": cmd.channel_id,
        "channel_name": "bench",
        "user_id": cmd.user_id,
        "user_name": cmd.user_name,
        "command": cmd.command,
        "text": cmd.text,
        "api_app_id": "ABENCH",
        "is_enterprise_install": "false",
        "response_url": f"{standin}/slack/response/{rid}",
        "trigger_id": f"{rid}.bench",
    }).encode()
    timestamp = str(int(now if now is not None else time.time()))
    return {
        "Content-Type": "application/x-www-form-urlencoded",
        "X-Slack-Request-Timestamp": timestamp,
        "X-Slack-Signature": sign_slack(secret, timestamp, body),
    }, body


def teams_request(msg: TeamsMessage, *, rid: str, standin: str) -> tuple[dict[str, str], bytes]:
    """A Bot Framework message activity, as Teams posts it for a new channel thread that @mentions the bot
    (or, `personal`, for a message in the person's own chat with the bot)."""
    mention = f"<at>{BOT_NAME}</at>"
    if msg.personal:
        activity = {
            "type": "message", "id": rid, "timestamp": datetime.now(timezone.utc).isoformat(),
            "serviceUrl": f"{standin}/", "channelId": "msteams",
            "from": {"id": msg.user_id, "name": msg.user_name, "aadObjectId": msg.aad_object_id},
            "conversation": {"id": f"a:personal-{msg.user_id}", "conversationType": "personal", "tenantId": TENANT},
            "recipient": {"id": BOT_ID, "name": BOT_NAME},
            "text": msg.text, "textFormat": "plain", "locale": "sv-SE",
            "channelData": {"tenant": {"id": TENANT}},
        }
        return {"Content-Type": "application/json"}, json.dumps(activity).encode()
    activity = {
        "type": "message",
        "id": rid,
        "timestamp": datetime.now(timezone.utc).isoformat(),
        "serviceUrl": f"{standin}/",
        "channelId": "msteams",
        "from": {"id": msg.user_id, "name": msg.user_name, "aadObjectId": msg.aad_object_id},
        "conversation": {"id": f"{msg.channel_id};messageid={rid}", "conversationType": "channel",
                         "isGroup": True, "tenantId": TENANT},
        "recipient": {"id": BOT_ID, "name": BOT_NAME},
        "text": f"{mention} {msg.text}",
        "textFormat": "plain",
        "locale": "sv-SE",
        "entities": [{"type": "mention", "mentioned": {"id": BOT_ID, "name": BOT_NAME}, "text": mention}],
        "channelData": {
            "teamsChannelId": msg.channel_id,
            "teamsTeamId": "19:team-bench@thread.tacv2",
            "channel": {"id": msg.channel_id},
            "team": {"id": "19:team-bench@thread.tacv2"},
            "tenant": {"id": TENANT},
        },
    }
    return {"Content-Type": "application/json"}, json.dumps(activity).encode()


# ---------------------------------------------------------------------------------------- targets


@dataclass(frozen=True)
class Target:
    name: str  # "kansli" or "floor"
    url: str  # the endpoint (…/slack/events or …/api/messages)
    standin: str  # base URL of the stand-in the target talks to
    secret: str = ""  # Slack signing secret
    wait_reply: bool = False  # Slack: the user waits for the response_url post too


@dataclass
class Sample:
    label: str
    rid: str
    ack_ms: float
    status: int
    reply_ms: float | None = None
    error: str | None = None

    @property
    def ok(self) -> bool:
        return self.error is None and 200 <= self.status < 300


_RIDS = itertools.count(1)


def new_rid(prefix: str) -> str:
    return f"{prefix}{next(_RIDS):07d}"


async def send_one(session: aiohttp.ClientSession, target: Target, cmd: Command) -> Sample:
    rid = new_rid("k" if target.name == "kansli" else "f")
    if isinstance(cmd, SlackCommand):
        headers, body = slack_request(cmd, rid=rid, standin=target.standin, secret=target.secret)
    else:
        headers, body = teams_request(cmd, rid=rid, standin=target.standin)
    start = time.monotonic()
    try:
        async with session.post(target.url, data=body, headers=headers) as resp:
            await resp.read()
            status = resp.status
        ack_ms = (time.monotonic() - start) * 1000
    except (aiohttp.ClientError, asyncio.TimeoutError) as exc:
        return Sample(cmd.label, rid, (time.monotonic() - start) * 1000, 0, error=type(exc).__name__)
    sample = Sample(cmd.label, rid, ack_ms, status)
    if not sample.ok:
        sample.error = f"HTTP {status}"
        return sample
    if target.wait_reply and isinstance(cmd, SlackCommand):
        try:
            async with session.get(f"{target.standin}/_wait/slack:{rid}",
                                   params={"timeout": str(REPLY_TIMEOUT)}) as resp:
                data = await resp.json()
        except (aiohttp.ClientError, asyncio.TimeoutError, ValueError) as exc:
            sample.error = f"reply: {type(exc).__name__}"
            return sample
        if data.get("at") is None:
            sample.error = "no reply within the timeout"
        else:
            sample.reply_ms = (float(data["at"]) - start) * 1000
    return sample


CUT_OFF = "cut off at the time limit"


async def run_round(session: aiohttp.ClientSession, target: Target, commands: list[Command], *,
                    concurrency: int, deadline: float, hard_deadline: float | None = None) -> list[Sample]:
    """Send `commands` to `target` with `concurrency` users at a time.

    No new command starts after `deadline`; at `hard_deadline` the requests still in flight are
    abandoned and counted as errors, so a stalled target cannot hold the bench up.
    """
    queue = iter(commands)
    samples: list[Sample] = []
    in_flight: dict[int, Command] = {}

    async def user(n: int) -> None:
        for cmd in queue:
            if time.monotonic() > deadline:
                return
            in_flight[n] = cmd
            samples.append(await send_one(session, target, cmd))
            del in_flight[n]

    tasks = [asyncio.create_task(user(n)) for n in range(concurrency)]
    limit = None if hard_deadline is None else max(0.0, hard_deadline - time.monotonic())
    _, pending = await asyncio.wait(tasks, timeout=limit)
    for task in pending:
        task.cancel()
    await asyncio.gather(*pending, return_exceptions=True)
    samples += [Sample(cmd.label, "", 0.0, 0, error=CUT_OFF) for cmd in in_flight.values()]
    return samples


@dataclass
class Comparison:
    """The samples of every target in one alternating comparison."""

    samples: dict[str, list[Sample]] = field(default_factory=dict)
    rounds: int = 0
    seconds: float = 0.0


async def compare(targets: list[Target], make_commands: Callable[[int], list[Command]], *, rounds: int,
                  concurrency: int, budget_s: float, warm_up: list[Command] | None = None) -> Comparison:
    """Alternate between the targets round by round (the order flips each round) with the same commands.

    A round pair starts only while the time budget lasts, and everything ends at the budget plus
    ten seconds (warm-up included: `warm_up` commands go to each target first, uncounted, for at
    most WARM_UP_S each), whatever the targets do.
    """
    result = Comparison(samples={t.name: [] for t in targets})
    connector = aiohttp.TCPConnector(limit=concurrency * 2 + 4)
    timeout = aiohttp.ClientTimeout(total=REQUEST_TIMEOUT)
    t0 = time.monotonic()
    async with aiohttp.ClientSession(connector=connector, timeout=timeout) as session:
        if warm_up:
            for target in targets:
                start = time.monotonic()
                await run_round(session, target, warm_up, concurrency=min(concurrency, 4),
                                deadline=start + WARM_UP_S / 2, hard_deadline=start + WARM_UP_S)
        end = time.monotonic() + budget_s
        hard_end = end + GRACE_S
        for r in range(rounds):
            if r and time.monotonic() > end:
                break
            commands = make_commands(r)
            order = targets if r % 2 == 0 else list(reversed(targets))
            for target in order:
                # A pair that started within the budget runs whole unless it reaches the hard end.
                result.samples[target.name] += await run_round(
                    session, target, commands, concurrency=concurrency, deadline=hard_end,
                    hard_deadline=hard_end)
            result.rounds += 1
    result.seconds = time.monotonic() - t0
    return result


def summarise(samples: list[Sample]) -> dict[str, float | int]:
    """Count, errors, and p50/p99 of the acknowledgement and (when measured) of the answer, in ms."""
    ok = [s for s in samples if s.ok and s.error is None]
    out: dict[str, float | int] = {"n": len(samples), "errors": len(samples) - len(ok)}
    if ok:
        acks = [s.ack_ms for s in ok]
        out["p50_ms"] = round(percentile(acks, 50), 2)
        out["p99_ms"] = round(percentile(acks, 99), 2)
        replies = [s.reply_ms for s in ok if s.reply_ms is not None]
        if replies:
            out["reply_p50_ms"] = round(percentile(replies, 50), 2)
            out["reply_p99_ms"] = round(percentile(replies, 99), 2)
    return out


def by_label(samples: list[Sample]) -> dict[str, dict[str, float | int]]:
    labels = sorted({s.label for s in samples})
    return {label: summarise([s for s in samples if s.label == label]) for label in labels}


def first_errors(samples: list[Sample], limit: int = 3) -> list[str]:
    return [f"{s.label}: {s.error}" for s in samples if s.error][:limit]
