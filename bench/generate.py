"""A national-scale kansli store: every region's networks on one instance.

200 forums, 5,000 people, 10,000 meetings, 100,000 cases, 50,000 assignments and
20,000 absences by default, written with bulk inserts. Deterministic (seeded),
so two runs measure the same data.
"""
from __future__ import annotations

import random
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta, timezone
from zoneinfo import ZoneInfo

from sqlalchemy import Connection, Engine, insert, text

from storage.agenda import ON_AGENDA, STANDING_ITEMS
from storage.models import (
    Absence,
    AgendaItem,
    Assignment,
    Case,
    FollowUp,
    Forum,
    Meeting,
    Membership,
    Organisation,
    Person,
)

STOCKHOLM = ZoneInfo("Europe/Stockholm")
BATCH = 5000


@dataclass(frozen=True)
class Scale:
    forums: int = 200
    people: int = 5000
    meetings: int = 10_000
    cases: int = 100_000
    assignments: int = 50_000
    absences: int = 20_000
    members_per_forum: int = 25
    organisations: int = 311  # 290 kommuner and 21 regioner


def _chunks(rows: list[dict], size: int = BATCH):  # type: ignore[no-untyped-def]
    for i in range(0, len(rows), size):
        yield rows[i : i + size]


def _bulk(conn, model, rows: list[dict]) -> None:  # type: ignore[no-untyped-def]
    for chunk in _chunks(rows):
        conn.execute(insert(model), chunk)


def meeting_instants(forum_index: int, count: int, around: date) -> list[datetime]:
    """`count` meetings for one forum, about monthly, centred on `around` (some past, some coming)."""
    out = []
    start = around - timedelta(days=30 * (count // 2))
    for k in range(count):
        day = start + timedelta(days=30 * k + forum_index % 20)
        while day.weekday() >= 5:
            day += timedelta(days=1)
        local = datetime.combine(day, time(9 + forum_index % 4, 0), tzinfo=STOCKHOLM)
        out.append(local.astimezone(timezone.utc))
    return out


def _transaction(bind: Engine | Connection):  # type: ignore[no-untyped-def]
    """Engine: a transaction committed at the end. Connection (tests): a savepoint inside the
    caller's transaction, so the caller decides whether anything stays."""
    return bind.begin() if isinstance(bind, Engine) else bind.begin_nested()


def _connection(bind: Engine | Connection, tx) -> Connection:  # type: ignore[no-untyped-def]
    return tx if isinstance(bind, Engine) else bind


def generate(engine: Engine | Connection, *, scale: Scale = Scale(), around: date, seed: int = 7,
             cases: int | None = None) -> dict[str, int]:
    """Fill an empty, migrated store. `cases` overrides the scale's case count."""
    rng = random.Random(seed)
    n_cases = scale.cases if cases is None else cases
    now = datetime.combine(around, time(12), tzinfo=timezone.utc)
    with _transaction(engine) as tx:
        conn = _connection(engine, tx)
        _bulk(conn, Organisation, [
            {"id": i + 1, "key": f"org{i + 1}", "name": f"Huvudman {i + 1}", "kind": "region" if i < 21 else "kommun"}
            for i in range(scale.organisations)
        ])
        _bulk(conn, Person, [
            {
                "id": i + 1, "handle": f"p{i + 1:05d}", "name": f"Person {i + 1}",
                "organisation_id": rng.randint(1, scale.organisations),
                "title": "Socialchef", "email": f"p{i + 1}@example.se", "slack_user_id": f"U{i + 1:08d}",
                "teams_user_id": f"29:teams-{i + 1}", "teams_aad_object_id": f"aad-{i + 1:08d}",
                "last_platform": "slack" if i % 2 else "teams", "erased": False,
            }
            for i in range(scale.people)
        ])
        _bulk(conn, Forum, [
            {
                "id": f + 1, "key": f"forum{f + 1}", "name": f"Länsnätverk {f + 1}", "short": f"LN{f + 1}",
                "slack_channel": f"C{f + 1:08d}", "teams_channel": f"19:forum-{f + 1}@thread.tacv2",
                "agenda_working_days_before": 5, "documents_days_before": 7, "preparation_days_before": 14,
                "minutes_days_after": 7, "substitutes": f % 3 == 0, "min_meetings_per_year": 5,
                "reminder_time": time(8, 0), "chair_agenda_time": time(7, 30),
            }
            for f in range(scale.forums)
        ])
        memberships = []
        members: dict[int, list[int]] = {}
        for f in range(scale.forums):
            people = rng.sample(range(1, scale.people + 1), scale.members_per_forum)
            members[f + 1] = people
            for j, pid in enumerate(people):
                roles = ["member"]
                if j == 0:
                    roles.append("chair")
                elif j == 1:
                    roles.append("vice_chair")
                elif j == 2:
                    roles += ["coordinator", "absence_recipient", "secretary"]
                memberships += [{"forum_id": f + 1, "person_id": pid, "role": r} for r in roles]
        _bulk(conn, Membership, memberships)

        per_forum = scale.meetings // scale.forums
        meeting_rows = []
        forum_meetings: dict[int, list[int]] = {}
        mid = 0
        for f in range(scale.forums):
            for start in meeting_instants(f, per_forum, around):
                mid += 1
                published = start < now
                meeting_rows.append({
                    "id": mid, "forum_id": f + 1, "starts_at": start, "ends_at": start + timedelta(hours=3),
                    "place": "Teams", "cancelled": False, "version": 1,
                    "agenda_published_at": start - timedelta(days=8) if published else None,
                    "minutes_sent_at": start + timedelta(days=5) if start + timedelta(days=5) < now else None,
                })
                forum_meetings.setdefault(f + 1, []).append(mid)
        _bulk(conn, Meeting, meeting_rows)

        case_rows = []
        seq: dict[tuple[int, int], int] = {}
        meeting_start = {r["id"]: r["starts_at"] for r in meeting_rows}
        for c in range(n_cases):
            forum_id = c % scale.forums + 1
            meeting_id = rng.choice(forum_meetings[forum_id])
            start = meeting_start[meeting_id]
            year = (start - timedelta(days=20)).year
            seq[(forum_id, year)] = seq.get((forum_id, year), 0) + 1
            past = start < now
            status = rng.choice(["avslutat", "behandlat", "behandlat"]) if past else rng.choice(
                ["aktualiserat", "under_beredning", "pa_dagordning"])
            case_rows.append({
                "id": c + 1, "forum_id": forum_id, "number": f"{year}:{seq[(forum_id, year)]}", "year": year,
                "seq": seq[(forum_id, year)], "title": f"Ärende {c + 1} om samverkan", "purpose":
                rng.choice(["information", "diskussion", "beslut"]), "status": status,
                "raised_by_id": rng.choice(members[forum_id]), "raised_on": (start - timedelta(days=30)).date(),
                "presenter_id": rng.choice(members[forum_id]),
                "meeting_id": meeting_id if status != "aktualiserat" else None,
                "agenda_order": seq[(forum_id, year)], "late_addition": False, "version": 1,
            })
        _bulk(conn, Case, case_rows)

        # Each case on a meeting is an item of that meeting's agenda, after the standing items.
        item_rows = []
        numbers: dict[int, int] = {}
        for r in case_rows:
            mid = r["meeting_id"]
            if mid is None or r["status"] not in ON_AGENDA:
                continue
            if mid not in numbers:
                numbers[mid] = len(STANDING_ITEMS)
                item_rows += [{"meeting_id": mid, "number": i + 1, "title": t, "case_id": None, "purpose": None,
                               "presenter_id": None, "standing": True, "late_addition": False,
                               "created_at": meeting_start[mid]} for i, t in enumerate(STANDING_ITEMS)]
            numbers[mid] += 1
            item_rows.append({"meeting_id": mid, "number": numbers[mid], "title": r["title"], "case_id": r["id"],
                              "purpose": r["purpose"], "presenter_id": r["presenter_id"], "standing": False,
                              "late_addition": False, "created_at": meeting_start[mid]})
        _bulk(conn, AgendaItem, item_rows)

        followups = [
            {"case_id": rng.randint(1, n_cases), "due": around + timedelta(days=rng.randint(-400, 400)),
             "responsible_id": rng.randint(1, scale.people),
             "done_at": now if rng.random() < 0.8 else None}
            for _ in range(max(1, n_cases // 10))
        ]
        _bulk(conn, FollowUp, followups)

        assignments = []
        for a in range(scale.assignments):
            forum_id = a % scale.forums + 1
            due = around + timedelta(days=rng.randint(-700, 400))
            assignments.append({
                "forum_id": forum_id, "assignee_id": rng.choice(members[forum_id]), "title": f"Uppdrag {a + 1}",
                "decided_on": due - timedelta(days=180), "due": due, "report_back": a % 2 == 0,
                "closed_at": now if (due < around and rng.random() < 0.9) else None, "version": 1,
            })
        _bulk(conn, Assignment, assignments)

        absences = []
        seen: set[tuple[int, int]] = set()
        while len(absences) < scale.absences:
            mid = rng.randint(1, len(meeting_rows))
            forum_id = meeting_rows[mid - 1]["forum_id"]
            pid = rng.choice(members[forum_id])
            if (mid, pid) in seen:
                continue
            seen.add((mid, pid))
            at = meeting_rows[mid - 1]["starts_at"] - timedelta(days=3)
            absences.append({"meeting_id": mid, "person_id": pid, "reported_at": at, "updated_at": at,
                             "note": None})
        _bulk(conn, Absence, absences)
        if engine.dialect.name == "postgresql":
            for table in ("organisation", "person", "forum", "meeting", "case_item"):
                conn.execute(text(f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), (SELECT max(id) FROM {table}))"))
            conn.execute(text("ANALYZE"))
        else:
            conn.execute(text("ANALYZE"))
    return {
        "forums": scale.forums, "people": scale.people, "meetings": len(meeting_rows), "cases": n_cases,
        "assignments": scale.assignments, "absences": scale.absences,
    }


def add_cases(engine: Engine | Connection, *, start_id: int, count: int, forums: int, around: date, seed: int = 11) -> None:
    """Grow the case list (to measure how a scheduler pass scales with it)."""
    rng = random.Random(seed)
    rows = []
    for c in range(count):
        cid = start_id + c
        forum_id = c % forums + 1
        rows.append({
            "id": cid, "forum_id": forum_id, "number": f"1999:{cid}", "year": 1999, "seq": cid,
            "title": f"Äldre ärende {cid}", "purpose": "information", "status": rng.choice(["avslutat", "behandlat"]),
            "raised_on": around - timedelta(days=rng.randint(400, 3000)), "late_addition": False, "version": 1,
        })
    with _transaction(engine) as tx:
        conn = _connection(engine, tx)
        _bulk(conn, Case, rows)
        if engine.dialect.name == "postgresql":
            conn.execute(text("SELECT setval(pg_get_serial_sequence('case_item', 'id'), (SELECT max(id) FROM case_item))"))
        conn.execute(text("ANALYZE"))


def settle(engine: Engine) -> None:
    """Leave the store as a long-running instance has it: vacuumed and analysed (PostgreSQL; a fresh
    bulk load otherwise makes the first readers set hint bits and autovacuum run under the
    measurement), the write-ahead log checkpointed (SQLite)."""
    if engine.dialect.name == "postgresql":
        with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
            conn.execute(text("VACUUM (ANALYZE)"))
    else:
        with engine.connect() as conn:
            conn.exec_driver_sql("PRAGMA wal_checkpoint(TRUNCATE)")
