"""The föredragningslista of a meeting: its agenda items, standing items first, then cases and reports.

Items are rows of their own (storage.models.AgendaItem): an item belongs to one meeting, and a case can
come back at many. Item numbers are what members refer to ("punkt 4-6"): the forum's standing items come
first (seed 003's four unless the network file names others under `rules: standing_items:`), then the
cases and other items in the order they were put there; sub-items are numbered 4.1, 10.1 …

A meeting without stored items shows its standing items (not yet stored); the first change to its
agenda stores them, so numbers never move under a reader.
"""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from handlers.base import Context, Reply, Section
from handlers.fmt import format_date, format_time
from handlers.registry import command
from storage.agenda import (  # noqa: F401 - the agenda's store functions, used through this module too
    ON_AGENDA,
    STANDING_ITEMS,
    add_item,
    case_attachments,
    case_item_on,
    copy_case,
    ensure_items,
    latest_version,
    published_item_ids,
    standing_titles,
    stored_items,
    versions_of,
)
from storage.models import AgendaItem, Case, Meeting
from handlers.i18n import _


def agenda_items(session: Session, meeting: Meeting) -> list[AgendaItem]:
    """The meeting's items in order; a meeting with none stored yet has its standing items (not stored)."""
    rows = stored_items(session, meeting)
    if rows:
        return rows
    return [AgendaItem(meeting_id=meeting.id, number=i + 1, title=t, standing=True, late_addition=False)
            for i, t in enumerate(standing_titles(meeting.forum))]


def items_of_case(session: Session, case: Case) -> list[AgendaItem]:
    """Every agenda item the case has had, earliest meeting first."""
    stmt = (select(AgendaItem).join(Meeting, Meeting.id == AgendaItem.meeting_id)
            .where(AgendaItem.case_id == case.id).order_by(Meeting.starts_at, AgendaItem.id))
    return list(session.scalars(stmt))


def current_item(session: Session, case: Case) -> AgendaItem | None:
    """The case's item on its current meeting (Case.meeting), if it is on one."""
    if case.meeting is None:
        return None
    return case_item_on(session, case.meeting, case)


def item_numbers(items: list[AgendaItem]) -> str:
    """'1–6', or '1–4, 4.1, 5' when the agenda has sub-items."""
    labels = [i.label for i in items]
    if all(not i.sub_number for i in items) and [i.number for i in items] == list(range(1, len(items) + 1)):
        return f"1–{len(items)}" if len(items) > 1 else "1"
    return ", ".join(labels)


def remove_item(session: Session, item: AgendaItem) -> None:
    """Take an item (and its sub-items) off the working agenda; the main items after it move up one."""
    meeting_id, number, sub = item.meeting_id, item.number, item.sub_number
    rows = list(session.scalars(select(AgendaItem).where(AgendaItem.meeting_id == meeting_id)))
    for row in rows:
        if row.id == item.id or (sub is None and row.number == number):
            session.delete(row)
        elif sub is None and row.number > number:
            row.number -= 1
        elif sub is not None and row.number == number and (row.sub_number or 0) > sub:
            row.sub_number = (row.sub_number or 0) - 1
    session.flush()


def being_recorded(meeting: Meeting, now: datetime) -> bool:
    """From the meeting's start until its minutes are sent, what it decides is recorded under its items."""
    return meeting.starts_at <= now and meeting.minutes_sent_at is None and not meeting.cancelled


def item_in_session(session: Session, case: Case | None, now: datetime) -> AgendaItem | None:
    """The case's item on its current meeting while that meeting is being recorded; else None."""
    if case is None or case.meeting is None or not being_recorded(case.meeting, now):
        return None
    return case_item_on(session, case.meeting, case)


def agenda_cases(session: Session, meeting: Meeting) -> list[Case]:
    """The cases with an item on the meeting's agenda, in agenda order."""
    return [i.case for i in agenda_items(session, meeting) if i.case is not None]


def absence_part(absence) -> str:  # type: ignore[no-untyped-def]
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
            line += _(", ersättare {substitute}", substitute=person_label(a.substitute))
        role = leader_note(session, meeting, a, roles=roles[a.person_id], active=active)
        if role:
            line += f" ({role})"
        lines.append(line)
    return lines


def _item_section(item, *, decided: list[str] | None = None, decided_by: str = "") -> Section:  # type: ignore[no-untyped-def]
    from handlers.publication import item_blocks

    heading = item.heading + (f" ({item.case_number})" if item.case_number else "")
    if item.late_addition:
        heading += _(" – tillkommande ärende")
    if item.change:
        heading += f" [{item.change} sedan publiceringen]"
    lines: list[str] = []
    heading_pending = None
    for b in item_blocks(item):
        if b.kind == "late":
            continue
        text = f"{b.text} {b.link.url}" if b.link is not None and b.link.label != b.link.url else b.text
        if b.kind == "proposal_heading":
            heading_pending = text.rstrip(":")
            continue
        if heading_pending is not None:  # "Förslag till beslut: att …" on one line in chat
            text = f"{heading_pending}: {text}"
            heading_pending = None
        lines.append(text)
    if decided:
        lines.append(decided_by)
        lines += decided
    return Section(heading=heading, lines=lines)


def agenda_reply(session: Session, meeting: Meeting, *, now: datetime, draft: bool = False) -> Reply:
    """The agenda in chat: time, place, the items in seed 003's order, and who is absent.

    Members (draft=False) read the latest published version, exactly as published; before publication
    they are told when it is due. The coordinator's draft (draft=True) is the working agenda, with what
    changed since the latest publication marked, and the decisions taken so far under each item.
    """
    from handlers.calendar import forum_deadlines
    from handlers.common import forum_label, meeting_label
    from handlers.fmt import local
    from handlers.publication import agenda_doc, mark_changes, published_agenda

    published = published_agenda(session, meeting)
    doc = agenda_doc(session, meeting) if draft else published
    removed = mark_changes(doc, published) if draft and doc is not None else []
    decided: dict[int, list[str]] = {}
    if doc is not None:  # what the meeting decided so far, under its items: the reply serves during the meeting
        from storage.models import Decision

        ids = [i.item_id for i in doc.items if i.item_id]
        if ids:
            for d in session.scalars(select(Decision).where(Decision.item_id.in_(ids)).order_by(Decision.id)):
                decided.setdefault(d.item_id, []).extend(d.text.splitlines())
    label = forum_label(meeting.forum)
    sections = [_item_section(item, decided=decided.get(item.item_id), decided_by=f"{label} beslutade:")
                for item in (doc.items if doc is not None else [])]
    if removed:
        sections.append(Section(heading="Borttaget sedan publiceringen",
                                lines=[i.heading for i in removed]))
    absent = absence_lines(session, meeting)
    sections.append(Section(heading=_("Anmäld frånvaro"), lines=absent or [_("Ingen har anmält frånvaro.")]))
    context = []
    if published is not None:
        context.append(published.published_text)
        if draft and (removed or any(i.change for i in doc.items)):  # type: ignore[union-attr]
            context.append(_("Arbetsutkast: ändringarna syns för forumet först när du publicerar dagordningen "
                             "igen (/publicera dagordning)."))
    else:
        context.append(_("Dagordningen är inte publicerad ännu.") + (_(" Detta är arbetsutkastet.") if draft else ""))
        deadline = forum_deadlines(meeting.forum, local(meeting.starts_at).date()).agenda
        if deadline is not None and deadline < local(now).date():
            context.append(_("Sista dag att publicera den var {deadline}.", deadline=format_date(deadline, sentence=True)))
        elif deadline is not None:
            context.append(_("Den ska publiceras senast {deadline}.", deadline=format_date(deadline, sentence=True)))
    return Reply(
        title=f"Dagordning – {label}" + (" (arbetsutkast)" if draft else ""),
        lines=[meeting_label(meeting)],
        sections=sections,
        context=context,
        private=draft,
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
            _("Flera av dina forum har möte {value}: {names}. Skriv till exempel /dagordning; "
              "forum: {key}",
              value=when or format_date(first_day, sentence=True), names=names, key=same_day[0].forum.key)
        )
    return found[0]


@command(
    "dagordning",
    "dagordningen",
    "agenda",
    usage="/dagordning [idag | nästa | DATUM] [; forum: ID]",
    help=_("dagordningen: tid, plats, punkterna med föredragande, syfte, bilagor och "
           "förslag, och anmäld frånvaro"),
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
            raise UserError(_("{names} har inget möte i dag, {today}. {ctx} Skriv /dagordning nästa.",
                              names=names, today=format_date(today, sentence=True), ctx=upcoming_list(ctx, forums)))
        else:
            upcoming = queries.meetings_after(ctx.session, forums, ctx.now, limit=4)
            if not upcoming:
                raise UserError(_("{ctx} Skriv /möten för att se mötena.", ctx=upcoming_list(ctx, forums)))
            meeting = _pick_one(upcoming, when="")
    elif word in ("nasta", "nasta mote", "next"):
        upcoming = queries.meetings_after(ctx.session, forums, end, limit=4)
        if not upcoming:
            raise UserError(upcoming_list(ctx, forums))
        meeting = _pick_one(upcoming, when="")
    else:
        meeting = meeting_for_phrase(ctx, forums, rest)
    draft = sees_draft(ctx, meeting)
    reply = agenda_reply(ctx.session, meeting, now=ctx.now, draft=draft)
    # Only a published agenda is ever shown to a channel, and only to its own forum's; anywhere else
    # (a channel that is no forum's, another forum's, a draft) only the asker sees it.
    reply.private = draft or not (meeting.agenda_published_at is not None and ctx.forum is not None
                                  and ctx.forum.id == meeting.forum_id)
    if reply.private and not ctx.personal and not ctx.whispers:
        # Where everyone in the conversation would see the answer, it goes to the asker's own chat.
        ctx.notify_person(ctx.person, reply, kind="agenda_asked", key=f"m{meeting.id}:{ctx.now.isoformat()}")
        why = (_("den är inte publicerad ännu") if meeting.agenda_published_at is None
               else _("du ser arbetsutkastet") if draft
               else _("den här kanalen hör inte till forumet"))
        return Reply(lines=[_("Dagordningen för {forum} {starts_at} visas inte här, eftersom {why}. Jag har "
                              "skickat den till dig i ett personligt meddelande.",
                              forum=forum_label(meeting.forum), starts_at=format_date(meeting.starts_at, sentence=True), why=why)])
    return reply


def sees_draft(ctx: Context, meeting: Meeting) -> bool:
    """The coordinator and the secretary work on the draft; everyone else reads what was published."""
    return bool(ctx.roles_in(meeting.forum) & {"coordinator", "secretary"})
