"""/översikt: the asker's own overview — next meetings, open assignments, reported absences.

Slack shows it on the App Home tab; in the terminal and in Teams it is an
ordinary command. Personal: the absence notes shown are the asker's own.
"""
from __future__ import annotations

from sqlalchemy import select

from handlers.agenda import absence_part
from handlers.base import Action, Context, Reply, Section
from handlers.common import forum_label, meeting_label
from handlers.fmt import format_date, format_datetime, local
from handlers.registry import command
from storage import queries
from storage.models import Absence, Assignment, Meeting

MAX_MEETINGS = 5
MAX_ASSIGNMENTS = 15


@command(
    "översikt",
    "oversikt",
    "hem",
    "overview",
    usage="/översikt",
    help="dina nästa möten, dina öppna uppdrag och den frånvaro du har anmält",
    order=5,
)
def overview(ctx: Context, args: str) -> Reply:
    person = ctx.person
    forums = queries.forums_of(ctx.session, person)
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
                heading="Dina nästa möten",
                lines=["Du är inte med i något forum ännu. Be samordnaren lägga till dig med /ledamot ny."],
            )
        )
    elif not meetings:
        sections.append(Section(heading="Dina nästa möten", lines=["Inga kommande möten är inlagda."]))
    else:
        sections.append(Section(heading="Dina nästa möten"))
        for meeting in meetings:
            day = local(meeting.starts_at).date().isoformat()
            where = f"; forum: {meeting.forum.key}"
            absence = absent_at.get(meeting.id)
            if absence is None:
                lines: list[str] = []
                actions = [Action("Anmäl frånvaro", f"anmäl frånvaro {day}{where}")]
            else:
                lines = [f"Du har anmält frånvaro: {absence_part(absence)}."]
                actions = [Action("Återkalla frånvaro", f"återkalla frånvaro {day}{where}")]
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
        late = " (försenat)" if a.due < today else ""
        extended = f", förlängt {len(a.extensions)} gång{'er' if len(a.extensions) > 1 else ''}" if a.extensions else ""
        lines.append(f"{a.title} ({forum_label(a.forum)}) – senast {format_date(a.due)}{late}{extended}")
    if len(assignments) > MAX_ASSIGNMENTS:
        lines.append("Fler uppdrag finns; skriv /uppdrag för hela listan.")
    sections.append(Section(heading="Dina öppna uppdrag", lines=lines or ["Du har inga öppna uppdrag."]))

    lines = []
    for a in absences:
        line = f"{forum_label(a.meeting.forum)} {format_date(a.meeting.starts_at)}: {absence_part(a)}"
        if a.substitute is not None:
            line += f", ersättare {a.substitute.name}"
        if a.note and ctx.personal:
            line += f" (notering: {a.note})"
        lines.append(line)
    sections.append(Section(heading="Din anmälda frånvaro", lines=lines or ["Du har inte anmält någon frånvaro."]))

    return Reply(
        title=f"Översikt för {person.name}",
        sections=sections,
        context=[f"Uppdaterad {format_datetime(ctx.now)}. Skriv /hjälp för att se allt du kan skriva till kansli."],
    )
