"""The absence rules below the absence commands: which part of a meeting an absence covers, how it is
named, who leads the meeting when a leader is away. The agenda, the minutes, the overview and the reminders
read these; the absence commands (handlers/absence.py) sit on top of them.
"""
from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from datetime import date, time
from typing import Any

from handlers.fmt import format_time, local
from handlers.i18n import _
from storage import queries
from storage.models import Absence, Meeting, Person


@dataclass(frozen=True)
class Part:
    """Which part of the meeting: nothing set is the whole meeting."""

    item_from: int | None = None
    item_to: int | None = None
    time_from: time | None = None
    time_to: time | None = None

    @property
    def whole(self) -> bool:
        return self == Part()

    @classmethod
    def of(cls, absence: Absence) -> "Part":
        return cls(absence.item_from, absence.item_to, absence.time_from, absence.time_to)

    def describe(self) -> str:
        return absence_part(self)

    def during(self) -> str:
        """The part after a verb: 'under punkt 5', 'från kl. 12.00', 'till kl. 11.00', 'kl. 10.00–11.00'."""
        text = absence_part(self)
        return f"under {text}" if self.item_from is not None else text

    def complement(self) -> str:
        """The rest of the meeting: 'till kl. 11.00' for an absence 'från kl. 11.00'."""
        if self.item_from is None and self.time_from is not None and self.time_to is None:
            return _("till {time_from}", time_from=format_time(self.time_from))
        if self.item_from is None and self.time_to is not None and self.time_from is None:
            return _("från {time_to}", time_to=format_time(self.time_to))
        return f"utom {absence_part(self)}"

    def key(self) -> list[Any]:
        return [self.item_from, self.item_to, hhmm(self.time_from), hhmm(self.time_to)]


def hhmm(t: time | None) -> str | None:
    return None if t is None else f"{t.hour:02d}.{t.minute:02d}"


def overlap(a: Part, b: Part) -> bool | None:
    """Whether two parts of the same meeting overlap; None when that cannot be told (items vs times)."""
    if a.whole or b.whole:
        return True
    if a.item_from is not None and b.item_from is not None:
        return not (a.item_to < b.item_from or b.item_to < a.item_from)  # type: ignore[operator]
    if a.item_from is None and b.item_from is None:
        lo = time.min
        hi = time.max
        a0, a1 = a.time_from or lo, a.time_to or hi
        b0, b1 = b.time_from or lo, b.time_to or hi
        return a0 < b1 and b0 < a1
    return None


def absence_part(absence: "Absence | Part") -> str:
    """'hela mötet', 'punkt 4–6', 'till kl. 10.30', 'från kl. 11.00', 'kl. 10.00–11.00'."""
    if absence.item_from is not None:
        if absence.item_to is not None and absence.item_to != absence.item_from:
            return f"punkt {absence.item_from}–{absence.item_to}"
        return f"punkt {absence.item_from}"
    if absence.time_to is not None and absence.time_from is None:
        return _("till {time_to}", time_to=format_time(absence.time_to))
    if absence.time_from is not None and absence.time_to is None:
        return _("från {time_from}", time_from=format_time(absence.time_from))
    if absence.time_from is not None and absence.time_to is not None:
        return f"{format_time(absence.time_from)}–{absence.time_to.hour:02d}.{absence.time_to.minute:02d}"
    return _("hela mötet")


def meeting_day(meeting: Meeting) -> date:
    return local(meeting.starts_at).date()


def digest(data: Any) -> str:
    return hashlib.sha256(json.dumps(data, sort_keys=True, default=str).encode()).hexdigest()[:16]


@dataclass(frozen=True)
class Leadership:
    """Who is absent among those who lead the meeting, and whether anyone is left to lead."""

    chairs: list[tuple[Person, Part]]
    vices: list[tuple[Person, Part]]
    vice_people: list[Person]
    no_leader: bool

    def key(self) -> str:
        data = [[p.id, part.key()] for p, part in self.chairs + self.vices]
        return digest(data)


def leadership(session: Any, meeting: Meeting, active: dict[int, Absence]) -> Leadership:
    day = meeting_day(meeting)
    chairs = queries.people_with_role(session, meeting.forum, "chair", on=day)
    vices = queries.people_with_role(session, meeting.forum, "vice_chair", on=day)
    absent_chairs = [(p, Part.of(active[p.id])) for p in chairs if p.id in active]
    absent_vices = [(p, Part.of(active[p.id])) for p in vices if p.id in active]
    no_leader = False
    if chairs and len(absent_chairs) == len(chairs):
        if not vices:
            no_leader = True
        elif len(absent_vices) == len(vices):
            no_leader = any(
                overlap(cp, vp) is not False for __, cp in absent_chairs for __, vp in absent_vices
            )
    return Leadership(absent_chairs, absent_vices, vices, no_leader)


def leader_note(session: Any, meeting: Meeting, absence: Absence, *, roles: set[str] | None = None,
                active: dict[int, Absence] | None = None) -> str | None:
    """For agenda lines: '(ordförande; vice ordförande Lars Holm leder)' when a leader is absent.

    `roles` (the absent person's roles that day) and `active` (the meeting's absences by person)
    spare the queries when the caller already has them."""
    day = meeting_day(meeting)
    if roles is None:
        roles = queries.roles_of(session, absence.person, meeting.forum, on=day)
    if "chair" in roles:
        if active is None:
            active = {a.person_id: a for a in queries.absences_of_meeting(session, meeting)}
        lead = leadership(session, meeting, active)
        if lead.no_leader:
            return _("ordförande; ingen vice ordförande kan leda – utse en mötesledare")
        present = [p for p in lead.vice_people if p.id not in {v.id for v, __ in lead.vices}]
        leaders = present or lead.vice_people
        if leaders:
            return _("ordförande; vice ordförande {join} leder", join=', '.join(p.name for p in leaders))
        return _("ordförande")
    if "vice_chair" in roles:
        return _("vice ordförande")
    return None
