"""The network as a file again: `kansli export nätverk` writes what `kansli import` reads.

Once the coordinator administers the network in chat, the store is the truth; this file is for moving
a network to another store and for bulk changes. Importing it into an empty store gives the same answers,
and importing it into the store it came from changes nothing. Exported: organisations, people (not erased
ones), forums with their rules, members with dated roles, every meeting, open cases (and closed cases an
open assignment refers to), open assignments with their extensions. Not exported: history, absences,
decisions, sent messages, published agendas and minutes (records that stay in the store they were made in).
"""
from __future__ import annotations

from datetime import date, datetime, time
from typing import Any
from zoneinfo import ZoneInfo

import yaml
from sqlalchemy import select
from sqlalchemy.orm import Session

from storage.models import Assignment, Case, FollowUp, Forum, Meeting, Membership, Organisation, Person

HEADER = (
    "# kansli network, exported from the store with `kansli export nätverk`.\n"
    "# The store is the truth once the network is administered in chat; this file is for moving the network\n"
    "# to another store and for bulk changes (`kansli import FILE`; importing it unchanged changes nothing).\n"
)


def _clock(t: time) -> str:
    return f"{t.hour:02d}:{t.minute:02d}"


def _instant(dt: datetime, tz: ZoneInfo) -> str:
    return dt.astimezone(tz).replace(tzinfo=None).isoformat(timespec="minutes")


def _drop_none(d: dict[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in d.items() if v is not None}


def _members(rows: list[Membership], handles: dict[int, str]) -> list[dict[str, Any]]:
    """Membership rows → `members:` entries: one per membership period, each role plain when it spans the
    period, or {role, from, to} when it has dates of its own."""
    by_person: dict[int, list[Membership]] = {}
    for m in rows:
        if m.person_id in handles:
            by_person.setdefault(m.person_id, []).append(m)
    out: list[dict[str, Any]] = []
    for pid in sorted(by_person, key=lambda p: handles[p]):
        mine = sorted(by_person[pid], key=lambda m: (m.valid_from or date.min, m.role, m.id))
        periods = [m for m in mine if m.role == "member"] or [mine[0]]
        entries = []
        for p in periods:
            entry: dict[str, Any] = {"person": handles[pid]}
            if p.valid_from:
                entry["from"] = p.valid_from
            if p.valid_to:
                entry["to"] = p.valid_to
            entry["roles"] = []
            entries.append((p, entry))
        for m in mine:
            if m.role == "member" and any(m is p for p, _ in entries):
                continue
            same = next((e for p, e in entries if (p.valid_from, p.valid_to) == (m.valid_from, m.valid_to)), None)
            if same is not None:
                same["roles"].append(m.role)
                continue
            home = next((e for p, e in entries
                         if (p.valid_from is None or m.valid_from is None or p.valid_from <= m.valid_from)
                         and (p.valid_to is None or (m.valid_from is not None and m.valid_from <= p.valid_to))),
                        entries[0][1])
            period = next(p for p, e in entries if e is home)
            role: dict[str, Any] = {"role": m.role}
            if m.valid_from != period.valid_from:
                role["from"] = m.valid_from
            if m.valid_to != period.valid_to:
                role["to"] = m.valid_to
            home["roles"].append(role)
        for _, entry in entries:
            if not entry["roles"]:
                del entry["roles"]
            out.append(entry)
    return out


def _rules(forum: Forum) -> dict[str, Any]:
    rules: dict[str, Any] = {}
    if forum.agenda_working_days_before is not None:
        rules["agenda_deadline"] = {"working_days_before": forum.agenda_working_days_before}
    if forum.documents_days_before is not None:
        rules["documents_deadline"] = {"days_before": forum.documents_days_before}
    if forum.preparation_days_before is not None:
        rules["preparation"] = {"days_before": forum.preparation_days_before}
    if forum.minutes_days_after is not None:
        rules["minutes_deadline"] = {"days_after": forum.minutes_days_after}
    rules["substitutes"] = bool(forum.substitutes)
    if forum.min_meetings_per_year is not None:
        rules["min_meetings_per_year"] = forum.min_meetings_per_year
    rules["reminder_time"] = _clock(forum.reminder_time or time(8, 0))
    rules["chair_agenda_time"] = _clock(forum.chair_agenda_time or time(7, 30))
    if forum.substitutes_other_organisation:
        rules["substitutes_other_organisation"] = True
    if forum.extensions_by:
        rules["extensions_by"] = [k for k in forum.extensions_by.split(",") if k]
    if forum.standing_items:
        rules["standing_items"] = [t for t in forum.standing_items.splitlines() if t.strip()]
    if forum.member_term is not None:
        rules["member_term"] = forum.member_term
    if forum.coordinator_title is not None:
        rules["coordinator_title"] = forum.coordinator_title
    return rules


def _meeting(m: Meeting, tz: ZoneInfo) -> dict[str, Any]:
    out: dict[str, Any] = {"start": _instant(m.starts_at, tz)}
    if m.ends_at is not None:
        out["end"] = _instant(m.ends_at, tz)
    out.update(_drop_none({"place": m.place, "dnr": m.dnr}))
    if m.cancelled:
        out["cancelled"] = True
    if m.sequence:
        out["sequence"] = m.sequence
    return out


def network_data(session: Session, *, timezone: str = "Europe/Stockholm") -> dict[str, Any]:
    """The whole network as the mapping `storage.network.apply` takes."""
    tz = ZoneInfo(timezone)
    orgs = list(session.scalars(select(Organisation).order_by(Organisation.key)))
    org_keys = {o.id: o.key for o in orgs}
    people = list(session.scalars(select(Person).where(Person.erased.is_(False)).order_by(Person.handle)))
    handles = {p.id: p.handle for p in people}
    data: dict[str, Any] = {"timezone": timezone}
    data["organisations"] = [{"id": o.key, "name": o.name, "kind": o.kind} for o in orgs]
    data["people"] = [
        _drop_none({"handle": p.handle, "name": p.name, "organisation": org_keys.get(p.organisation_id or 0),
                    "title": p.title, "email": p.email, "slack": p.slack_user_id, "teams": p.teams_user_id,
                    "teams_aad": p.teams_aad_object_id})
        for p in people
    ]
    forums = list(session.scalars(select(Forum).order_by(Forum.key)))
    forum_keys = {f.id: f.key for f in forums}
    data["forums"] = []
    for f in forums:
        entry: dict[str, Any] = {"id": f.key, "name": f.name}
        if f.short:
            entry["short"] = f.short
        channels = _drop_none({"slack": f.slack_channel, "teams": f.teams_channel})
        if channels:
            entry["channels"] = channels
        entry["rules"] = _rules(f)
        rows = list(session.scalars(select(Membership).where(Membership.forum_id == f.id).order_by(Membership.id)))
        entry["members"] = _members(rows, handles)
        meetings = session.scalars(select(Meeting).where(Meeting.forum_id == f.id).order_by(Meeting.starts_at))
        entry["meetings"] = [_meeting(m, tz) for m in meetings]
        data["forums"].append(entry)

    assignments = list(session.scalars(select(Assignment).where(Assignment.closed_at.is_(None))
                                       .order_by(Assignment.forum_id, Assignment.due, Assignment.id)))
    wanted_cases = {a.case_id for a in assignments if a.case_id is not None}
    cases = [c for c in session.scalars(select(Case).order_by(Case.forum_id, Case.year, Case.seq))
             if c.status != "avslutat" or c.id in wanted_cases]
    data["cases"] = []
    for c in cases:
        meeting = c.meeting or c.wished_meeting
        follow = session.scalar(select(FollowUp).where(FollowUp.case_id == c.id, FollowUp.done_at.is_(None))
                                .order_by(FollowUp.due, FollowUp.id).limit(1))
        entry = _drop_none({
            "number": c.number, "forum": forum_keys[c.forum_id], "title": c.title, "purpose": c.purpose,
            "status": c.status, "raised_by": handles.get(c.raised_by_id or 0),
            "presenter": handles.get(c.presenter_id or 0), "raised_on": c.raised_on,
            "meeting": _instant(meeting.starts_at, tz) if meeting is not None else None,
            "proposal": c.proposal, "description": c.description,
        })
        if c.attachments:
            entry["attachments"] = [a.url for a in c.attachments]
        if follow is not None and follow.responsible_id in handles:
            entry["feedback"] = {"due": follow.due, "responsible": handles[follow.responsible_id]}
        data["cases"].append(entry)
    numbers = {c.id: c.number for c in cases}
    data["assignments"] = []
    for a in assignments:
        if a.assignee_id not in handles:
            continue
        first_due = a.extensions[0].previous_due if a.extensions else a.due
        entry = _drop_none({"forum": forum_keys[a.forum_id], "title": a.title, "assignee": handles[a.assignee_id],
                            "decided_on": a.decided_on, "due": first_due,
                            "case": numbers.get(a.case_id or 0)})
        if a.report_back:
            entry["report_back"] = True
        if a.extensions:
            entry["extensions"] = [_drop_none({"due": x.new_due, "decided_on": x.decided_on, "reason": x.reason})
                                   for x in a.extensions]
        data["assignments"].append(entry)
    return data


def network_yaml(session: Session) -> str:
    return HEADER + yaml.safe_dump(network_data(session), allow_unicode=True, sort_keys=False, width=110)
