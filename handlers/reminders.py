"""Reminders: from the store and an instant, what should have gone out by then, and to whom.

Nothing is held in memory between passes. Each reminder is a series of
occasions (a local day at the forum's reminder time) for one kind, one subject
and one recipient; at a pass the latest occasion that has come (time ≤ now) is
the one that counts, so after downtime a superseded earlier occasion is never
sent late. Its key names the kind, subject, occasion and recipient
("reminder:agenda_deadline:m12:due:2020-02-28:p3"), so it is sent once; a moved meeting gives new occasion days (new keys) and its
old occasions are never computed again.

| kind               | to                                   | occasions (local, forum.reminder_time unless noted)      |
| ------------------ | ------------------------------------ | -------------------------------------------------------- |
| agenda_deadline    | coordinators                         | 3 working days before the agenda deadline, and on it     |
| documents_deadline | coordinators                         | 3 working days before the documents deadline, and on it  |
| preparation        | coordinators                         | the beredning day (preparation.days_before)              |
| chair_agenda       | chair (vice chair if chair absent)   | meeting day at forum.chair_agenda_time                   |
| minutes            | secretaries                          | 2 working days before the minutes deadline, and on it    |
| untreated          | coordinators                         | first working day after the meeting: its case items with no decision, each with Till nästa möte / Åter för beredning / Avsluta |
| follow_up          | responsible + coordinators           | 7 days before the date, and on it                        |
| assignment         | assignee + coordinators              | 14 days before, on the date, then weekly while overdue   |
| year_end           | coordinators                         | first working day from 1 November                        |

Stop rules are part of the query: a published agenda stops the agenda,
documents and beredning reminders; minutes_sent_at stops the minutes ones; a
done follow-up or closed assignment is not selected; a cancelled meeting is not
selected.

Catch-up after downtime (what is still useful, what is stale): meeting
reminders are sent late until their deadline day has ended, and the
before-meeting kinds only until the meeting starts; a follow-up's reminder is
sent late while it is open, up to FOLLOW_UP_CATCH_UP_DAYS after its date; an
assignment occasion is sent up to ASSIGNMENT_CATCH_UP_DAYS late, after that the
next occasion (the due date, or the next weekly one) is the next reminder, so
an overdue assignment is reminded within a week of the service coming back.
Only the latest occasion of a series counts: "the deadline is today" replaces
"the deadline is in 3 days" that was missed.

`enqueue_due` writes each new reminder to the reminder ledger and one combined
outbox delivery per recipient, in the caller's transaction (see storage/reminders.py).
"""
from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta, timezone
from functools import lru_cache
from typing import Callable

from sqlalchemy.orm import Session

from handlers.agenda_model import agenda_reply
from handlers.base import Action, Message, Reply, Section
from handlers.calendar import Deadlines, deadlines_for, next_working_day, working_days_before
from handlers.common import coordinator_word, forum_label, meeting_label, person_label
from handlers.fmt import STOCKHOLM, format_ago, format_date, format_date_in_sentence, format_days, local
from handlers.i18n import _, ngettext
from storage import outbox
from storage import reminders as store
from storage.models import Absence, Assignment, Case, FollowUp, Forum, Meeting, Person

KIND_PREFIX = "reminder."
COMBINED_KIND = "reminders"
# An open follow-up whose date passed during downtime is still reminded this many days after it.
FOLLOW_UP_CATCH_UP_DAYS = 60
# An assignment occasion (14 days before, the date, weekly after) is still sent this many days late.
ASSIGNMENT_CATCH_UP_DAYS = 2
# In a combined message the first parts are shown in full, the rest as one line each.
FULL_PARTS = 15
# Cases listed in full in a beredning reminder.
MAX_CASES_LISTED = 20
# The untreated-items message is still sent this many days after its working day (downtime).
UNTREATED_CATCH_UP_DAYS = 7
KIND_ORDER = (
    "chair_agenda",
    "preparation",
    "agenda_deadline",
    "documents_deadline",
    "minutes",
    "untreated",
    "follow_up",
    "assignment",
    "year_end",
)


@lru_cache(maxsize=65536)
def wall(day: date, at: time) -> datetime:
    """The instant of a Stockholm wall-clock time on a day, in UTC (DST-safe: computed per day)."""
    return datetime.combine(day, at, tzinfo=STOCKHOLM).astimezone(timezone.utc)


def end_of(day: date) -> datetime:
    """The instant the local day ends (midnight after it)."""
    return wall(day + timedelta(days=1), time(0, 0))


def relative_day(d: date, today: date) -> str:
    """For a sentence: 'i dag, fredagen den 28 februari 2020', 'fredagen den 28 februari 2020 (om 3 dagar)',
    '… (för 2 dagar sedan)'."""
    n = (d - today).days
    full = format_date(d, sentence=True)
    if n == 0:
        return f"i dag, {full}"
    if n == 1:
        return f"i morgon, {full}"
    if n == -1:
        return _("i går, {full}", full=full)
    return f"{full} ({format_ago(d, today)})"


@dataclass
class Due:
    """One reminder at one occasion for one recipient; `build` writes its text only when it is new."""

    kind: str
    subject: str
    stage: str
    day: date
    at: datetime
    person_id: int
    build: Callable[[Person], Reply]
    # How the key names the occasion; default "STAGE:DAY". Assignments and follow-ups use their
    # schedule's name (storage.reminders.Schedule), which the store computes in SQL from the same definition.
    occasion: str | None = None

    @property
    def key(self) -> str:
        return store.reminder_key(self.kind, self.subject, self.occasion or f"{self.stage}:{self.day.isoformat()}",
                                  self.person_id)

    @property
    def sort_key(self) -> tuple[datetime, int, str]:
        return (self.at, KIND_ORDER.index(self.kind), self.key)


@dataclass
class PassResult:
    reminders: int = 0
    delivery_ids: list[int] = field(default_factory=list)


class _Pass:
    """Everything one pass at `now` needs, read once."""

    def __init__(self, session: Session, now: datetime) -> None:
        self.session = session
        self.now = now.astimezone(timezone.utc)
        self.today = local(now).date()
        self.forums = {f.id: f for f in store.all_forums(session)}
        self._holders: dict[tuple[int, str], list[int]] | None = None
        self.starting_today: list[int] = []  # meetings still to start today (set by _meeting_reminders)
        self._standing: dict[int, list[Absence]] | None = None
        self.found: list[Due] = []

    def holders(self, forum_id: int, role: str) -> list[int]:
        """Ids of who holds a role in a forum today (read once per pass, when first needed)."""
        if self._holders is None:
            self._holders = defaultdict(list)
            roles = ("coordinator", "chair", "vice_chair", "secretary")
            for fid, r, pid in store.role_holder_ids(self.session, roles, on=self.today):
                if pid not in self._holders[(fid, r)]:
                    self._holders[(fid, r)].append(pid)
        return list(self._holders.get((forum_id, role), []))

    def standing_absences(self, meeting_id: int) -> list[Absence]:
        """A meeting's standing absences; those of every meeting still to start today are read together, the
        first time one is asked for (the chair's morning agenda wants them for each such meeting)."""
        if self._standing is None or meeting_id not in self._standing:
            wanted = set(self.starting_today) | {meeting_id} | set(self._standing or ())
            self._standing = store.standing_absences(self.session, sorted(wanted))
        return self._standing[meeting_id]

    def person(self, person_id: int) -> Person:
        person = self.session.get(Person, person_id)
        assert person is not None
        return person

    def meeting(self, meeting_id: int) -> Meeting:
        meeting = self.session.get(Meeting, meeting_id)
        assert meeting is not None
        return meeting

    def latest(self, occasions: list[tuple[str, date]], at: time) -> tuple[str, date, datetime] | None:
        """The latest occasion that has come by now."""
        best: tuple[str, date, datetime] | None = None
        for stage, day in occasions:
            instant = wall(day, at)
            if instant <= self.now and (best is None or instant > best[2]):
                best = (stage, day, instant)
        return best

    def effective_day(self, at: time) -> date:
        """The latest local day whose wall-clock time `at` has come by now."""
        return self.today if self.now >= wall(self.today, at) else self.today - timedelta(days=1)

    def add(self, kind: str, subject: str, occasion: tuple[str, date, datetime], recipients: list[int],
            build: Callable[[Person], Reply], *, occasion_id: str | None = None) -> None:
        """One reminder per recipient (person ids, erased people already left out by the queries)."""
        stage, day, instant = occasion
        seen: set[int] = set()
        for person_id in recipients:
            if person_id in seen:
                continue
            seen.add(person_id)
            self.found.append(Due(kind=kind, subject=subject, stage=stage, day=day, at=instant,
                                  person_id=person_id, build=build, occasion=occasion_id))


# ------------------------------------------------------------------------------------ meetings


Rules = tuple[int | None, int | None, int | None, int | None]


def _rules(forum: Forum) -> Rules:
    return (forum.agenda_working_days_before, forum.documents_days_before, forum.preparation_days_before,
            forum.minutes_days_after)


@lru_cache(maxsize=8192)
def _working_days_before(day: date, n: int) -> date:
    return working_days_before(day, n)


@lru_cache(maxsize=4096)
def _deadlines(rules: Rules, day: date) -> Deadlines:
    agenda, documents, preparation, minutes = rules
    return deadlines_for(day, agenda_working_days_before=agenda, documents_days_before=documents,
                         preparation_days_before=preparation, minutes_days_after=minutes)


@lru_cache(maxsize=4096)
def _first_occasion_day(rules: Rules, day: date) -> date:
    """The earliest day any reminder about a meeting on `day` can fall."""
    d = _deadlines(rules, day)
    candidates = [day]
    for deadline in (d.agenda, d.documents):
        if deadline is not None:
            candidates.append(_working_days_before(deadline, 3))
    if d.preparation is not None:
        candidates.append(d.preparation)
    return min(candidates)


@lru_cache(maxsize=1024)
def _meeting_days(rules: Rules, today: date) -> tuple[date, date]:
    """The first and last meeting day whose reminders can be due today: later meetings have no
    occasion yet, earlier ones have passed every deadline (the minutes deadline last)."""
    last = today
    while _first_occasion_day(rules, last + timedelta(days=1)) <= today:
        last += timedelta(days=1)
    first = today
    while True:
        minutes = _deadlines(rules, first - timedelta(days=1)).minutes
        if minutes is None or minutes < today:
            break
        first -= timedelta(days=1)
    return first, last


def _meeting_reminders(p: _Pass) -> None:
    if not p.forums:
        return
    spans = [_meeting_days(r, p.today) for r in {_rules(f) for f in p.forums.values()}]
    # Meetings of the last weeks too: the first working day after a meeting lists what it left undecided.
    first = min([a for a, __ in spans] + [p.today - timedelta(days=UNTREATED_CATCH_UP_DAYS + 5)])
    last = max(b for __, b in spans)
    day_end = end_of(p.today)
    meetings = store.meetings_for_reminders(
        p.session, wall(first, time(0, 0)), wall(last + timedelta(days=1), time(0, 0)), now=p.now,
        day_end=day_end,
    )
    p.starting_today = [m.id for m in meetings if p.now < m.starts_at < day_end]
    for meeting in meetings:
        forum = p.forums.get(meeting.forum_id)
        if forum is not None:
            _one_meeting(p, forum, meeting)


def _one_meeting(p: _Pass, forum: Forum, meeting: store.MeetingRow) -> None:
    day = local(meeting.starts_at).date()
    deadlines = _deadlines(_rules(forum), day)
    subject = f"m{meeting.id}"
    before_start = p.now < meeting.starts_at
    t = forum.reminder_time

    if before_start and meeting.agenda_published_at is None:
        for kind, deadline in (("agenda_deadline", deadlines.agenda), ("documents_deadline", deadlines.documents)):
            if deadline is None:
                continue
            occ = p.latest([("approaching", _working_days_before(deadline, 3)), ("due", deadline)], t)
            if occ and p.now < end_of(deadline):
                p.add(kind, subject, occ, p.holders(forum.id, "coordinator"),
                      _deadline_builder(p, kind, forum, meeting, deadline))
        if deadlines.preparation is not None:
            occ = p.latest([("due", deadlines.preparation)], t)
            if occ and p.now < end_of(deadlines.preparation):
                p.add("preparation", subject, occ, p.holders(forum.id, "coordinator"),
                      _preparation_builder(p, forum, meeting, deadlines.preparation))

    if before_start:
        occ = p.latest([("day", day)], forum.chair_agenda_time)
        if occ:
            _chair_agenda(p, forum, meeting, occ)

    if not before_start and meeting.minutes_sent_at is None:
        _untreated(p, forum, meeting, day)

    if deadlines.minutes is not None and meeting.minutes_sent_at is None:
        deadline = deadlines.minutes
        occasions = [
            (stage, d)
            for stage, d in (("approaching", _working_days_before(deadline, 2)), ("due", deadline))
            if wall(d, t) >= meeting.starts_at
        ]
        occ = p.latest(occasions, t)
        if occ and p.now < end_of(deadline):
            p.add("minutes", subject, occ, p.holders(forum.id, "secretary"),
                  _minutes_builder(p, forum, meeting, deadline))


def _deadline_builder(p: _Pass, kind: str, forum: Forum, meeting: store.MeetingRow, deadline: date):
    def build(person: Person) -> Reply:
        day = local(meeting.starts_at).date()
        label = meeting_label(p.meeting(meeting.id), sentence=True)
        if kind == "agenda_deadline":
            title = _("Påminnelse: dagordningen till {forum}", forum=forum_label(forum))
            what = _("Dagordningen")
            verb = _("publiceras")
        else:
            title = _("Påminnelse: handlingarna till {forum}", forum=forum_label(forum))
            what = _("Handlingarna")
            verb = _("skickas ut")
        if deadline == p.today:
            first = _("{what} till mötet {label} ska {verb} senast i dag, {deadline}.",
                      what=what, label=label, verb=verb, deadline=format_date(deadline, sentence=True))
        else:
            first = _("{what} till mötet {label} ska {verb} senast {deadline}.",
                      what=what, label=label, verb=verb, deadline=relative_day(deadline, p.today))
        if kind == "agenda_deadline":
            second = (_("Dagordningen är inte publicerad ännu. Lägg ärenden på den med /beredning NR "
                        "dagordning {isoformat} och publicera den med /publicera dagordning {isoformat}.",
                        isoformat=day.isoformat()))
        else:
            second = (_("Handlingarna går ut med dagordningen, som inte är publicerad ännu. Lägg "
                        "bilagorna på ärendena och publicera med /publicera dagordning {isoformat}.",
                        isoformat=day.isoformat()))
        return Reply(
            title=title,
            lines=[first, second],
            actions=[Action("Publicera dagordningen", f"publicera dagordning {day.isoformat()}", "primary")],
        )

    return build


def _preparation_builder(p: _Pass, forum: Forum, meeting: store.MeetingRow, due: date):
    def build(person: Person) -> Reply:
        day = local(meeting.starts_at).date()
        cases, total = store.cases_awaiting_preparation(p.session, forum.id, limit=MAX_CASES_LISTED)
        status = {"aktualiserat": "aktualiserat", "under_beredning": "under beredning",
                  "aterremitterat": "återremitterat"}
        lines = [f"{c.number} {c.title} ({status.get(c.status, c.status)})" for c in cases]
        if total > len(cases):
            lines.append(_("… och {value} till. Hela listan: /ärenden aktualiserat.", value=total - len(cases)))
        if not lines:
            lines = [_("Inga ärenden väntar på beredning just nu.")]
        return Reply(
            title=_("Påminnelse: beredning inför {forum}", forum=forum_label(forum)),
            lines=[
                _("Beredningen inför mötet {meeting_label} ska göras {due}.",
                  meeting_label=meeting_label(p.meeting(meeting.id), sentence=True), due=relative_day(due, p.today)),
                _("Lägg ett ärende på dagordningen med /beredning NR dagordning {isoformat}, eller "
                  "skicka tillbaka det med /beredning NR åter SKÄL.",
                  isoformat=day.isoformat()),
            ],
            sections=[Section(heading=_("Ärenden som väntar på beredning ({total})", total=total), lines=lines)],
        )

    return build


def _chair_agenda(p: _Pass, forum: Forum, meeting: store.MeetingRow, occ: tuple[str, date, datetime]) -> None:
    """07:30 on the meeting day: the agenda and absences to whoever leads any part of the meeting, with who
    leads which part (the chair absent from 11.00 leads until then, the vice chair after)."""
    from handlers.absence_rules import Part

    parts = {a.person_id: Part.of(a) for a in p.standing_absences(meeting.id)}
    chairs = p.holders(forum.id, "chair")
    vices = p.holders(forum.id, "vice_chair")
    chairs_absent = [c for c in chairs if c in parts]
    leading = [c for c in chairs if c not in parts or not parts[c].whole]
    if chairs_absent or not chairs:
        leading += [v for v in vices if v not in parts or not parts[v].whole]
    if not leading:
        leading = [c for c in p.holders(forum.id, "coordinator") if c not in parts] or p.holders(
            forum.id, "coordinator")
    day = local(meeting.starts_at).date()

    def who_leads() -> list[str]:
        if not chairs_absent:
            return []
        out = []
        for c in chairs:
            part = parts.get(c)
            if part is None:
                out.append(_("{name} (ordförande) hela mötet", name=p.person(c).name))
            elif not part.whole:
                out.append(_("{name} (ordförande) {complement}", name=p.person(c).name, complement=part.complement()))
        taken = [parts[c] for c in chairs_absent]
        vice_part = (_("hela mötet") if all(pt.whole for pt in taken)
                     else ", ".join(pt.during() for pt in taken if not pt.whole))
        vice_leads = False
        for v in vices:
            own = parts.get(v)
            if own is None or not own.whole:
                note = _(" (själv frånvarande {describe})", describe=own.describe()) if own is not None else ""
                out.append(_("{name} (vice ordförande) {vice_part}{note}",
                             name=p.person(v).name, vice_part=vice_part, note=note))
                vice_leads = True
        if not out:
            return [_("Ingen ordförande eller vice ordförande kan leda mötet: utse en mötesledare.")]
        lines = [_("Mötet leds av {out}.", out=' och '.join(out))]
        if not vice_leads:
            lines.append(_("Ingen vice ordförande kan leda {vice_part}: utse en mötesledare för den delen.",
                           vice_part=vice_part))
        return lines

    def build(person: Person) -> Reply:
        # The published agenda; before it is published, the working agenda, so that the meeting can be led.
        reply = agenda_reply(p.session, p.meeting(meeting.id), now=p.now,
                             draft=meeting.agenda_published_at is None)
        intro = [_("Mötet är i dag, {day}. Här är dagordningen och den frånvaro som anmälts.", day=format_date(day, sentence=True))]
        whole = [c for c in chairs_absent if parts[c].whole]
        if whole and person.id not in chairs:
            names = ", ".join(p.person(c).name for c in whole)
            if person.id in vices:
                intro.insert(0, _("{names} har anmält frånvaro, så du som vice ordförande leder mötet i stället.",
                                  names=names))
            else:  # the coordinator, when no chair or vice chair can lead
                intro.insert(0, _("{names} har anmält frånvaro och ingen vice ordförande kan leda mötet. "
                                  "Utse en mötesledare.", names=names))
        intro += who_leads()
        reply.lines = intro + reply.lines
        reply.private = True
        reply.actions = list(reply.actions) + [Action(_("Anmäl frånvaro"), f"anmäl frånvaro {day.isoformat()}")]
        return reply

    p.add("chair_agenda", f"m{meeting.id}", occ, leading, build)


def _untreated(p: _Pass, forum: Forum, meeting: store.MeetingRow, day: date) -> None:
    """The first working day after a meeting: its case items with no decision, to the coordinators, so
    that nothing stays silently on a past agenda."""
    after = next_working_day(day + timedelta(days=1))
    occ = p.latest([("after", after)], forum.reminder_time)
    if occ is None or p.now >= end_of(after + timedelta(days=UNTREATED_CATCH_UP_DAYS)):
        return
    if not store.undecided_case_items(p.session, meeting.id):
        return

    def build(person: Person) -> Reply:
        rows = store.undecided_case_items(p.session, meeting.id)
        label = meeting_label(p.meeting(meeting.id), sentence=True)
        sections = []
        for item, case in rows:
            sections.append(Section(
                heading=_("Punkt {label}: {number} {title}", label=item.label, number=case.number, title=case.title),
                lines=[_("Ej behandlat vid mötet {day}.", day=format_date(day, sentence=True))],
                actions=[Action(_("Till nästa möte"), f"beredning {case.number} dagordning nästa; forum: {forum.key}",
                                "primary"),
                         Action(_("Åter för beredning"), f"beredning {case.number} åter; forum: {forum.key}"),
                         Action(_("Avsluta"), f"avsluta {case.number}; forum: {forum.key}", "danger")],
            ))
        n = len(rows)
        return Reply(
            title=_("Ej behandlade ärenden från {forum} {day}", forum=forum_label(forum), day=format_date(day)),
            lines=[ngettext("{n} ärende på dagordningen för mötet {label} fick inget beslut.",
                            "{n} ärenden på dagordningen för mötet {label} fick inget beslut.", n, label=label),
                   _("Välj för vart och ett: till nästa möte, åter för beredning eller avsluta. "
                     "Minnesanteckningarna och mötets dagordning ändras inte av det.")],
            sections=sections,
        )

    p.add("untreated", f"m{meeting.id}", occ, p.holders(forum.id, "coordinator"), build)


def _minutes_builder(p: _Pass, forum: Forum, meeting: store.MeetingRow, deadline: date):
    def build(person: Person) -> Reply:
        day = local(meeting.starts_at).date()
        when = (f"senast i dag, {format_date(deadline, sentence=True)}" if deadline == p.today
                else f"senast {relative_day(deadline, p.today)}")
        return Reply(
            title=_("Påminnelse: minnesanteckningar från {forum}", forum=forum_label(forum)),
            lines=[
                _("Minnesanteckningarna från mötet {meeting_label} ska skickas {when}.",
                  meeting_label=meeting_label(p.meeting(meeting.id), sentence=True), when=when),
                _("När de är skickade, skriv /minnesanteckningar skickade {isoformat} så upphör "
                  "påminnelserna.",
                  isoformat=day.isoformat()),
            ],
        )

    return build


# ------------------------------------------------------------------------------------ follow-ups, assignments


def follow_up_occasion(due: date, effective_day: date) -> tuple[str, date, str] | None:
    """The latest occasion of a follow-up on or before `effective_day`: 7 days before, then on the date
    (storage.reminders.FOLLOW_UP, the one definition the store's query uses as well)."""
    return store.FOLLOW_UP.occasion(due, effective_day)


def _follow_up_reminders(p: _Pass) -> None:
    """Open follow-ups due from FOLLOW_UP_CATCH_UP_DAYS ago to 7 days ahead whose latest occasion has not
    been recorded for the responsible person (an anti-join in the store)."""
    by_time: dict[time, list[int]] = defaultdict(list)
    for f in p.forums.values():
        by_time[f.reminder_time].append(f.id)
    for at, forum_ids in by_time.items():
        eff = p.effective_day(at)
        rows = store.open_follow_ups_unreminded(
            p.session, effective_day=eff, first_due=p.today - timedelta(days=FOLLOW_UP_CATCH_UP_DAYS),
            forum_ids=forum_ids if len(by_time) > 1 else None,
        )
        if not rows:
            continue
        people = store.people_by_id(p.session, [f.responsible_id for f, __ in rows])
        for fu, case in rows:
            forum = p.forums.get(case.forum_id)
            found = follow_up_occasion(fu.due, eff)
            if forum is None or found is None:
                continue
            stage, day, occasion_id = found
            responsible = people.get(fu.responsible_id)
            recipients = ([responsible.id] if responsible else []) + p.holders(forum.id, "coordinator")
            p.add(store.FOLLOW_UP.kind, store.FOLLOW_UP.subject(fu.id), (stage, day, wall(day, at)), recipients,
                  _follow_up_builder(p, forum, fu, case, responsible), occasion_id=occasion_id)


def _follow_up_builder(p: _Pass, forum: Forum, fu: FollowUp, case: Case, responsible: Person | None):
    def build(person: Person) -> Reply:
        who = "du" if responsible is not None and person.id == responsible.id else person_label(responsible)
        if fu.due >= p.today:
            first = _("Återkopplingen i ärende {number} {title} ska ske {due}.",
                      number=case.number, title=case.title, due=relative_day(fu.due, p.today))
        else:
            first = (_("Återkopplingen i ärende {number} {title} skulle ha skett {due} och är inte "
                       "markerad som klar.",
                       number=case.number, title=case.title, due=relative_day(fu.due, p.today)))
        if person.id in p.holders(forum.id, "coordinator"):
            how = _("Ärendelistan visar du med /ärenden; klar markerar du med /återkoppling {number} "
                    "klar.",
                    number=case.number)
        else:
            how = _("Ärendet visar du med /ärende {number}.", number=case.number)
        return Reply(
            title=_("Påminnelse: återkoppling i ärende {number}", number=case.number),
            lines=[first, f"Ansvarig: {who}.", how],
            fields=[("Forum", forum_label(forum))],
        )

    return build


def assignment_occasion(due: date, effective_day: date) -> tuple[str, date, str] | None:
    """The latest occasion of an assignment on or before `effective_day` if it is at most
    ASSIGNMENT_CATCH_UP_DAYS old: (stage, day, occasion name).

    14 days before the due date, on it, then every 7 days while overdue (storage.reminders.ASSIGNMENT,
    the one definition the store's query uses as well). An occasion missed by more than the catch-up
    window (service down) is not sent late; the next one (the due date, or the next weekly one) is.
    """
    found = store.ASSIGNMENT.occasion(due, effective_day)
    if found is None or (effective_day - found[1]).days >= ASSIGNMENT_CATCH_UP_DAYS:
        return None
    return found


def _assignment_reminders(p: _Pass) -> None:
    """Open assignments with an occasion in the catch-up window not yet recorded for the assignee
    (selected and anti-joined with the reminder ledger in the store, so a pass does no Python work per
    assignment already reminded)."""
    by_time: dict[time, list[int]] = defaultdict(list)
    for f in p.forums.values():
        by_time[f.reminder_time].append(f.id)
    for at, forum_ids in by_time.items():
        eff = p.effective_day(at)
        rows = store.open_assignments_unreminded(
            p.session, effective_day=eff, catch_up_days=ASSIGNMENT_CATCH_UP_DAYS,
            forum_ids=forum_ids if len(by_time) > 1 else None,
        )
        if not rows:
            continue
        people = store.people_by_id(p.session, [a.assignee_id for a in rows])
        for a in rows:
            forum = p.forums.get(a.forum_id)
            found = assignment_occasion(a.due, eff)
            if forum is None or found is None:
                continue
            stage, day, occasion_id = found
            assignee = people.get(a.assignee_id)
            recipients = ([assignee.id] if assignee else []) + p.holders(forum.id, "coordinator")
            p.add(store.ASSIGNMENT.kind, store.ASSIGNMENT.subject(a.id), (stage, day, wall(day, at)), recipients,
                  _assignment_builder(p, forum, a, assignee), occasion_id=occasion_id)


def _assignment_builder(p: _Pass, forum: Forum, a: Assignment, assignee: Person | None):
    def build(person: Person) -> Reply:
        mine = assignee is not None and person.id == assignee.id
        name = _("Ditt uppdrag") if mine else _("Uppdraget")
        if a.due >= p.today:
            first = _("{name} ”{title}” ska vara klart {due}.", name=name, title=a.title,
                      due=relative_day(a.due, p.today))
        else:
            late = (p.today - a.due).days
            first = (_("{name} ”{title}” skulle ha varit klart {due} och är {late} försenat.",
                       name=name, title=a.title, due=format_date(a.due, sentence=True), late=format_days(late)))
        lines = [first]
        if not mine:
            lines.append(_("Ansvarig: {person}.", person=person_label(assignee)))
        if person.id in p.holders(forum.id, "coordinator") + p.holders(forum.id, "secretary"):
            lines.append(_("Alla uppdrag visar du med /uppdrag alla; förläng med /uppdrag förläng {id} och "
                           "markera det klart med /uppdrag klar {id}.",
                           id=a.id))
        else:
            lines.append(_("Dina uppdrag visar du med /uppdrag; behövs mer tid, be sekreteraren eller "
                           "{coordinator} att förlänga uppdraget.", coordinator=coordinator_word(forum)))
        return Reply(title=_("Påminnelse: uppdrag"), lines=lines, fields=[("Forum", forum_label(forum))])

    return build


# ------------------------------------------------------------------------------------ year end


def _year_end_reminders(p: _Pass) -> None:
    if p.today.month < 11:
        return
    year = p.today.year
    next_year = year + 1
    first_day = next_working_day(date(year, 11, 1))
    candidates: list[tuple[Forum, tuple[str, date, datetime], list[int]]] = []
    for forum in p.forums.values():
        occ = p.latest([("nov", first_day)], forum.reminder_time)
        coordinators = p.holders(forum.id, "coordinator") if occ else []
        if occ and coordinators:
            candidates.append((forum, occ, coordinators))
    if not candidates:
        return
    subject = {f.id: f"y{f.id}-{next_year}" for f, __, __ in candidates}
    keys = {store.reminder_key("year_end", subject[f.id], f"nov:{occ[1].isoformat()}", c): f.id
            for f, occ, people in candidates for c in people}
    known = store.existing_keys(p.session, keys)
    done = {fid for key, fid in keys.items() if key in known}
    open_forums = [c for c in candidates if c[0].id not in done]
    if not open_forums:
        return
    ids = [f.id for f, __, __ in open_forums]
    counts = store.count_meetings_by_forum(p.session, ids, wall(date(next_year, 1, 1), time(0, 0)),
                                           wall(date(next_year + 1, 1, 1), time(0, 0)))
    recorded = store.roles_recorded_by_forum(p.session, ids, ("chair", "vice_chair"),
                                             date(next_year, 1, 1), date(next_year, 12, 31))
    for forum, occ, coordinators in open_forums:
        problems: list[str] = []
        fixes: list[str] = []
        if forum.min_meetings_per_year:
            n = counts.get(forum.id, 0)
            if n < forum.min_meetings_per_year:
                problems.append(
                    _("För {year} är inga möten inlagda; arbetsordningen kräver minst {min}.", year=next_year,
                      min=forum.min_meetings_per_year) if n == 0 else
                    ngettext("För {year} är {n} möte inlagt; arbetsordningen kräver minst {min}.",
                             "För {year} är {n} möten inlagda; arbetsordningen kräver minst {min}.", n,
                             year=next_year, min=forum.min_meetings_per_year))
                fixes.append(_("Planera mötena med /möte ny, till exempel ”/möte ny 4 februari, 1 april och 3 "
                               "juni {next_year} kl 9.00–12.00; forum: {key}”.",
                               next_year=next_year, key=forum.key))
        roles = recorded.get(forum.id, set())
        for role, name in (("chair", _("ordförande")), ("vice_chair", _("vice ordförande"))):
            if role not in roles:
                problems.append(_("Ingen {name} är utsedd för {next_year}.", name=name, next_year=next_year))
                fixes.append(_("Utse {name} med ”/roll {name} @användarnamn från 1 januari {next_year}; forum: "
                               "{key}”.",
                               name=name, next_year=next_year, key=forum.key))
        if not problems:
            continue

        def build(person: Person, forum: Forum = forum, lines: list[str] = problems + fixes) -> Reply:
            return Reply(title=_("Påminnelse: {forum} {next_year}", forum=forum_label(forum), next_year=next_year), lines=lines)

        p.add("year_end", subject[forum.id], occ, coordinators, build)


# ------------------------------------------------------------------------------------ the pass


def due_reminders(session: Session, now: datetime) -> list[Due]:
    """Every reminder whose occasion has come by `now` and is still useful. Meeting and year-end
    reminders are listed whether already recorded or not; assignments and follow-ups already recorded
    are left out by the store's query."""
    p = _Pass(session, now)
    _meeting_reminders(p)
    _follow_up_reminders(p)
    _assignment_reminders(p)
    _year_end_reminders(p)
    return sorted(p.found, key=lambda d: d.sort_key)


def due_messages(session: Session, now: datetime) -> list[Message]:
    """The reminders due by `now` that are not yet in the ledger, one Message each (key = kind, subject,
    stage, occasion day, recipient). Reads only."""
    due = due_reminders(session, now)
    known = store.existing_keys(session, [d.key for d in due])
    messages = []
    for d in due:
        if d.key in known:
            continue
        person = session.get(Person, d.person_id)
        if person is None:
            continue
        messages.append(Message(key=d.key, kind=KIND_PREFIX + d.kind, reply=d.build(person), person_id=d.person_id))
    return messages


def combine(parts: list[Message], *, today: date) -> Reply:
    """Several reminders for one person in one pass become one message."""
    if len(parts) == 1:
        return parts[0].reply
    sections: list[Section] = []
    for m in parts[:FULL_PARTS]:
        r = m.reply
        sections.append(Section(heading=r.title, lines=list(r.lines) + list(r.context), fields=list(r.fields),
                                actions=list(r.actions)))
        sections.extend(r.sections)
    rest = parts[FULL_PARTS:]
    if rest:
        sections.append(Section(
            heading=ngettext("Ytterligare {n} påminnelse", "Ytterligare {n} påminnelser", len(rest)),
            lines=[f"{m.reply.title}: {m.reply.lines[0] if m.reply.lines else ''}".rstrip(": ") for m in rest],
        ))
    return Reply(
        title=ngettext("{n} påminnelse från Kansli", "{n} påminnelser från Kansli", len(parts)),
        lines=[_("Det här behöver du ta ställning till eller göra {day}.", day=format_date_in_sentence(today))],
        sections=sections,
    )


def enqueue_due(session: Session, now: datetime) -> PassResult:
    """Record every new due reminder in the ledger and queue one delivery per recipient (caller commits)."""
    store.begin_pass(session)
    messages = due_messages(session, now)
    result = PassResult()
    if not messages:
        return result
    entries = [
        store.LedgerEntry(key=m.key, kind=m.kind, person_id=m.person_id) for m in messages
    ]
    inserted = store.record_ledger(session, entries, now=now)
    if not inserted:
        return result
    by_person: dict[int, list[Message]] = defaultdict(list)
    for m in messages:  # already in occasion order
        if m.key in inserted and m.person_id is not None:
            by_person[m.person_id].append(m)
    today = local(now).date()
    links: dict[int, int] = {}
    for person_id in sorted(by_person):
        parts = by_person[person_id]
        ids = [inserted[m.key] for m in parts]
        reply = combine(parts, today=today)
        kind = parts[0].kind if len(parts) == 1 else COMBINED_KIND
        delivery_id = outbox.enqueue(session, key=f"reminders:p{person_id}:{min(ids)}", kind=kind,
                                     payload=reply.to_dict(), now=now, person_id=person_id)
        if delivery_id is None:  # cannot happen: the key names a ledger row only this transaction owns
            continue
        result.delivery_ids.append(delivery_id)
        for row_id in ids:
            links[row_id] = delivery_id
    store.link_ledger(session, links)
    result.reminders = len(links)
    return result
