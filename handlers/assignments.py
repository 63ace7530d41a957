"""Assignments (uppdrag): record, extend with history, list and close.

An assignment has an assignee, a due date and, when the meeting extends it, an
extension row per decision keeping the previous and new due date, the reason
and the meeting that decided it (seed 002 § 9). Assignment.due is always the
current due date and Assignment.closed_at marks it done; the reminders read
exactly those two.
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date

from handlers import limits
from handlers.arguments import Dates
from handlers.base import Action, Context, Reply, Section, UserError
from handlers.case_model import (
    OVERVIEW,
    RECORDERS,
    add_event,
    case_title,
    find_case,
    has_role,
    number_and_title,
    overview_forums,
    refuse_if_closed,
    split_number,
    tell,
)
from handlers.meeting_choice import meeting_day, meeting_for_phrase, read_day
from handlers.options import read_options, take_option
from handlers.common import (
    choose_forum,
    forum_label,
    leading_person,
    meeting_label,
    name_label,
    named_forum,
    people_named,
    person_arg,
    person_label,
    require_command_role,
)
from handlers.fmt import format_date, format_days
from handlers.registry import command, normalise
from handlers.i18n import _, ngettext
from storage import cases as store
from storage.cases import AssignmentLine
from storage import queries
from storage.models import Assignment, AssignmentExtension, Forum, Meeting

NEW_USAGE = _("/uppdrag ny @användarnamn TITEL; senast DATUM [; ärende NR]")
EXTEND_USAGE = _("/uppdrag förläng ID; senast DATUM; skäl: … [; möte: DATUM]")
CLOSE_USAGE = "/uppdrag klar ID"
LIST_USAGE = _("/uppdrag [alla | försenade | @användarnamn | ID]")

NEW_KEYS = {"senast": "senast", "due": "senast", "deadline": "senast", "klart": "senast",
            "arende": "ärende", "case": "ärende", "forum": "forum"}
EXTEND_KEYS = {"senast": "senast", "till": "senast", "due": "senast", "skal": "skäl", "orsak": "skäl",
               "reason": "skäl", "mote": "möte", "meeting": "möte"}


def due_text(a: Assignment | AssignmentLine, today: date) -> str:
    text = format_date(a.due)
    if a.closed_at is not None:
        return text + f" (klart {format_date(a.closed_at)})"
    if a.due < today:
        return text + _(" (försenat {days})", days=format_days((today - a.due).days))
    if a.due == today:
        return text + " (i dag)"
    return text


def extension_lines(ctx: Context, a: Assignment | AssignmentLine) -> list[str]:
    lines = []
    for x in a.extensions:
        line = _("Förlängt från {previous_due} till {new_due}",
                 previous_due=format_date(x.previous_due), new_due=format_date(x.new_due))
        meeting = ctx.session.get(Meeting, x.meeting_id) if x.meeting_id else None
        if meeting is not None:
            line += _(", beslutat på mötet {starts_at}", starts_at=format_date(meeting.starts_at))
        elif x.decided_on is not None:
            line += f", beslutat {format_date(x.decided_on)}"
        if x.reason:
            line += _(" – skäl: {reason}", reason=x.reason)
        lines.append(line)
    return lines


def assignment_section(ctx: Context, a: AssignmentLine, *, show_assignee: bool = True) -> Section:
    """One assignment of a list (storage.cases.open_assignments; `line_of` for a single loaded one)."""
    fields = []
    if show_assignee:
        fields.append(("Ansvarig", name_label(a.assignee_name, a.organisation, erased=a.assignee_erased)))
    fields.append(("Senast", due_text(a, ctx.today)))
    fields.append(("Forum", forum_label(a.forum)))
    if a.case_number is not None:
        fields.append((_("Ärende"), number_and_title(a.case_number, a.case_title)))
    if a.decided_on is not None:
        fields.append(("Beslutat", format_date(a.decided_on)))
    actions = []
    if a.closed_at is None and has_role(ctx, a.forum, RECORDERS):
        actions.append(Action("Klart", f"uppdrag klar {a.id}"))
    return Section(heading=f"Uppdrag {a.id}: {a.title}", lines=extension_lines(ctx, a), fields=fields,
                   actions=actions)


def parse_id(text: str, *, usage: str) -> tuple[int, str]:
    m = re.match(r"^\s*(?:uppdrag\s+|nr\s+)?#?(\d+)\b[\s:]*(.*)$", text, re.IGNORECASE | re.DOTALL)
    if not m:
        raise UserError(_("Ange uppdragets nummer, som /uppdrag visar (till exempel ”uppdrag 3”). Skriv: "
                          "{usage}.",
                          usage=usage))
    return limits.number(m.group(1), what="Uppdrag", hint=_("Skriv: {usage}.", usage=usage)), m.group(2)


def find_assignment(ctx: Context, number: int) -> Assignment:
    a = ctx.session.get(Assignment, number)
    if a is None:
        raise UserError(_("Det finns inget uppdrag {number}. Skriv /uppdrag alla för att se de öppna "
                          "uppdragen.",
                          number=number))
    return a


def read_due(dates: Dates, text: str) -> date:
    """The last day ('; senast DATUM') a phrase names; a day gone by is refused by refuse_past_due."""
    return read_day(dates, text, what="sista dag ('senast')")


def refuse_past_due(ctx: Context, due: date) -> None:
    if due < ctx.today:
        raise UserError(_("Dagen du angav, {due}, har redan varit; ange en sista dag framåt i tiden.",
                          due=format_date(due, sentence=True)))


# ------------------------------------------------------------------------------------ /uppdrag ny


@dataclass(frozen=True)
class NewAssignment:
    """/uppdrag ny @användarnamn TITEL; senast DATUM [; ärende NR] [; forum: ID]"""
    # The '@handle' as typed; None: the text begins with the person's name, which only the handler can
    # tell from the title (handlers.common.leading_person), so `title` holds both.
    assignee: str | None
    title: str
    due: date  # as read; a day gone by is refused by the handler, which knows today
    case: str | None = None  # the case number as typed ('2026:3', or '3' for this year's)
    forum: str | None = None  # the '; forum: ID' as typed


def parse_new_assignment(args: str, dates: Dates) -> NewAssignment:
    forum, rest = take_option(args, "forum")
    head, options = read_options(rest, NEW_KEYS, usage=NEW_USAGE)
    m = re.match(r"^\s*(@\S+)\s*(.*)$", head, re.DOTALL)
    assignee = m.group(1) if m else None
    title = " ".join((m.group(2) if m else head).split())
    if m:
        title = limits.title(title, what="Uppdragets titel")
    if assignee is not None and not title:
        raise UserError(_("Skriv vad uppdraget gäller efter @{handle}. Skriv: {NEW_USAGE}.",
                          handle=assignee.lstrip("@").lower(), NEW_USAGE=NEW_USAGE))
    if not options.get("senast"):
        raise UserError(_("Ange sista dag för uppdraget med ”; senast DATUM”. Skriv: {NEW_USAGE}.", NEW_USAGE=NEW_USAGE))
    due = read_due(dates, options["senast"])
    case = split_number(options["ärende"], usage=NEW_USAGE)[0] if options.get("ärende") else None
    return NewAssignment(assignee=assignee, title=title, due=due, case=case, forum=_typed(forum))


def _typed(value: str | None) -> str | None:
    return value.strip() if value else None


@command(
    "uppdrag ny",
    "nytt uppdrag",
    "uppdrag nytt",
    "new assignment",
    usage=NEW_USAGE,
    help=_("för in ett uppdrag med sista dag; den som fått uppdraget får besked"),
    roles=RECORDERS,
    doing=_("föra in uppdrag"),
    args=parse_new_assignment,
    order=40,
)
def new_assignment(ctx: Context, args: NewAssignment) -> Reply:
    named = named_forum(ctx, args.forum)
    if args.assignee is not None:
        assignee = person_arg(ctx, args.assignee, field=_("den som får uppdraget"))
        title = args.title
    else:
        named_first = leading_person(ctx, args.title)  # 'Johan Sjö Ta fram underlag'
        if named_first is None:
            raise UserError(_("Börja med den som får uppdraget som @användarnamn eller namn. Skriv: "
                              "{NEW_USAGE}.",
                              NEW_USAGE=NEW_USAGE))
        assignee, title = named_first
        title = limits.title(title, what="Uppdragets titel")
    due = args.due
    refuse_past_due(ctx, due)  # a day gone by is refused before any question of forum
    case = None
    if args.case is not None:
        case = find_case(ctx, args.case, named)
        refuse_if_closed(case)
        forum: Forum = case.forum
    else:
        forum = choose_forum(ctx, named, with_role=set(ctx.command.roles),
                             fits=lambda f: bool(queries.roles_of(ctx.session, assignee, f)))
    require_command_role(ctx, forum)
    from handlers.agenda_model import item_in_session

    item = item_in_session(ctx.session, case, ctx.now)
    a = Assignment(
        forum_id=forum.id,
        case_id=case.id if case else None,
        item_id=item.id if item is not None else None,
        assignee_id=assignee.id,
        title=title,
        decided_on=ctx.today,
        due=due,
        created_by_id=ctx.person.id,
    )
    ctx.session.add(a)
    ctx.session.flush()
    ctx.session.refresh(a)
    if case is not None:
        add_event(ctx, case, "uppdrag", _("Uppdrag {id} till {name}: {title}, senast {due}.",
                                          id=a.id, name=assignee.name, title=title, due=format_date(due, sentence=True)))
    ctx.audit("assignment.create", "assignment", a.id, forum=forum.key, assignee=assignee.handle, title=title,
              due=due, case=case.number if case else None)
    notice = Reply(
        title=_("Nytt uppdrag från {forum}", forum=forum_label(forum)),
        lines=[_("Du har fått uppdrag {id}: {title}.", id=a.id, title=title), _("Det ska vara klart senast {due}.", due=format_date(due, sentence=True))],
        fields=[(_("Ärende"), case_title(case))] if case else [],
        context=[_("/uppdrag visar dina öppna uppdrag.")],
    )
    told = tell(ctx, assignee, notice, kind="assignment_new", key=f"a{a.id}")
    lines = [_("Uppdrag {id} till {assignee}: {title}.", id=a.id, assignee=person_label(assignee), title=title), f"Senast {format_date(due)}."]
    if told:
        lines.append(_("{name} har fått besked.", name=assignee.name))
    return Reply(title=_("Uppdrag {id} infört", id=a.id), lines=lines,
                 fields=[("Forum", forum_label(forum))] + ([(_("Ärende"), case_title(case))] if case else []))


# ------------------------------------------------------------------------------------ /uppdrag förläng


def extension_forums(ctx: Context, forum: Forum) -> list[Forum]:
    """The forums whose meetings may extend the forum's assignments: itself and those its rules name
    (`rules: {extensions_by: [ID]}`, e.g. the steering group under seed 000 § 5)."""
    out = [forum]
    for key in (forum.extensions_by or "").split(","):
        if not key:
            continue
        other = queries.forum_by_key(ctx.session, key)
        if other is not None and other not in out:
            out.append(other)
    return out


def _deciding_meeting(ctx: Context, forum: Forum, text: str | None) -> Meeting:
    forums = extension_forums(ctx, forum)
    if text:
        meeting = meeting_for_phrase(ctx, forums, text)
        if meeting_day(meeting) > ctx.today:
            raise UserError(_("Mötet {starts_at} har inte varit ännu; ange mötet som beslutade förlängningen.",
                              starts_at=format_date(meeting.starts_at, sentence=True)))
        return meeting
    from handlers.meeting_choice import day_bounds

    todays = queries.meetings_on(ctx.session, forums, *day_bounds(ctx.today))
    if len({m.forum_id for m in todays}) == 1:
        return todays[0]
    recent = queries.meetings_before(ctx.session, forums, ctx.now, limit=2)
    hint = (_(" Senaste möten: ") + ", ".join(f"{forum_label(m.forum)} {format_date(m.starts_at)}" for m in recent)
            + ".") if recent else ""
    names = " eller ".join(forum_label(f) for f in forums)
    lead = _("{names} har inget möte i dag.", names=names) if not todays else _("Både {names} har möte i dag.", names=names)
    raise UserError(_("{lead} Ange vilket möte som beslutade förlängningen med ”; möte: DATUM”", lead=lead)
                    + (_(" och ”; forum: ID”") if todays else "") + f".{hint}")


@dataclass(frozen=True)
class ExtendAssignment:
    """/uppdrag förläng ID; senast DATUM; skäl: … [; möte: DATUM]"""
    number: int
    due: date  # the new last day as read; a day gone by is refused by the handler, which knows today
    reason: str
    meeting: str | None = None  # the deciding meeting's date phrase as typed; None: today's meeting


def parse_extend_assignment(args: str, dates: Dates) -> ExtendAssignment:
    number, rest = parse_id(args, usage=EXTEND_USAGE)
    head, options = read_options(rest, EXTEND_KEYS, usage=EXTEND_USAGE)
    if head.strip():
        if normalise(head).split()[0] in ("senast", "till"):
            options.setdefault("senast", head.strip().split(maxsplit=1)[1] if len(head.split()) > 1 else "")
        else:
            raise UserError(_("Jag förstår inte ”{strip}”. Skriv: {EXTEND_USAGE}.",
                              strip=head.strip(), EXTEND_USAGE=EXTEND_USAGE))
    if not options.get("senast"):
        raise UserError(_("Ange den nya sista dagen med ”; senast DATUM”. Skriv: {EXTEND_USAGE}.",
                          EXTEND_USAGE=EXTEND_USAGE))
    if not options.get("skäl"):
        raise UserError(
            _("Ange skälet till förlängningen med ”; skäl: …”, så att det finns kvar. Skriv: "
              "{EXTEND_USAGE}.",
              EXTEND_USAGE=EXTEND_USAGE)
        )
    reason = limits.text(options["skäl"], what=_("Skälet"))
    return ExtendAssignment(number=number, due=read_due(dates, options["senast"]), reason=reason,
                            meeting=options.get("möte") or None)


@command(
    "uppdrag förläng",
    "uppdrag forlang",
    "förläng uppdrag",
    "forlang uppdrag",
    "extend assignment",
    usage=EXTEND_USAGE,
    help=_("förläng ett uppdrag; skälet och mötet som beslutade sparas, och tidigare datum "
           "finns kvar i historiken"),
    roles=RECORDERS,
    doing=_("förlänga uppdrag"),
    args=parse_extend_assignment,
    order=41,
)
def extend_assignment(ctx: Context, args: ExtendAssignment) -> Reply:
    a = find_assignment(ctx, args.number)
    # The secretary of the forum that decided the extension may record it too (see extension_forums).
    if not any(has_role(ctx, f, set(ctx.command.roles)) for f in extension_forums(ctx, a.forum)):
        require_command_role(ctx, a.forum)
    if a.closed_at is not None:
        raise UserError(_("Uppdrag {id} är redan klart ({closed_at}) och kan inte förlängas.",
                          id=a.id, closed_at=format_date(a.closed_at)))
    new_due = args.due
    refuse_past_due(ctx, new_due)
    if new_due <= a.due:
        raise UserError(
            _("Uppdrag {id} ska redan vara klart senast {due}; en förlängning behöver ett "
              "senare datum än så, inte {new_due}.",
              id=a.id, due=format_date(a.due, sentence=True), new_due=format_date(new_due, sentence=True))
        )
    meeting = _deciding_meeting(ctx, a.forum, args.meeting)
    previous = a.due
    from handlers.agenda_model import case_item_on

    item = case_item_on(ctx.session, meeting, a.case) if a.case is not None else None
    ext = AssignmentExtension(previous_due=previous, new_due=new_due, decided_on=meeting_day(meeting),
                              meeting_id=meeting.id, item_id=item.id if item is not None else None,
                              reason=args.reason)
    a.extensions.append(ext)
    a.due = new_due
    ctx.session.flush()
    if a.case is not None:
        add_event(ctx, a.case, "uppdrag_forlangt",
                  _("Uppdrag {id} förlängt från {previous} till {new_due}: {value}.",
                    id=a.id, previous=format_date(previous, sentence=True), new_due=format_date(new_due, sentence=True), value=args.reason))
    ctx.audit("assignment.extend", "assignment", a.id, previous_due=previous, new_due=new_due,
              reason=args.reason, meeting=meeting.starts_at)
    notice = Reply(
        title=_("Uppdrag {id} är förlängt", id=a.id),
        lines=[
            _("{forum} förlängde ditt uppdrag {id}: {title}.",
              forum=forum_label(a.forum), id=a.id, title=a.title),
            f"Ny sista dag: {format_date(new_due)} (tidigare {format_date(previous)}).",
            _("Skäl: {value}", value=args.reason),
        ],
    )
    tell(ctx, a.assignee, notice, kind="assignment_extended", key=f"a{a.id}:x{ext.id}")
    by = "" if meeting.forum_id == a.forum_id else f"i {forum_label(meeting.forum)} "
    return Reply(
        title=_("Uppdrag {id} förlängt till {new_due}", id=a.id, new_due=format_date(new_due)),
        lines=[
            _("Uppdrag {id}: {title} ska nu vara klart senast {new_due}, i stället för "
              "{previous}. Ansvarig: {assignee}.",
              id=a.id, title=a.title, new_due=format_date(new_due, sentence=True), previous=format_date(previous, sentence=True), assignee=person_label(a.assignee)),
            _("Beslutat på mötet {by}{meeting}. Skäl: {value}",
              by=by, meeting=meeting_label(meeting, sentence=True), value=args.reason),
        ],
        sections=[Section(heading=_("Förlängningar"), lines=extension_lines(ctx, a))],
    )


# ------------------------------------------------------------------------------------ /uppdrag klar


@dataclass(frozen=True)
class CloseAssignment:
    """/uppdrag klar ID [notering]"""
    number: int
    note: str = ""


def parse_close_assignment(args: str, dates: Dates) -> CloseAssignment:
    number, note = parse_id(args, usage=CLOSE_USAGE)
    return CloseAssignment(number=number, note=" ".join(note.split()))


@command(
    "uppdrag klar",
    "uppdrag klart",
    "uppdrag avsluta",
    "close assignment",
    usage=CLOSE_USAGE + " [notering]",
    help=_("markera ett uppdrag som klart"),
    roles=RECORDERS,
    doing=_("stänga uppdrag"),
    args=parse_close_assignment,
    order=42,
)
def close_assignment(ctx: Context, args: CloseAssignment) -> Reply:
    note = args.note
    a = find_assignment(ctx, args.number)
    require_command_role(ctx, a.forum)
    if a.closed_at is not None:
        raise UserError(_("Uppdrag {id} är redan klart sedan {closed_at}.", id=a.id, closed_at=format_date(a.closed_at, sentence=True)))
    a.closed_at = ctx.now
    if a.case is not None:
        add_event(ctx, a.case, "uppdrag_klart", _("Uppdrag {id} ({name}) är klart", id=a.id, name=a.assignee.name)
                  + (f": {note}." if note else "."))
    ctx.session.flush()
    ctx.audit("assignment.close", "assignment", a.id, note=note or None)
    tell(ctx, a.assignee, Reply(
        title=_("Uppdrag {id} är klart", id=a.id),
        lines=[_("Ditt uppdrag {id}: {title} är markerat som klart {now}. Tack!",
                 id=a.id, title=a.title, now=format_date(ctx.now, sentence=True))],
    ), kind="assignment_closed", key=f"a{a.id}")
    late = _(" Det var {days} försenat.", days=format_days((ctx.today - a.due).days)) if a.due < ctx.today else ""
    return Reply(
        title=f"Uppdrag {a.id} klart",
        lines=[_("Uppdrag {id}: {title} är klart {now}.{late}",
                 id=a.id, title=a.title, now=format_date(ctx.now, sentence=True), late=late),
               f"Ansvarig: {person_label(a.assignee)}."],
    )


# ------------------------------------------------------------------------------------ /uppdrag


@dataclass(frozen=True)
class ListAssignments:
    """/uppdrag [alla | försenade | @användarnamn | ID] [; forum: ID]"""
    which: str = "mine"  # 'mine', 'all', 'overdue', or 'other': one assignment (`number`) or a person's
    number: int | None = None
    # A '@handle' or a name as typed; whether it names anyone is the handler's question (and the text is
    # refused, saying what to type, when it does not).
    person: str | None = None
    forum: str | None = None  # the '; forum: ID' as typed


def parse_list_assignments(args: str, dates: Dates) -> ListAssignments:
    forum, rest = take_option(args, "forum")
    typed = _typed(forum)
    word = normalise(rest)
    if word in ("", "mina", "mine"):
        return ListAssignments(which="mine", forum=typed)
    if word in ("alla", "all"):
        return ListAssignments(which="all", forum=typed)
    if word in ("forsenade", "forsenat", "overdue"):
        return ListAssignments(which="overdue", forum=typed)
    if re.fullmatch(r"#?\d+", rest.strip()):
        number = limits.number(rest.strip().lstrip("#"), what="Uppdrag",
                               hint=_("/uppdrag alla visar de öppna uppdragen."))
        return ListAssignments(which="other", number=number, forum=typed)
    return ListAssignments(which="other", person=rest, forum=typed)


def _listing(ctx: Context, title: str, found: list[AssignmentLine], *, empty: str, show_assignee: bool = True) -> Reply:
    if not found:
        return Reply(title=title, lines=[empty], restricted=True)
    overdue = sum(1 for a in found if a.due < ctx.today)
    count = ngettext("{n} öppet uppdrag", "{n} öppna uppdrag", len(found))
    context = [count + (ngettext(", varav {n} försenat.", ", varav {n} försenade.", overdue) if overdue else ".")]
    return Reply(title=title, sections=[assignment_section(ctx, a, show_assignee=show_assignee) for a in found],
                 context=context, restricted=True)


@command(
    "uppdrag",
    "assignments",
    usage=LIST_USAGE,
    help=_("öppna uppdrag med sista dag och förlängningar: dina egna, alla (samordnare), "
           "försenade eller en persons"),
    args=parse_list_assignments,
    order=39,
)
def list_assignments(ctx: Context, args: ListAssignments) -> Reply:
    named = named_forum(ctx, args.forum)
    if args.which == "mine":
        forums = [named] if named else None
        found = store.open_assignments(ctx.session, assignee=ctx.person, forums=forums)
        return _listing(ctx, _("Dina öppna uppdrag"), found, empty=_("Du har inga öppna uppdrag."), show_assignee=False)
    if args.which == "all":
        forums = overview_forums(ctx, named, doing="se alla uppdrag")
        found = store.open_assignments(ctx.session, forums=forums)
        names = ", ".join(forum_label(f) for f in forums)
        return _listing(ctx, _("Öppna uppdrag – {names}", names=names), found, empty=_("Inga öppna uppdrag i {names}.", names=names))
    if args.which == "overdue":
        forums = [f for f in queries.forums_of(ctx.session, ctx.person, sitting=ctx.today) if has_role(ctx, f, OVERVIEW)]
        if named is not None:
            forums = [named] if named in forums else []
        if forums:
            found = store.open_assignments(ctx.session, forums=forums, due_before=ctx.today)
            names = ", ".join(forum_label(f) for f in forums)
            return _listing(ctx, _("Försenade uppdrag – {names}", names=names), found,
                            empty=_("Inga försenade uppdrag i {names} i dag, {today}.", names=names, today=format_date(ctx.today, sentence=True)))
        found = store.open_assignments(ctx.session, assignee=ctx.person, due_before=ctx.today)
        return _listing(ctx, _("Dina försenade uppdrag"), found, show_assignee=False,
                        empty=_("Du har inga försenade uppdrag i dag, {today}.", today=format_date(ctx.today, sentence=True)))
    if args.number is not None:
        a = find_assignment(ctx, args.number)
        if a.assignee_id != ctx.person.id and a.forum not in queries.forums_of(ctx.session, ctx.person, sitting=ctx.today):
            raise UserError(_("Uppdrag {id} visas bara för den som har det och för {forum}. Skriv /uppdrag för "
                              "dina egna.",
                              id=a.id, forum=forum_label(a.forum)))
        return Reply(title=f"Uppdrag {a.id}", sections=[assignment_section(ctx, store.line_of(a))], restricted=True)
    rest = args.person or ""
    if rest.strip().startswith("@") or people_named(ctx, rest):
        person = person_arg(ctx, rest.strip().split()[0] if rest.strip().startswith("@") else rest,
                            field="personen")
        if person.id == ctx.person.id:
            found = store.open_assignments(ctx.session, assignee=person)
            return _listing(ctx, _("Dina öppna uppdrag"), found, empty=_("Du har inga öppna uppdrag."),
                            show_assignee=False)
        forums = overview_forums(ctx, named, doing="se andras uppdrag")
        found = store.open_assignments(ctx.session, assignee=person, forums=forums)
        return _listing(ctx, _("Öppna uppdrag – {name}", name=person.name), found,
                        empty=_("{name} har inga öppna uppdrag i dina forum.", name=person.name), show_assignee=False)
    raise UserError(
        _("Jag förstår inte ”{rest}”. Skriv {LIST_USAGE}, eller {NEW_USAGE} för att föra "
          "in ett nytt.",
          rest=rest, LIST_USAGE=LIST_USAGE, NEW_USAGE=NEW_USAGE)
    )
