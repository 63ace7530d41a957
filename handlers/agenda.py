"""The föredragningslista of a meeting: the standing items, then the cases in order.

Item numbers are what members refer to ("punkt 4-6"): the four standing items
are 1–4 and the cases on the agenda follow from 5 in their agenda order.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session, joinedload, selectinload

from handlers.base import Context, Reply, Section
from handlers.fmt import format_date, format_time
from handlers.registry import command
from storage.models import Case, Meeting, Person

STANDING_ITEMS = (
    "Mötets öppnande",
    "Godkännande av dagordning",
    "Föregående minnesanteckningar",
    "Rapporter och delgivningar",
)
ON_AGENDA = ("pa_dagordning", "behandlat", "aterremitterat", "avslutat")


@dataclass(frozen=True)
class AgendaItem:
    number: int
    title: str
    case: Case | None = None


def agenda_cases(session: Session, meeting: Meeting) -> list[Case]:
    """The cases placed on the meeting's agenda, in agenda order."""
    stmt = (
        select(Case)
        .where(Case.meeting_id == meeting.id, Case.status.in_(ON_AGENDA))
        .order_by(Case.agenda_order.nulls_last(), Case.id)
        # The agenda shows each case's presenter, attachments and decisions: load them together.
        .options(joinedload(Case.presenter).joinedload(Person.organisation),
                 selectinload(Case.attachments), selectinload(Case.decisions))
    )
    return list(session.scalars(stmt))


def agenda_items(session: Session, meeting: Meeting) -> list[AgendaItem]:
    items = [AgendaItem(number=i + 1, title=t) for i, t in enumerate(STANDING_ITEMS)]
    for i, case in enumerate(agenda_cases(session, meeting)):
        items.append(AgendaItem(number=len(STANDING_ITEMS) + i + 1, title=case.title, case=case))
    return items


def absence_part(absence) -> str:  # type: ignore[no-untyped-def]
    """'hela mötet', 'punkt 4–6', 'till kl. 10.30', 'från kl. 11.00', 'kl. 10.00–11.00'."""
    if absence.item_from is not None:
        if absence.item_to is not None and absence.item_to != absence.item_from:
            return f"punkt {absence.item_from}–{absence.item_to}"
        return f"punkt {absence.item_from}"
    if absence.time_to is not None and absence.time_from is None:
        return f"till {format_time(absence.time_to)}"
    if absence.time_from is not None and absence.time_to is None:
        return f"från {format_time(absence.time_from)}"
    if absence.time_from is not None and absence.time_to is not None:
        return f"{format_time(absence.time_from)}–{absence.time_to.hour:02d}.{absence.time_to.minute:02d}"
    return "hela mötet"


def absence_lines(session: Session, meeting: Meeting) -> list[str]:
    """Who is absent and for which part, with substitutes and who leads. Never the personal note."""
    from handlers.absence import leader_note
    from handlers.common import person_label
    from storage.queries import absences_of_meeting

    from handlers.absence import meeting_day
    from storage.queries import roles_by_person

    lines = []
    absences = absences_of_meeting(session, meeting)
    roles = roles_by_person(session, meeting.forum, [a.person_id for a in absences], on=meeting_day(meeting))
    active = {a.person_id: a for a in absences}
    for a in absences:
        line = f"{person_label(a.person)}: {absence_part(a)}"
        if a.substitute is not None:
            line += f", ersättare {person_label(a.substitute)}"
        role = leader_note(session, meeting, a, roles=roles[a.person_id], active=active)
        if role:
            line += f" ({role})"
        lines.append(line)
    return lines


def agenda_reply(session: Session, meeting: Meeting, *, now: datetime) -> Reply:
    """The agenda as members read it: time, place, items with presenters and purposes, and who is absent.

    Cases are listed with number, title, purpose, presenter, attachments and, for
    decisions, the proposal; a tillkommande ärende (added after publication) is
    marked. Once a case is treated the decision ("att …" lines) is shown under it,
    so the same reply serves during and after the meeting.
    """
    from handlers.calendar import forum_deadlines
    from handlers.common import PURPOSE_NAMES, forum_label, meeting_label, person_label
    from handlers.fmt import format_datetime, local

    sections = []
    for item in agenda_items(session, meeting):
        if item.case is None:
            sections.append(Section(heading=f"{item.number}. {item.title}"))
            continue
        case = item.case
        heading = f"{item.number}. {case.title} ({case.number})"
        if case.late_addition:
            heading += " – tillkommande ärende"
        fields = [("Syfte", PURPOSE_NAMES.get(case.purpose, case.purpose))]
        # Seed 003's order: the presenter first, then the attachments.
        lines = [f"Föredragande: {person_label(case.presenter)}"] if case.presenter is not None else []
        lines += [f"Bilaga: {a.title} {a.url}" if a.title else f"Bilaga: {a.url}" for a in case.attachments]
        if case.purpose == "beslut" and case.proposal:
            lines.append(f"Förslag till beslut: {case.proposal}")
        decided = [d for d in case.decisions if d.meeting_id == meeting.id]
        if decided:
            lines.append(f"{forum_label(meeting.forum)} beslutade:")
            for d in decided:
                lines += d.text.splitlines()
        elif case.status == "aterremitterat":
            lines.append(f"Återremitterat: {case.returned_reason}" if case.returned_reason else "Återremitterat.")
        sections.append(Section(heading=heading, lines=lines, fields=fields))
    absent = absence_lines(session, meeting)
    sections.append(Section(heading="Anmäld frånvaro", lines=absent or ["Ingen har anmält frånvaro."]))
    context = []
    if meeting.agenda_published_at:
        context.append(f"Publicerad {format_datetime(meeting.agenda_published_at)}.")
    else:
        context.append("Dagordningen är inte publicerad ännu.")
        deadline = forum_deadlines(meeting.forum, local(meeting.starts_at).date()).agenda
        if deadline is not None and deadline < local(now).date():
            context.append(f"Sista dag att publicera den var {format_date(deadline)}.")
        elif deadline is not None:
            context.append(f"Den ska publiceras senast {format_date(deadline)}.")
    return Reply(
        title=f"Dagordning – {forum_label(meeting.forum)}",
        lines=[meeting_label(meeting)],
        sections=sections,
        context=context,
        private=False,
    )


# ------------------------------------------------------------------------------------ /dagordning


def _pick_one(found: list[Meeting], *, when: str) -> Meeting:
    """The earliest meeting; if two forums meet at that first day, ask which forum."""
    from handlers.base import UserError
    from handlers.common import forum_label
    from handlers.fmt import local

    first_day = local(found[0].starts_at).date()
    same_day = [m for m in found if local(m.starts_at).date() == first_day]
    if len({m.forum_id for m in same_day}) > 1:
        names = ", ".join(f"{forum_label(m.forum)} (forum: {m.forum.key})" for m in same_day)
        raise UserError(
            f"Flera av dina forum har möte {when or format_date(first_day)}: {names}. "
            f"Skriv till exempel /dagordning; forum: {same_day[0].forum.key}"
        )
    return found[0]


@command(
    "dagordning",
    "dagordningen",
    "agenda",
    usage="/dagordning [idag | nästa | DATUM] [; forum: ID]",
    help="dagordningen: tid, plats, punkterna med föredragande, syfte, bilagor och förslag, och anmäld frånvaro",
    order=15,
)
def show_agenda(ctx: Context, args: str) -> Reply:
    from handlers.base import UserError
    from handlers.cases import day_bounds, meeting_for_phrase, upcoming_list
    from handlers.common import forum_label, my_forums, pop_forum_option
    from handlers.registry import normalise
    from storage import queries

    named, rest = pop_forum_option(ctx, args)
    if named is not None:
        forums = [named]
    elif ctx.forum is not None and ctx.forum in queries.forums_of(ctx.session, ctx.person):
        forums = [ctx.forum]
    else:
        forums = my_forums(ctx)
    word = normalise(rest)
    today = ctx.today
    start, end = day_bounds(today)
    if word in ("", "idag", "i dag", "today"):
        todays = queries.meetings_on(ctx.session, forums, start, end)
        if todays:
            meeting = _pick_one(todays, when="i dag")
        elif word:
            names = " eller ".join(forum_label(f) for f in forums)
            raise UserError(f"{names} har inget möte i dag, {format_date(today)}. {upcoming_list(ctx, forums)} "
                            "Skriv /dagordning nästa.")
        else:
            upcoming = queries.meetings_after(ctx.session, forums, ctx.now, limit=4)
            if not upcoming:
                raise UserError(f"{upcoming_list(ctx, forums)} Skriv /möten för att se mötena.")
            meeting = _pick_one(upcoming, when="")
    elif word in ("nasta", "nasta mote", "next"):
        upcoming = queries.meetings_after(ctx.session, forums, end, limit=4)
        if not upcoming:
            raise UserError(upcoming_list(ctx, forums))
        meeting = _pick_one(upcoming, when="")
    else:
        meeting = meeting_for_phrase(ctx, forums, rest)
    reply = agenda_reply(ctx.session, meeting, now=ctx.now)
    # Only a published agenda is ever shown to a channel, and only to its own forum's; anywhere else
    # (a channel that is no forum's, another forum's, a draft) only the asker sees it.
    reply.private = not (meeting.agenda_published_at is not None and ctx.forum is not None
                         and ctx.forum.id == meeting.forum_id)
    if reply.private and not ctx.personal and not ctx.whispers:
        # Where everyone in the conversation would see the answer, it goes to the asker's own chat.
        ctx.notify_person(ctx.person, reply, kind="agenda_asked", key=f"m{meeting.id}:{ctx.now.isoformat()}")
        why = ("den är inte publicerad ännu" if meeting.agenda_published_at is None
               else "den här kanalen hör inte till forumet")
        return Reply(lines=[f"Dagordningen för {forum_label(meeting.forum)} {format_date(meeting.starts_at)} "
                            f"visas inte här, eftersom {why}. Jag har skickat den till dig i ett personligt "
                            "meddelande."])
    return reply
