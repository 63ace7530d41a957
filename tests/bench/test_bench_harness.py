"""The bench harness itself (no timing here: speed is only measured by `make bench`).

The generator must build the store the bench describes, on both backends; the load
generator must sign and shape requests as Slack and Teams do, so the real SDKs accept
them; and its percentiles must be right, or every figure in the README is wrong.
"""
from __future__ import annotations

import asyncio
import json
from datetime import date

import pytest
from aiohttp.test_utils import TestServer
from sqlalchemy import func, select, text
from sqlalchemy.orm import Session, sessionmaker

from bench import load
from bench.generate import Scale, add_cases, generate
from bench.http import Forum, Member, Workload
from storage import queries
from storage.models import Absence, Assignment, Case, Forum as ForumRow, Meeting, Membership, Person

TINY = Scale(forums=3, people=40, meetings=12, cases=30, assignments=10, absences=8, members_per_forum=5,
             organisations=4)
AROUND = date(2026, 11, 23)


def count(session: Session, model) -> int:  # type: ignore[no-untyped-def]
    return int(session.scalar(select(func.count()).select_from(model)) or 0)


def test_generator_builds_the_described_store_with_people_the_bench_can_resolve(db: sessionmaker[Session]) -> None:
    conn = db.kw["bind"]
    counts = generate(conn, scale=TINY, around=AROUND)
    assert counts == {"forums": 3, "people": 40, "meetings": 12, "cases": 30, "assignments": 10, "absences": 8}
    with db() as s:
        assert [count(s, m) for m in (ForumRow, Person, Meeting, Case, Assignment, Absence)] == [3, 40, 12, 30, 10, 8]
        for forum in s.scalars(select(ForumRow)):
            roles = list(s.scalars(select(Membership.role).where(Membership.forum_id == forum.id)))
            assert roles.count("chair") == 1 and roles.count("coordinator") == 1
            assert roles.count("member") == TINY.members_per_forum
        # Every case on an agenda sits on a meeting of its own forum; numbers are unique per forum.
        mismatched = s.scalar(text(
            "SELECT count(*) FROM case_item c JOIN meeting m ON m.id = c.meeting_id WHERE m.forum_id <> c.forum_id"))
        assert mismatched == 0
        # The load generator addresses people by these ids: the dispatcher must find them.
        assert queries.person_by_slack(s, "U00000007").handle == "p00007"
        assert queries.person_by_teams(s, user_id="29:teams-7", aad_object_id="aad-00000007").handle == "p00007"
        assert s.scalar(select(ForumRow.slack_channel).where(ForumRow.id == 2)) == "C00000002"
    add_cases(conn, start_id=31, count=20, forums=TINY.forums, around=AROUND)
    with db() as s:
        assert count(s, Case) == 50
        assert s.scalar(select(func.count()).select_from(Case).where(Case.status.in_(["avslutat", "behandlat"]),
                                                                     Case.id > 30)) == 20


def test_percentiles_are_nearest_rank() -> None:
    values = list(range(1, 101))  # 1..100
    assert load.percentile(values, 50) == 50
    assert load.percentile(values, 99) == 99
    assert load.percentile(values, 100) == 100
    assert load.percentile([7.0], 99) == 7.0
    assert load.percentile([3, 1, 2, 4], 50) == 2  # unsorted input, even count: the lower middle
    assert load.percentile([1, 2, 3, 1000], 99) == 1000  # p99 of a few samples is the worst one
    with pytest.raises(ValueError):
        load.percentile([], 50)


def test_summary_leaves_failed_requests_out_of_the_latencies() -> None:
    samples = [load.Sample("dagordning", f"k{i}", float(i), 200, reply_ms=float(2 * i)) for i in range(1, 11)]
    samples.append(load.Sample("dagordning", "k99", 5000.0, 500, error="HTTP 500"))
    summary = load.summarise(samples)
    assert summary["n"] == 11 and summary["errors"] == 1
    assert (summary["p50_ms"], summary["p99_ms"]) == (5.0, 10.0)
    assert (summary["reply_p50_ms"], summary["reply_p99_ms"]) == (10.0, 20.0)


def test_slash_commands_are_signed_as_slack_signs_them() -> None:
    from slack_sdk.signature import SignatureVerifier

    cmd = load.SlackCommand("anmäl frånvaro", "U00000007", "p00007", "C00000002", "/anmal", "frånvaro: sjuk")
    headers, body = load.slack_request(cmd, rid="k1", standin="http://127.0.0.1:9", secret="hemlis")
    verifier = SignatureVerifier("hemlis")
    assert verifier.is_valid(body, headers["X-Slack-Request-Timestamp"], headers["X-Slack-Signature"])
    assert not SignatureVerifier("annan").is_valid(body, headers["X-Slack-Request-Timestamp"],
                                                   headers["X-Slack-Signature"])
    from urllib.parse import parse_qs

    form = {k: v[0] for k, v in parse_qs(body.decode()).items()}
    assert form["text"] == "frånvaro: sjuk" and form["response_url"] == "http://127.0.0.1:9/slack/response/k1"


def test_teams_messages_deserialize_as_channel_activities_that_mention_the_bot() -> None:
    from botbuilder.schema import Activity

    msg = load.TeamsMessage("dagordning", "29:teams-7", "aad-00000007", "Person 7", "19:forum-2@thread.tacv2",
                            "dagordning")
    _, body = load.teams_request(msg, rid="k2", standin="http://127.0.0.1:9")
    activity = Activity().deserialize(json.loads(body))
    assert activity.from_property.aad_object_id == "aad-00000007"
    assert activity.conversation.conversation_type == "channel"
    assert activity.channel_data["channel"]["id"] == "19:forum-2@thread.tacv2"
    assert activity.service_url == "http://127.0.0.1:9/" and activity.id == "k2"


def test_workload_never_reports_the_same_absence_twice_and_cycles_the_commands() -> None:
    def member(i: int) -> Member:
        return Member(f"p{i:05d}", f"Person {i}", f"U{i:08d}", f"29:teams-{i}", f"aad-{i:08d}")

    forums = [Forum(f"C{f:08d}", f"19:forum-{f}@thread.tacv2", [member(100 + f)], [member(10 * f + j) for j in range(4)])
              for f in range(1, 4)]
    work = Workload(forums)
    plan = work.plan(24)
    assert [kind for kind, _, _ in plan[:3]] == ["uppdrag alla", "dagordning", "anmäl frånvaro"]
    absent = [(f.slack_channel, m.handle) for kind, f, m in plan if kind == "anmäl frånvaro"]
    assert len(absent) == 8 and len(set(absent)) == 8
    assert all(m in f.coordinators for kind, f, m in plan if kind == "uppdrag alla")


def test_floor_and_stand_in_answer_like_the_platforms(tmp_path) -> None:  # type: ignore[no-untyped-def]
    """The bare Bolt app acks a signed command and refuses a forged one; the echo bot answers to the stand-in."""
    from bench import floor
    from bench.standin import StandIn

    async def go() -> tuple[int, str, int, int, str]:
        standin = StandIn()
        async with TestServer(standin.app()) as s_srv:
            base = str(s_srv.make_url("")).rstrip("/")
            async with TestServer(floor.slack_app(base)) as slack, TestServer(floor.teams_app()) as teams:
                cmd = load.SlackCommand("dagordning", "U00000001", "p00001", "C00000001", "/dagordning", "")
                target = load.Target("floor", str(slack.make_url("/slack/events")), base, floor.SIGNING_SECRET)
                forged = load.Target("floor", target.url, base, "fel-hemlighet")
                msg = load.TeamsMessage("dagordning", "29:teams-1", "aad-00000001", "P", "19:f@thread.tacv2",
                                        "dagordning")
                echo = load.Target("floor", str(teams.make_url("/api/messages")), base)
                import aiohttp

                async with aiohttp.ClientSession() as http:
                    ok = await load.send_one(http, target, cmd)
                    bad = await load.send_one(http, forged, cmd)
                    answered = await load.send_one(http, echo, msg)
                texts = standin.texts
                return ok.status, ok.error or "", bad.status, answered.status, texts.get(f"teams:{answered.rid}", "")

    ok_status, ok_error, forged_status, teams_status, echoed = asyncio.run(go())
    assert (ok_status, ok_error) == (200, "")
    assert forged_status == 401
    assert teams_status in (200, 201)
    assert echoed.endswith("dagordning")
