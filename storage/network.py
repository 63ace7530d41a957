"""Import of a network definition (network.yaml): organisations, people, forums, meetings, cases, assignments.

The whole file is validated first; any error refuses it as a whole and nothing
is written. Importing the same file twice changes nothing; a changed file
updates in place and never drops recorded cases, absences or deliveries.
Errors are Swedish sentences naming the entry and field.
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import date, datetime, time, timezone
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import yaml
from sqlalchemy import select
from sqlalchemy.orm import Session

from storage.models import (
    CASE_STATUS_TEXT,
    PURPOSES,
    ROLES,
    Assignment,
    AssignmentExtension,
    Attachment,
    Case,
    CaseEvent,
    FollowUp,
    Forum,
    Meeting,
    Membership,
    Organisation,
    Person,
)

CASE_STATUSES_IMPORT = ("aktualiserat", "under_beredning", "pa_dagordning", "behandlat", "aterremitterat", "avslutat")
ORG_KINDS = ("kommun", "region", "annan")
# The words a forum may use for its members (rules: member_term); docs/ordlista.md.
MEMBER_TERMS = ("representant", "ledamot", "deltagare")
RULE_KEYS = {
    "agenda_deadline",
    "documents_deadline",
    "preparation",
    "minutes_deadline",
    "substitutes",
    "min_meetings_per_year",
    "reminder_time",
    "chair_agenda_time",
    "substitutes_other_organisation",
    "extensions_by",
    "standing_items",
    "member_term",
    "coordinator_title",
}
ON_AGENDA = ("pa_dagordning", "behandlat", "aterremitterat", "avslutat")
HANDLE_RE = re.compile(r"^[a-z0-9][a-z0-9._-]*$")
FORUM_KEY_RE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9-]*$")


class NetworkFileError(ValueError):
    """The file was refused; `errors` lists every problem found, in Swedish."""

    def __init__(self, errors: list[str]) -> None:
        super().__init__("\n".join(errors))
        self.errors = errors


@dataclass
class ImportSummary:
    created: dict[str, int] = field(default_factory=dict)
    updated: dict[str, int] = field(default_factory=dict)

    def add(self, what: str, created: bool) -> None:
        target = self.created if created else self.updated
        target[what] = target.get(what, 0) + 1

    @property
    def changed(self) -> bool:
        return bool(self.created or self.updated)

    def lines(self) -> list[str]:
        # (singular, plural): the import summary agrees with its numbers ("1 ärende, 2 förlängningar").
        names = {
            "organisation": ("huvudman", "huvudmän"),
            "person": ("person", "personer"),
            "forum": ("forum", "forum"),
            "membership": ("roll", "roller"),
            "meeting": ("möte", "möten"),
            "case": ("ärende", "ärenden"),
            "assignment": ("uppdrag", "uppdrag"),
            "extension": ("förlängning", "förlängningar"),
        }
        if not self.changed:
            return ["Inget ändrades: allt i filen fanns redan."]
        out = []
        for label, counts in (("Nya", self.created), ("Ändrade", self.updated)):
            if counts:
                out.append(f"{label}: " + ", ".join(
                    f"{n} {names.get(k, (k, k))[0 if n == 1 else 1]}" for k, n in counts.items()))
        return out


# --------------------------------------------------------------------------------------------
# Validation


class _Checker:
    def __init__(self) -> None:
        self.errors: list[str] = []

    def err(self, where: str, message: str) -> None:
        self.errors.append(f"{where}: {message}")

    def text(self, entry: dict[str, Any], key: str, where: str, *, required: bool = True) -> str | None:
        value = entry.get(key)
        if value is None or (isinstance(value, str) and not value.strip()):
            if required:
                self.err(where, f"fältet '{key}' saknas.")
            return None
        if not isinstance(value, (str, int, float)):
            self.err(where, f"fältet '{key}' ska vara text.")
            return None
        return str(value).strip()

    def day(self, entry: dict[str, Any], key: str, where: str, *, required: bool = False) -> date | None:
        value = entry.get(key)
        if value is None:
            if required:
                self.err(where, f"fältet '{key}' saknas (skriv datumet som ÅÅÅÅ-MM-DD).")
            return None
        if isinstance(value, datetime):
            return value.date()
        if isinstance(value, date):
            return value
        try:
            return date.fromisoformat(str(value).strip())
        except ValueError:
            self.err(where, f"'{key}: {value}' är inget giltigt datum; skriv ÅÅÅÅ-MM-DD, till exempel 2026-12-17.")
            return None

    def instant(self, entry: dict[str, Any], key: str, where: str, tz: ZoneInfo, *, required: bool) -> datetime | None:
        value = entry.get(key)
        if value is None:
            if required:
                self.err(where, f"fältet '{key}' saknas (skriv tiden som ÅÅÅÅ-MM-DDTHH:MM).")
            return None
        try:
            dt = value if isinstance(value, datetime) else datetime.fromisoformat(str(value).strip())
        except ValueError:
            self.err(
                where,
                f"'{key}: {value}' är ingen giltig tidpunkt; skriv ÅÅÅÅ-MM-DDTHH:MM, till exempel 2026-12-17T09:00.",
            )
            return None
        if dt.tzinfo is None:
            dt = dt.replace(tzinfo=tz)
        return dt.astimezone(timezone.utc)

    def clock(self, value: Any, where: str, key: str) -> time | None:
        if value is None:
            return None
        if isinstance(value, int):  # YAML reads 07:30 as sexagesimal 450
            return time(value // 60, value % 60) if 0 <= value < 24 * 60 else None
        try:
            return time.fromisoformat(str(value).strip().replace(".", ":"))
        except ValueError:
            self.err(where, f"'{key}: {value}' är inget giltigt klockslag; skriv HH:MM, till exempel 08:00.")
            return None

    def forum_list(self, value: Any, where: str, key: str) -> list[str] | None:
        """A list of forum ids (checked against the file's forums once all are read)."""
        if value is None:
            return None
        if isinstance(value, str):
            value = [value]
        if not isinstance(value, list) or not all(isinstance(v, str) and v.strip() for v in value):
            self.err(where, f"'{key}' ska vara en lista med forum-id, till exempel [styrgrupp-lchnv].")
            return None
        return [v.strip() for v in value] or None

    def days_rule(self, rules: dict[str, Any], key: str, sub: str, where: str) -> int | None:
        value = rules.get(key)
        if value is None:
            return None
        if not isinstance(value, dict) or sub not in value:
            self.err(where, f"regeln '{key}' ska skrivas som {{{sub}: N}}.")
            return None
        n = value[sub]
        if not isinstance(n, int) or isinstance(n, bool) or n < 0 or n > 365:
            self.err(where, f"'{key}.{sub}' ska vara ett heltal mellan 0 och 365, inte '{n}'.")
            return None
        return n


def _as_list(data: dict[str, Any], key: str, chk: _Checker) -> list[dict[str, Any]]:
    value = data.get(key) or []
    if not isinstance(value, list):
        chk.err(key, "ska vara en lista.")
        return []
    out = []
    for i, entry in enumerate(value):
        if not isinstance(entry, dict):
            chk.err(f"{key}[{i}]", "varje post ska ha namngivna fält (nyckel: värde).")
            continue
        out.append(entry)
    return out


@dataclass
class _Plan:
    tz: ZoneInfo
    organisations: list[dict[str, Any]]
    people: list[dict[str, Any]]
    forums: list[dict[str, Any]]
    cases: list[dict[str, Any]]
    assignments: list[dict[str, Any]]


def validate(data: Any) -> _Plan:
    """Check the whole definition; raise NetworkFileError listing every problem."""
    chk = _Checker()
    if not isinstance(data, dict):
        raise NetworkFileError(["Filen ska vara en YAML-karta med organisations:, people: och forums:."])
    try:
        tz = ZoneInfo(str(data.get("timezone") or "Europe/Stockholm"))
    except (ZoneInfoNotFoundError, ValueError):
        chk.err("timezone", f"okänd tidszon '{data.get('timezone')}'; skriv Europe/Stockholm.")
        tz = ZoneInfo("Europe/Stockholm")

    orgs: list[dict[str, Any]] = []
    org_ids: set[str] = set()
    for i, e in enumerate(_as_list(data, "organisations", chk)):
        where = f"organisations[{i}]"
        key = chk.text(e, "id", where)
        name = chk.text(e, "name", where)
        kind = (chk.text(e, "kind", where, required=False) or "kommun").lower()
        if key:
            where = f"organisations[{i}] ({key})"
            if key in org_ids:
                chk.err(where, f"id '{key}' förekommer två gånger.")
            org_ids.add(key)
        if kind not in ORG_KINDS:
            chk.err(where, f"okänd kind '{kind}'; skriv kommun, region eller annan.")
        orgs.append({"key": key, "name": name, "kind": kind})

    people: list[dict[str, Any]] = []
    handles: set[str] = set()
    identities: dict[tuple[str, str], str] = {}
    for i, e in enumerate(_as_list(data, "people", chk)):
        where = f"people[{i}]"
        handle = chk.text(e, "handle", where)
        if handle:
            handle = handle.lower().lstrip("@")
            where = f"people[{i}] ({handle})"
            if not HANDLE_RE.match(handle):
                chk.err(where, f"handle '{handle}' får bara innehålla a–z, siffror, punkt, bindestreck och understreck.")
            if handle in handles:
                chk.err(where, f"handle '{handle}' förekommer två gånger; varje person ska ha ett eget handle.")
            handles.add(handle)
        name = chk.text(e, "name", where)
        org = chk.text(e, "organisation", where, required=False)
        if org and org not in org_ids:
            chk.err(where, f"okänd organisation '{org}'; lägg till den under organisations: eller rätta id.")
        for platform in ("slack", "teams", "teams_aad"):
            ident = e.get(platform)
            if ident:
                ident = str(ident)
                other = identities.get((platform, ident))
                if other and other != handle:
                    chk.err(where, f"{platform}-identiteten '{ident}' används redan av {other}.")
                identities[(platform, ident)] = handle or ""
        people.append(
            {
                "handle": handle,
                "name": name,
                "organisation": org,
                "title": chk.text(e, "title", where, required=False),
                "email": chk.text(e, "email", where, required=False),
                "slack": str(e["slack"]) if e.get("slack") else None,
                "teams": str(e["teams"]) if e.get("teams") else None,
                "teams_aad": str(e["teams_aad"]) if e.get("teams_aad") else None,
            }
        )

    forums: list[dict[str, Any]] = []
    forum_ids: set[str] = set()
    for i, e in enumerate(_as_list(data, "forums", chk)):
        where = f"forums[{i}]"
        key = chk.text(e, "id", where)
        if key:
            where = f"forums[{i}] ({key})"
            if not FORUM_KEY_RE.match(key):
                # The id is typed in commands ('; forum: ID') and is part of the forum's web address.
                chk.err(where, f"id '{key}' får bara innehålla bokstäver a–z, siffror och bindestreck, "
                               "till exempel 'styrgrupp-lchnv'.")
            if key in forum_ids:
                chk.err(where, f"id '{key}' förekommer två gånger.")
            forum_ids.add(key)
        name = chk.text(e, "name", where)
        channels = e.get("channels") or {}
        if not isinstance(channels, dict):
            chk.err(where, "channels ska skrivas som {slack: KANAL-ID, teams: KANAL-ID}.")
            channels = {}
        rules = e.get("rules") or {}
        if not isinstance(rules, dict):
            chk.err(where, "rules ska vara en karta.")
            rules = {}
        for unknown in sorted(set(rules) - RULE_KEYS):
            chk.err(f"{where} rules", f"okänd regel '{unknown}'; giltiga är {', '.join(sorted(RULE_KEYS))}.")
        rw = f"{where} rules"
        min_meetings = rules.get("min_meetings_per_year")
        if min_meetings is not None and (not isinstance(min_meetings, int) or min_meetings < 0):
            chk.err(rw, f"min_meetings_per_year ska vara ett heltal, inte '{min_meetings}'.")
            min_meetings = None
        standing = rules.get("standing_items")
        if standing is not None and (not isinstance(standing, list) or not standing
                                     or not all(isinstance(t, str) and t.strip() for t in standing)):
            chk.err(rw, "standing_items ska vara en lista med punkternas rubriker, till exempel "
                        "[Mötets öppnande, Godkännande av dagordning, Föregående minnesanteckningar, "
                        "Rapporter och delgivningar].")
            standing = None
        member_term = rules.get("member_term")
        if member_term is not None and member_term not in MEMBER_TERMS:
            chk.err(rw, f"member_term ska vara ett av {', '.join(MEMBER_TERMS)}, inte '{member_term}'.")
            member_term = None
        coordinator_title = rules.get("coordinator_title")
        if coordinator_title is not None and not (isinstance(coordinator_title, str) and coordinator_title.strip()):
            chk.err(rw, "coordinator_title ska vara en titel, till exempel Chef för RSS.")
            coordinator_title = None
        forum = {
            "member_term": member_term,
            "coordinator_title": " ".join(coordinator_title.split()) if coordinator_title else None,
            "standing_items": "\n".join(" ".join(t.split()) for t in standing) if standing else None,
            "key": key,
            "name": name,
            "short": chk.text(e, "short", where, required=False),
            "slack_channel": str(channels["slack"]) if channels.get("slack") else None,
            "teams_channel": str(channels["teams"]) if channels.get("teams") else None,
            "agenda_working_days_before": chk.days_rule(rules, "agenda_deadline", "working_days_before", rw),
            "documents_days_before": chk.days_rule(rules, "documents_deadline", "days_before", rw),
            "preparation_days_before": chk.days_rule(rules, "preparation", "days_before", rw),
            "minutes_days_after": chk.days_rule(rules, "minutes_deadline", "days_after", rw),
            "substitutes": bool(rules.get("substitutes", False)),
            "substitutes_other_organisation": bool(rules.get("substitutes_other_organisation", False)),
            "extensions_by": ",".join(chk.forum_list(rules.get("extensions_by"), rw, "extensions_by") or []) or None,
            "min_meetings_per_year": min_meetings,
            "reminder_time": chk.clock(rules.get("reminder_time"), rw, "reminder_time") or time(8, 0),
            "chair_agenda_time": chk.clock(rules.get("chair_agenda_time"), rw, "chair_agenda_time") or time(7, 30),
            "members": [],
            "meetings": [],
        }
        seen_members: set[str] = set()
        for j, m in enumerate(e.get("members") or []):
            mw = f"{where} members[{j}]"
            if not isinstance(m, dict):
                chk.err(mw, "skriv {person: HANDLE, roles: [...]}.")
                continue
            person = (chk.text(m, "person", mw) or "").lower().lstrip("@")
            if person and person not in handles:
                chk.err(mw, f"okänd person '{person}'; lägg till personen under people: eller rätta handle.")
            roles = m.get("roles") or []
            if isinstance(roles, str):
                roles = [roles]
            valid_from = chk.day(m, "from", mw)
            valid_to = chk.day(m, "to", mw)
            if valid_from and valid_to and valid_to < valid_from:
                chk.err(mw, "'to' ligger före 'from'.")
            # A role is a name (held over the entry's from/to) or {role: NAME, from: …, to: …} with dates of
            # its own (a chair who hands over within a membership).
            grants = [("member", valid_from, valid_to)]
            for role in roles:
                r_from, r_to = valid_from, valid_to
                if isinstance(role, dict):
                    rw = f"{mw} roles"
                    r_from = chk.day(role, "from", rw) if "from" in role else valid_from
                    r_to = chk.day(role, "to", rw) if "to" in role else valid_to
                    if r_from and r_to and r_to < r_from:
                        chk.err(rw, f"'to' ligger före 'from' för rollen {role.get('role')}.")
                    role = role.get("role")
                if role not in ROLES:
                    chk.err(mw, f"okänd roll '{role}'; giltiga roller är {', '.join(ROLES)}.")
                elif role != "member" or (r_from, r_to) != (valid_from, valid_to):
                    grants.append((role, r_from, r_to))
            if (person, valid_from) in seen_members:  # type: ignore[comparison-overlap]
                chk.err(mw, f"{person} står två gånger i samma forum; samla rollerna på en rad.")
            seen_members.add((person, valid_from))  # type: ignore[arg-type]
            forum["members"].append({"person": person, "grants": grants, "from": valid_from, "to": valid_to})
        for j, m in enumerate(e.get("meetings") or []):
            mw = f"{where} meetings[{j}]"
            if not isinstance(m, dict):
                chk.err(mw, "skriv {start: ÅÅÅÅ-MM-DDTHH:MM, end: …, place: …}.")
                continue
            start = chk.instant(m, "start", mw, tz, required=True)
            end = chk.instant(m, "end", mw, tz, required=False)
            if start and end and end <= start:
                chk.err(mw, "mötet slutar innan det börjar; rätta 'end' så att den ligger efter 'start'.")
            forum["meetings"].append(
                {
                    "start": start,
                    "end": end,
                    "place": chk.text(m, "place", mw, required=False),
                    "dnr": chk.text(m, "dnr", mw, required=False),
                    "cancelled": bool(m.get("cancelled", False)),
                    "sequence": m.get("sequence") if isinstance(m.get("sequence"), int) else None,
                }
            )
        forums.append(forum)
    for forum in forums:
        for other in filter(None, (forum["extensions_by"] or "").split(",")):
            if other not in forum_ids:
                chk.err(f"forum {forum['key']} rules", f"extensions_by: okänt forum '{other}'.")

    cases: list[dict[str, Any]] = []
    numbers: set[tuple[str, str]] = set()
    for i, e in enumerate(_as_list(data, "cases", chk)):
        where = f"cases[{i}]"
        number = chk.text(e, "number", where)
        fkey = chk.text(e, "forum", where)
        if number:
            where = f"cases[{i}] ({number})"
            if not re.match(r"^\d{4}:\d+$", number):
                chk.err(where, f"ärendenumret '{number}' ska skrivas ÅÅÅÅ:N, till exempel 2020:7.")
            if (fkey or "", number) in numbers:
                chk.err(where, f"ärende {number} förekommer två gånger i samma forum.")
            numbers.add((fkey or "", number))
        if fkey and fkey not in forum_ids:
            chk.err(where, f"okänt forum '{fkey}'.")
        purpose = (chk.text(e, "purpose", where, required=False) or "information").lower()
        if purpose not in PURPOSES:
            chk.err(where, f"okänt syfte '{purpose}'; skriv information, diskussion eller beslut.")
        status = (chk.text(e, "status", where, required=False) or "aktualiserat").lower()
        if status not in CASE_STATUSES_IMPORT:
            chk.err(where, f"okänd status '{status}'; giltiga är {', '.join(CASE_STATUSES_IMPORT)}.")
        refs = {}
        for k in ("raised_by", "presenter"):
            h = chk.text(e, k, where, required=False)
            if h:
                h = h.lower().lstrip("@")
                if h not in handles:
                    chk.err(where, f"{k}: okänd person '{h}'.")
            refs[k] = h
        feedback = e.get("feedback")
        fb = None
        if feedback is not None:
            if not isinstance(feedback, dict):
                chk.err(where, "feedback ska skrivas som {due: ÅÅÅÅ-MM-DD, responsible: HANDLE}.")
            else:
                resp = (chk.text(feedback, "responsible", f"{where} feedback") or "").lower().lstrip("@")
                if resp and resp not in handles:
                    chk.err(f"{where} feedback", f"okänd person '{resp}'.")
                fb = {"due": chk.day(feedback, "due", f"{where} feedback", required=True), "responsible": resp}
        attachments = e.get("attachments") or []
        cases.append(
            {
                "number": number,
                "forum": fkey,
                "title": chk.text(e, "title", where),
                "purpose": purpose,
                "status": status,
                "raised_by": refs["raised_by"],
                "presenter": refs["presenter"],
                "raised_on": chk.day(e, "raised_on", where),
                "meeting": chk.instant(e, "meeting", where, tz, required=False),
                "proposal": chk.text(e, "proposal", where, required=False),
                "description": chk.text(e, "description", where, required=False),
                "feedback": fb,
                "attachments": [str(a) for a in attachments] if isinstance(attachments, list) else [],
            }
        )

    assignments: list[dict[str, Any]] = []
    for i, e in enumerate(_as_list(data, "assignments", chk)):
        where = f"assignments[{i}]"
        fkey = chk.text(e, "forum", where)
        if fkey and fkey not in forum_ids:
            chk.err(where, f"okänt forum '{fkey}'.")
        assignee = (chk.text(e, "assignee", where) or "").lower().lstrip("@")
        if assignee and assignee not in handles:
            chk.err(where, f"assignee: okänd person '{assignee}'.")
        exts = []
        for j, x in enumerate(e.get("extensions") or []):
            xw = f"{where} extensions[{j}]"
            if not isinstance(x, dict):
                chk.err(xw, "skriv {due: ÅÅÅÅ-MM-DD, decided_on: ÅÅÅÅ-MM-DD, reason: …}.")
                continue
            exts.append(
                {
                    "due": chk.day(x, "due", xw, required=True),
                    "decided_on": chk.day(x, "decided_on", xw),
                    "reason": chk.text(x, "reason", xw, required=False),
                }
            )
        case_no = chk.text(e, "case", where, required=False)
        if case_no and (fkey or "", case_no) not in numbers:
            chk.err(where, f"case: ärende {case_no} finns inte under cases: i samma forum.")
        assignments.append(
            {
                "forum": fkey,
                "title": chk.text(e, "title", where),
                "assignee": assignee,
                "decided_on": chk.day(e, "decided_on", where),
                "due": chk.day(e, "due", where, required=True),
                "extensions": exts,
                "report_back": bool(e.get("report_back", False)),
                "case": case_no,
                "closed": chk.day(e, "closed", where),
            }
        )

    if chk.errors:
        raise NetworkFileError(chk.errors)
    return _Plan(tz=tz, organisations=orgs, people=people, forums=forums, cases=cases, assignments=assignments)


def load_file(path: str) -> Any:
    try:
        with open(path, encoding="utf-8") as fh:
            return yaml.safe_load(fh)
    except FileNotFoundError as exc:
        raise NetworkFileError([f"Filen {path} finns inte."]) from exc
    except UnicodeDecodeError as exc:
        raise NetworkFileError([f"Filen {path} är inte en textfil i UTF-8. Spara den som UTF-8-text (YAML) och "
                                "försök igen."]) from exc
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f"rad {mark.line + 1}" if mark else "filen"
        raise NetworkFileError([f"{where}: filen är inte giltig YAML ({getattr(exc, 'problem', exc)})."]) from exc


# --------------------------------------------------------------------------------------------
# Writing


def _set(obj: Any, values: dict[str, Any]) -> bool:
    changed = False
    for k, v in values.items():
        if getattr(obj, k) != v:
            setattr(obj, k, v)
            changed = True
    return changed


def apply(session: Session, data: Any, *, now: datetime) -> ImportSummary:
    """Validate and write the definition in the caller's transaction (the caller commits)."""
    plan = validate(data)
    summary = ImportSummary()

    orgs = {o.key: o for o in session.scalars(select(Organisation))}
    for o in plan.organisations:
        row = orgs.get(o["key"])
        if row is None:
            row = Organisation(key=o["key"], name=o["name"], kind=o["kind"])
            session.add(row)
            orgs[o["key"]] = row
            summary.add("organisation", True)
        elif _set(row, {"name": o["name"], "kind": o["kind"]}):
            summary.add("organisation", False)
    session.flush()

    people = {p.handle: p for p in session.scalars(select(Person))}
    for p in plan.people:
        values = {
            "name": p["name"],
            "organisation_id": orgs[p["organisation"]].id if p["organisation"] else None,
            "title": p["title"],
            "email": p["email"],
            "slack_user_id": p["slack"],
            "teams_user_id": p["teams"],
            "teams_aad_object_id": p["teams_aad"],
        }
        row = people.get(p["handle"])
        if row is None:
            row = Person(handle=p["handle"], **values)
            session.add(row)
            people[p["handle"]] = row
            summary.add("person", True)
        elif _set(row, values):
            summary.add("person", False)
    session.flush()

    forums = {f.key: f for f in session.scalars(select(Forum))}
    for f in plan.forums:
        values = {k: f[k] for k in (
            "name", "short", "slack_channel", "teams_channel", "agenda_working_days_before",
            "documents_days_before", "preparation_days_before", "minutes_days_after", "substitutes",
            "substitutes_other_organisation", "extensions_by", "min_meetings_per_year", "reminder_time",
            "chair_agenda_time", "standing_items", "member_term", "coordinator_title",
        )}
        row = forums.get(f["key"])
        if row is None:
            row = Forum(key=f["key"], **values)
            session.add(row)
            forums[f["key"]] = row
            session.flush()
            summary.add("forum", True)
        elif _set(row, values):
            summary.add("forum", False)
        _sync_memberships(session, row, f["members"], people, summary)
        _sync_meetings(session, row, f["meetings"], plan.tz, summary)
    session.flush()

    for c in plan.cases:
        _import_case(session, c, forums[c["forum"]], people, now, summary)
    session.flush()

    for a in plan.assignments:
        _import_assignment(session, a, forums[a["forum"]], people, now, summary)
    session.flush()
    return summary


def _sync_memberships(
    session: Session, forum: Forum, members: list[dict[str, Any]], people: dict[str, Person], summary: ImportSummary
) -> None:
    """The file is the truth for who holds which role; roles not in the file are removed."""
    existing = {
        (m.person_id, m.role, m.valid_from): m
        for m in session.scalars(select(Membership).where(Membership.forum_id == forum.id))
    }
    wanted: set[tuple[int, str, date | None]] = set()
    for m in members:
        person = people[m["person"]]
        for role, valid_from, valid_to in m["grants"]:
            k = (person.id, role, valid_from)
            if k in wanted:
                continue
            wanted.add(k)
            row = existing.get(k)
            if row is None:
                row = Membership(forum_id=forum.id, person_id=person.id, role=role,
                                 valid_from=valid_from, valid_to=valid_to)
                session.add(row)
                existing[k] = row
                summary.add("membership", True)
            elif row.valid_to != valid_to:
                row.valid_to = valid_to
                summary.add("membership", False)
    for k, row in existing.items():
        if k not in wanted:
            session.delete(row)
            summary.add("membership", False)


def _sync_meetings(
    session: Session, forum: Forum, meetings: list[dict[str, Any]], tz: ZoneInfo, summary: ImportSummary
) -> None:
    """A meeting is known by its forum and local day: a new time that day moves it; none is ever deleted."""
    rows = list(session.scalars(select(Meeting).where(Meeting.forum_id == forum.id)))
    by_day = {r.starts_at.astimezone(tz).date(): r for r in rows}
    for m in meetings:
        day = m["start"].astimezone(tz).date()
        values = {"starts_at": m["start"], "ends_at": m["end"], "place": m["place"], "cancelled": m["cancelled"]}
        if m["dnr"] is not None:
            values["dnr"] = m["dnr"]
        row = by_day.get(day)
        if row is None:
            row = Meeting(forum_id=forum.id, sequence=m["sequence"] or 0, **values)
            session.add(row)
            by_day[day] = row
            summary.add("meeting", True)
        elif _set(row, values):
            summary.add("meeting", False)
            if m["sequence"] is not None and m["sequence"] > (row.sequence or 0):
                row.sequence = m["sequence"] - 1  # the update raises it by one (storage.models)
        elif m["sequence"] is not None and m["sequence"] > (row.sequence or 0):
            row.sequence = m["sequence"]
            summary.add("meeting", False)


def _import_case(
    session: Session, c: dict[str, Any], forum: Forum, people: dict[str, Person], now: datetime, summary: ImportSummary
) -> None:
    """Cases are created once; afterwards their progress belongs to kansli, so only descriptive fields update."""
    row = session.scalar(select(Case).where(Case.forum_id == forum.id, Case.number == c["number"]))
    year, seq = (int(x) for x in c["number"].split(":"))
    meeting = None
    if c["meeting"] is not None:
        meeting = session.scalar(select(Meeting).where(Meeting.forum_id == forum.id, Meeting.starts_at == c["meeting"]))
    descriptive = {
        "title": c["title"],
        "purpose": c["purpose"],
        "presenter_id": people[c["presenter"]].id if c["presenter"] else None,
        "raised_by_id": people[c["raised_by"]].id if c["raised_by"] else None,
        "proposal": c["proposal"],
    }
    if c.get("description") is not None:
        descriptive["description"] = c["description"]
    if row is None:
        row = Case(
            forum_id=forum.id,
            number=c["number"],
            year=year,
            seq=seq,
            status=c["status"],
            raised_on=c["raised_on"] or now.date(),
            meeting_id=meeting.id if meeting else None,
            wished_meeting_id=meeting.id if meeting else None,
            closed_at=now if c["status"] == "avslutat" else None,
            **descriptive,
        )
        for url in c["attachments"]:
            row.attachments.append(Attachment(url=url))
        session.add(row)
        session.flush()
        if meeting is not None and c["status"] in ON_AGENDA:
            from storage.agenda import add_item

            item = add_item(session, meeting, now=now, title=row.title, case=row)
            row.agenda_order, row.late_addition = item.number, item.late_addition
        session.add(CaseEvent(case_id=row.id, at=now, actor_id=None, kind="importerat",
                              detail=f"Importerat från nätverksfilen med status {CASE_STATUS_TEXT.get(c['status'], c['status'])}."))
        if c["feedback"]:
            session.add(FollowUp(case_id=row.id, due=c["feedback"]["due"],
                                 responsible_id=people[c["feedback"]["responsible"]].id))
        summary.add("case", True)
    elif _set(row, descriptive):
        summary.add("case", False)


def _import_assignment(
    session: Session, a: dict[str, Any], forum: Forum, people: dict[str, Person], now: datetime, summary: ImportSummary
) -> None:
    """An assignment is known by forum, assignee and title; extensions are added, never removed."""
    assignee = people[a["assignee"]]
    row = session.scalar(
        select(Assignment).where(
            Assignment.forum_id == forum.id, Assignment.assignee_id == assignee.id, Assignment.title == a["title"]
        )
    )
    case_id = None
    if a["case"]:
        case_id = session.scalar(select(Case.id).where(Case.forum_id == forum.id, Case.number == a["case"]))
    original_due = a["due"]
    final_due = a["extensions"][-1]["due"] if a["extensions"] else original_due
    if row is None:
        row = Assignment(
            forum_id=forum.id,
            case_id=case_id,
            assignee_id=assignee.id,
            title=a["title"],
            decided_on=a["decided_on"],
            due=final_due,
            report_back=a["report_back"],
            closed_at=datetime.combine(a["closed"], time(12), tzinfo=timezone.utc) if a["closed"] else None,
        )
        session.add(row)
        summary.add("assignment", True)
    elif _set(row, {"decided_on": a["decided_on"], "report_back": a["report_back"], "case_id": case_id}):
        summary.add("assignment", False)
    known = {x.new_due for x in row.extensions}
    previous = original_due
    for x in a["extensions"]:
        if x["due"] not in known:
            row.extensions.append(
                AssignmentExtension(previous_due=previous, new_due=x["due"], decided_on=x["decided_on"],
                                    reason=x["reason"])
            )
            if row.due < x["due"]:
                row.due = x["due"]
            summary.add("extension", True)
        previous = x["due"]
