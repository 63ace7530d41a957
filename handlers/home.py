"""/översikt: the asker's own overview — next meetings, open assignments, reported absences.

Slack shows it on the App Home tab; in the terminal and in Teams it is an
ordinary command. Personal: the absence notes shown are the asker's own.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta

from sqlalchemy import select

from handlers.absence_rules import absence_part
from handlers.arguments import Dates
from handlers.base import Action, Context, Reply, Section
from handlers.calendar import forum_deadlines
from handlers.common import forum_label, meeting_label
from handlers.fmt import STOCKHOLM, format_date, format_datetime, local
from handlers.registry import command
from handlers.i18n import _, ngettext
from storage import queries
from storage.models import Absence, Assignment, Case, FollowUp, Forum, Meeting

MAX_MEETINGS = 5
MAX_ASSIGNMENTS = 15


@dataclass(frozen=True)
class Overview:
    """/översikt: nothing to say; whatever follows the command word is passed over."""


def parse_overview(args: str, dates: Dates) -> Overview:
    return Overview()


@command(
    "översikt",
    "oversikt",
    "hem",
    "overview",
    usage="/översikt",
    help=_("dina nästa möten, uppdrag och återkopplingar och din anmälda frånvaro; för samordnare "
           "och sekreterare också veckans att göra"),
    args=parse_overview,
    order=5,
)
def overview(ctx: Context, args: Overview) -> Reply:
    person = ctx.person
    forums = queries.forums_of(ctx.session, person, sitting=ctx.today)
    today = ctx.today
    meetings = queries.upcoming_meetings(ctx.session, forums, now=ctx.now, limit=MAX_MEETINGS)
    absences = list(
        ctx.session.scalars(
            select(Absence)
            .join(Meeting, Meeting.id == Absence.meeting_id)
            .where(Absence.person_id == person.id, Absence.withdrawn_at.is_(None), Meeting.cancelled.is_(False))
            .order_by(Meeting.starts_at)
        )
    )
    absences = [a for a in absences if local(a.meeting.starts_at).date() >= today]
    absent_at = {a.meeting_id: a for a in absences}

    sections: list[Section] = []
    if not forums:
        sections.append(
            Section(
                heading=_("Dina nästa möten"),
                lines=[_("Du är inte med i något forum ännu. Be samordnaren lägga till dig i forumet.")],
            )
        )
    elif not meetings:
        sections.append(Section(heading=_("Dina nästa möten"), lines=[_("Inga kommande möten är inlagda.")]))
    else:
        sections.append(Section(heading=_("Dina nästa möten")))
        for meeting in meetings:
            day = local(meeting.starts_at).date().isoformat()
            where = f"; forum: {meeting.forum.key}"
            absence = absent_at.get(meeting.id)
            if absence is None:
                lines: list[str] = []
                actions = [Action(_("Anmäl frånvaro"), f"anmäl frånvaro {day}{where}")]
            else:
                lines = [_("Du har anmält frånvaro: {absence}.", absence=absence_part(absence))]
                actions = [Action(_("Återkalla frånvaro"), f"återkalla frånvaro {day}{where}")]
            actions.append(Action("Dagordning", f"dagordning {day}"))
            sections.append(
                Section(heading=f"{forum_label(meeting.forum)}: {meeting_label(meeting)}", lines=lines, actions=actions)
            )

    assignments = list(
        ctx.session.scalars(
            select(Assignment)
            .where(Assignment.assignee_id == person.id, Assignment.closed_at.is_(None))
            .order_by(Assignment.due, Assignment.id)
            .limit(MAX_ASSIGNMENTS + 1)
        )
    )
    lines = []
    for a in assignments[:MAX_ASSIGNMENTS]:
        late = _(" (försenat)") if a.due < today else ""
        extended = ngettext(", förlängt {n} gång", ", förlängt {n} gånger", len(a.extensions)) if a.extensions else ""
        lines.append(f"{a.title} ({forum_label(a.forum)}) – senast {format_date(a.due)}{late}{extended}")
    if len(assignments) > MAX_ASSIGNMENTS:
        lines.append(_("Fler uppdrag finns; skriv /uppdrag för hela listan."))
    sections.append(Section(heading=_("Dina öppna uppdrag"), lines=lines or [_("Du har inga öppna uppdrag.")]))

    follow_ups = list(ctx.session.scalars(
        select(FollowUp).where(FollowUp.responsible_id == person.id, FollowUp.done_at.is_(None))
        .order_by(FollowUp.due, FollowUp.id).limit(MAX_ASSIGNMENTS)
    ))
    lines = []
    for f in follow_ups:
        late = " (passerat)" if f.due < today else ""
        lines.append(_("Ärende {number} {title} ({forum}) – {due}{late}",
                       number=f.case.number, title=f.case.title, forum=forum_label(f.case.forum), due=format_date(f.due), late=late))
    sections.append(Section(heading=_("Dina återkopplingar"),
                            lines=lines or [_("Du har inga återkopplingar att göra.")]))

    duties = _duties_this_week(ctx, forums)
    if duties is not None:
        sections.append(duties)

    lines = []
    for a in absences:
        line = f"{forum_label(a.meeting.forum)} {format_date(a.meeting.starts_at)}: {absence_part(a)}"
        if a.substitute is not None:
            line += _(", ersättare {name}", name=a.substitute.name)
        if a.note and ctx.personal:
            line += f" (notering: {a.note})"
        lines.append(line)
    sections.append(Section(heading=_("Din anmälda frånvaro"), lines=lines or [_("Du har inte anmält någon frånvaro.")]))

    return Reply(
        title=_("Översikt för {name}", name=person.name),
        sections=sections,
        context=[_("Uppdaterad {now}. Skriv /hjälp för att se allt du kan skriva till Kansli.",
                   now=format_datetime(ctx.now))],
        restricted=True,
    )


def _duties_this_week(ctx: Context, forums: list[Forum]) -> Section | None:
    """For a coordinator or secretary: this week's agenda deadlines, cases awaiting beredning and minutes due.
    None for someone who is neither."""
    today = ctx.today
    monday = today - timedelta(days=today.weekday())
    sunday = monday + timedelta(days=6)
    lines: list[str] = []
    duty_forums = []
    for forum in forums:
        roles = ctx.roles_in(forum) & {"coordinator", "secretary"}
        if not roles:
            continue
        duty_forums.append(forum)
        label = forum_label(forum)
        # Meetings whose deadlines can fall this week: from a month back to two months ahead.
        start = datetime.combine(monday - timedelta(days=31), datetime.min.time(), tzinfo=STOCKHOLM)
        end = datetime.combine(sunday + timedelta(days=62), datetime.min.time(), tzinfo=STOCKHOLM)
        for meeting in queries.meetings_on(ctx.session, [forum], start, end):
            if meeting.cancelled:
                continue
            day = local(meeting.starts_at).date()
            d = forum_deadlines(forum, day)
            upcoming = meeting.starts_at > ctx.now
            if "coordinator" in roles and upcoming and meeting.agenda_published_at is None:
                if d.preparation is not None and monday <= d.preparation <= sunday:
                    lines.append(_("{label}: beredning inför mötet {day} senast {preparation}.",
                                   label=label, day=format_date(day, sentence=True), preparation=format_date(d.preparation, sentence=True)))
                if d.agenda is not None and d.agenda <= sunday:
                    late = d.agenda < today
                    lines.append((_("{label}: dagordningen till mötet {day} skulle ha publicerats senast {agenda} "
                                    "(/publicera dagordning {isoformat}).") if late else
                                  _("{label}: dagordningen till mötet {day} ska publiceras senast {agenda} "
                                    "(/publicera dagordning {isoformat}).")).format(
                        label=label, day=format_date(day, sentence=True), agenda=format_date(d.agenda, sentence=True),
                        isoformat=day.isoformat()))
            if "secretary" in roles and not upcoming and meeting.minutes_sent_at is None and d.minutes is not None \
                    and d.minutes <= sunday:
                late = d.minutes < today
                lines.append((_("{label}: minnesanteckningarna från mötet {day} skulle ha skickats senast {minutes} "
                                "(/minnesanteckningar {isoformat}).") if late else
                              _("{label}: minnesanteckningarna från mötet {day} ska skickas senast {minutes} "
                                "(/minnesanteckningar {isoformat}).")).format(
                    label=label, day=format_date(day, sentence=True), minutes=format_date(d.minutes, sentence=True),
                    isoformat=day.isoformat()))
        if "coordinator" in roles:
            waiting = list(ctx.session.scalars(
                select(Case).where(Case.forum_id == forum.id, Case.status.in_(("aktualiserat", "under_beredning")))
                .order_by(Case.year, Case.seq, Case.id)
            ))
            if waiting:
                numbers = ", ".join(c.number for c in waiting[:10]) + (" …" if len(waiting) > 10 else "")
                lines.append(ngettext(
                    "{label}: {n} ärende väntar på beredning ({numbers}); /ärenden aktualiserat visar det.",
                    "{label}: {n} ärenden väntar på beredning ({numbers}); /ärenden aktualiserat visar dem.",
                    len(waiting), label=label, numbers=numbers))
    if not duty_forums:
        return None
    return Section(heading=_("Att göra vecka {value}", value=monday.isocalendar()[1]),
                   lines=lines or [_("Inga tidsfrister den här veckan och inga ärenden som väntar på beredning.")])
