"""Minnesanteckningar: the minutes draft built from the meeting, the secretary's notes, and sending.

The draft follows seed 002: heading, Datum, Dnr, the forum, day, time and place, Närvarande (members
minus whole-meeting absences, substitutes shown, part-time absences noted), Frånvarande, then the
numbered items with presenters, the secretary's notes, "att …" decisions in bold, the responsible,
assignments and follow-ups. Absence notes are never part of it.

Commands (secretary or coordinator of the forum):

    /minnesanteckningar [DATUM]                              the draft, in chat
    /minnesanteckningar tillägg [DATUM] [punkt N]: TEXT      add a paragraph (to item N, else the general notes)
    /minnesanteckningar redigera [DATUM] [punkt N]: TEXT     replace those notes with TEXT (empty TEXT removes them)
    /minnesanteckningar skickade [DATUM]                     mark them sent and post them to the forum channel

Without DATUM the latest meeting that has started is meant. The notes live in Meeting.minutes_text as
plain text: general notes first, then a line "[punkt N]" before the notes of item N.

Sending stores the minutes as sent (Meeting.minutes_record, the plain text in minutes_sent_text and its
SHA-256); from then on every reader gets that record and nothing rebuilds it. Decisions, assignments and
follow-ups come from the meeting's own agenda items, so a case moving on to another meeting never changes
these minutes, and the next meeting's minutes never repeat them.
"""
from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass, field
from datetime import date, datetime

from sqlalchemy import or_, select
from sqlalchemy.orm import Session

from handlers import kallelse, limits
from handlers.absence_rules import Part, absence_part
from handlers.agenda_model import agenda_items, item_numbers
from handlers.base import Action, Context, Reply, Section, UserError
from handlers.arguments import Dates, MeetingRef, held_meeting_ref
from handlers.common import forum_label, person_label
from handlers.options import take_option
from handlers.fmt import format_date, local
from handlers.publication import (
    ItemDoc,
    MeetingInfo,
    _fields,
    _when,
    item_blocks,
    item_doc,
    item_from_record,
    meeting_from_record,
    meeting_info,
    paragraphs,
    previous_meeting,
    record,
)
from handlers.registry import HELD_MEETING_ARG, command, normalise
from storage import queries
from storage.models import Assignment, AssignmentExtension, Decision, FollowUp, Meeting, Person
from handlers.i18n import _

WRITERS = {"secretary", "coordinator"}
APPROVE_AGENDA = _("att godkänna dagordningen.")
FILE_PREVIOUS = _("att lägga minnesanteckningarna till handlingarna.")

# ------------------------------------------------------------------------------------ notes


_NOTE_HEADER = re.compile(r"^\[punkt (\d+)\]\s*$", re.IGNORECASE)


def parse_notes(text: str | None) -> dict[int | None, str]:
    """Meeting.minutes_text → {None: general notes, N: notes of item N}."""
    notes: dict[int | None, list[str]] = {None: []}
    key: int | None = None
    for line in (text or "").splitlines():
        m = _NOTE_HEADER.match(line.strip())
        if m:
            key = int(m.group(1))
            notes.setdefault(key, [])
            continue
        notes.setdefault(key, []).append(line)
    return {k: "\n".join(v).strip() for k, v in notes.items() if "\n".join(v).strip()}


def dump_notes(notes: dict[int | None, str]) -> str | None:
    parts = []
    if notes.get(None):
        parts.append(notes[None].strip())
    for key in sorted(k for k in notes if k is not None):
        if notes[key].strip():
            parts.append(f"[punkt {key}]\n{notes[key].strip()}")
    return "\n\n".join(parts) or None


# ------------------------------------------------------------------------------------ the draft


@dataclass
class MinutesDoc:
    meeting: MeetingInfo
    date: date  # the minutes' own date (Datum): when sent, else today
    present: list[str]
    absent: list[str]
    presenters_below: bool  # "samt föredragande enligt nedan"
    notes: list[str]
    items: list[ItemDoc]
    decided_by: str
    other_assignments: list[str] = field(default_factory=list)
    sent: bool = False

    @property
    def heading_forum(self) -> str:
        m = self.meeting
        return f"{m.forum_name} ({m.forum_label})" if m.forum_label != m.forum_name else m.forum_name


def _name(person: Person | None) -> str:
    if person is None:
        return "–"
    return "borttagen person" if person.erased else person.name


def assignment_line(a: Assignment) -> str:
    line = f"{_name(a.assignee)}: {a.title}, senast {format_date(a.due)}"
    if a.extensions:
        line += _(" (förlängt från {previous_due})", previous_due=format_date(a.extensions[0].previous_due))
    if a.report_back:
        line += _(", återrapporteras")
    return line


def _decision_lines(text: str) -> list[str]:
    return [line.strip() for line in text.splitlines() if line.strip()]


def minutes_doc(session: Session, meeting: Meeting, *, now: datetime) -> MinutesDoc:
    """The minutes of a meeting: once sent, exactly as they were sent; before that, the draft built from
    what the store knows about the meeting."""
    if meeting.minutes_record is not None:
        return minutes_from_record(meeting.minutes_record)
    return draft_minutes(session, meeting, now=now)


def minutes_from_record(data: dict) -> MinutesDoc:  # type: ignore[type-arg]
    values = _fields(MinutesDoc, data)
    values["meeting"] = meeting_from_record(data["meeting"])
    values["date"] = _when(data["date"], date)
    values["items"] = [item_from_record(i) for i in data["items"]]
    return MinutesDoc(**values)


def minutes_text(doc: MinutesDoc) -> str:
    """The minutes as plain text, as they were sent: what the SHA-256 on the meeting page is taken over."""
    m = doc.meeting
    out = ["Minnesanteckningar", f"Datum: {doc.date.isoformat()}"]
    if m.dnr:
        out.append(f"Dnr: {m.dnr}")
    out += [doc.heading_forum, m.date_text, f"Tid: {m.time_text}"]
    if m.place:
        out.append(f"Plats: {m.place}")
    present = ", ".join(doc.present) or "–"
    if doc.presenters_below:
        present += _(" samt föredragande enligt nedan")
    out += [_("Närvarande: {present}.", present=present), _("Frånvarande: {value}.", value=', '.join(doc.absent) or '–')]
    out += list(doc.notes)
    for item in doc.items:
        out += ["", item.heading + (f" ({item.case_number})" if item.case_number else "")]
        out += [_block_text(b) for b in item_blocks(item, decided_by=doc.decided_by, minutes=True)]
    if doc.other_assignments:
        out += ["", "Uppdrag", *doc.other_assignments]
    return "\n".join(out) + "\n"


def draft_minutes(session: Session, meeting: Meeting, *, now: datetime) -> MinutesDoc:
    """Build the minutes of a meeting from what the store knows about it."""
    forum = meeting.forum
    info = meeting_info(session, meeting)
    day = info.day
    label = forum_label(forum)

    # Attendance: members on the meeting day, minus whole-meeting absences; never the note.
    members = queries.members_of(session, forum, on=day)
    absences = {a.person_id: a for a in queries.absences_of_meeting(session, meeting)}
    present, absent = [], []
    for person in members:
        a = absences.get(person.id)
        if a is None:
            present.append(_name(person))
        elif Part.of(a).whole:
            absent.append(_name(person))
        else:
            present.append(_("{person} (frånvarande {a})", person=_name(person), a=absence_part(a)))
    member_ids = {p.id for p in members}
    for a in absences.values():
        if a.person_id not in member_ids and Part.of(a).whole:
            absent.append(_name(a.person))
        if a.substitute is not None:
            present.append(_("{substitute} (ersättare för {person})", substitute=_name(a.substitute), person=_name(a.person)))

    notes = parse_notes(meeting.minutes_text)
    items: list[ItemDoc] = []
    rows = agenda_items(session, meeting)
    by_item: dict[int, ItemDoc] = {}
    by_case: dict[int, ItemDoc] = {}
    presenter_ids: set[int] = set()
    for row in rows:
        doc = item_doc(row)
        key = normalise(row.title)
        if row.standing and key.startswith("godkannande av dagordning"):
            doc.decisions = [APPROVE_AGENDA]
        elif row.standing and key.startswith("foregaende minnesanteckningar"):
            prev = previous_meeting(session, meeting)
            if prev is not None:
                doc.title = f"{row.title} {label} {format_date(prev.starts_at)}"
                doc.decisions = [FILE_PREVIOUS]
        if row.id is not None:
            by_item[row.id] = doc
        if row.case_id is not None:
            by_case[row.case_id] = doc
        if row.presenter_id is not None:
            presenter_ids.add(row.presenter_id)
        items.append(doc)

    # Decisions taken under the meeting's items (and, from before items were stored, at the meeting).
    item_ids = list(by_item)
    conds = [(Decision.item_id.is_(None)) & (Decision.meeting_id == meeting.id)]
    if item_ids:
        conds.append(Decision.item_id.in_(item_ids))
    recorded: set[int] = set()
    for d in session.scalars(select(Decision).where(or_(*conds)).order_by(Decision.id)):
        doc = by_item.get(d.item_id) if d.item_id else by_case.get(d.case_id)  # type: ignore[arg-type]
        if doc is None:
            if d.case is None:
                continue
            doc = ItemDoc(number=len(items) + 1, title=d.case.title, case_number=d.case.number)
            items.append(doc)
            by_case[d.case_id] = doc  # type: ignore[index]
        if id(doc) not in recorded:
            doc.decisions = []  # a recorded decision replaces the standing items' usual wording
            recorded.add(id(doc))
        doc.decisions += _decision_lines(d.text)
        doc.returned = doc.returned or d.text.startswith("att återremittera")
        if d.responsible is not None and person_label(d.responsible) not in doc.responsible:
            doc.responsible.append(person_label(d.responsible))

    # Assignments given under the meeting's items, and those decided on the meeting day without an item.
    other: list[str] = []
    a_conds = [(Assignment.item_id.is_(None)) & (Assignment.decided_on == day)]
    if item_ids:
        a_conds.append(Assignment.item_id.in_(item_ids))
    listed: set[int] = set()
    for a in session.scalars(
        select(Assignment).where(Assignment.forum_id == forum.id, or_(*a_conds)).order_by(Assignment.id)
    ):
        listed.add(a.id)
        doc = by_item.get(a.item_id) if a.item_id else (by_case.get(a.case_id) if a.case_id else None)
        (doc.assignments if doc else other).append(assignment_line(a))
    # Extensions decided at the meeting, of assignments not listed above.
    for x in session.scalars(
        select(AssignmentExtension)
        .join(Assignment, Assignment.id == AssignmentExtension.assignment_id)
        .where(
            Assignment.forum_id == forum.id,
            or_(AssignmentExtension.meeting_id == meeting.id, AssignmentExtension.decided_on == day),
        )
        .order_by(AssignmentExtension.id)
    ):
        if x.assignment_id in listed:
            continue
        a = x.assignment
        other.append(
            _("{assignee}: {title}, förlängt till {new_due} (tidigare {previous_due})",
              assignee=_name(a.assignee), title=a.title, new_due=format_date(x.new_due), previous_due=format_date(x.previous_due))
            + (f" – {x.reason}" if x.reason else "")
        )
    if item_ids:
        for f in session.scalars(
            select(FollowUp).where(FollowUp.item_id.in_(item_ids)).order_by(FollowUp.due, FollowUp.id)
        ):
            by_item[f.item_id].follow_ups.append(f"{_name(f.responsible)}, senast {format_date(f.due)}")

    for doc in items:
        doc.notes = paragraphs(notes.get(doc.number))
    sent_day = local(meeting.minutes_sent_at).date() if meeting.minutes_sent_at else local(now).date()
    return MinutesDoc(
        meeting=info,
        date=sent_day,
        present=present,
        absent=absent,
        presenters_below=bool(presenter_ids - member_ids),
        notes=paragraphs(notes.get(None)),
        items=items,
        decided_by=f"{label} beslutade:",
        other_assignments=other,
        sent=meeting.minutes_sent_at is not None,
    )


def _block_text(block) -> str:  # type: ignore[no-untyped-def]
    if block.link is not None and block.link.label != block.link.url:
        return f"{block.text} {block.link.url}"
    return block.text


def minutes_reply(doc: MinutesDoc, *, private: bool = True) -> Reply:
    m = doc.meeting
    title = f"Minnesanteckningar – {m.forum_label}, {m.date_text}"
    if not doc.sent:
        title += " (utkast)"
    lines = [f"Datum: {doc.date.isoformat()}"]
    if m.dnr:
        lines.append(f"Dnr: {m.dnr}")
    lines.append(doc.heading_forum)
    lines.append(f"{m.date_text}, {m.time_text}" + (f", {m.place}" if m.place else ""))
    present = ", ".join(doc.present) or "–"
    if doc.presenters_below:
        present += _(" samt föredragande enligt nedan")
    fields = [(_("Närvarande"), present), (_("Frånvarande"), ", ".join(doc.absent) or "–")]
    sections = []
    if doc.notes:
        sections.append(Section(heading="Anteckningar", lines=list(doc.notes)))
    for item in doc.items:
        heading = item.heading + (f" ({item.case_number})" if item.case_number else "")
        sections.append(
            Section(heading=heading, lines=[_block_text(b) for b in item_blocks(item, decided_by=doc.decided_by,
                                                                               minutes=True)])
        )
    if doc.other_assignments:
        sections.append(Section(heading="Uppdrag", lines=list(doc.other_assignments)))
    return Reply(title=title, lines=lines, fields=fields, sections=sections, private=private)


# ------------------------------------------------------------------------------------ the arguments


_SUBCOMMAND = re.compile(r"^\s*(tillägg|tillagg|redigera|skickade|skickad)(?=[:;,.\s]|$)[,.]?(.*)$",
                         re.IGNORECASE | re.DOTALL)


# The arguments of /minnesanteckningar and its subcommands, as typed values (handlers/arguments.py).


@dataclass(frozen=True)
class ShowMinutes:
    """/minnesanteckningar [DATUM]"""
    meeting: MeetingRef


@dataclass(frozen=True)
class EditMinutes:
    """/minnesanteckningar tillägg|redigera [DATUM] [punkt N]: TEXT"""
    meeting: MeetingRef
    append: bool
    item: int | None
    text: str


@dataclass(frozen=True)
class SentMinutes:
    """/minnesanteckningar skickade [DATUM]"""
    meeting: MeetingRef


def _edit_usage(append: bool) -> str:
    verb = "tillägg" if append else "redigera"
    return _("/minnesanteckningar {verb} 2020-09-25 punkt 5: Kristina redogjorde för arbetet.", verb=verb)


def parse_edit(args: str, dates: Dates, *, append: bool) -> EditMinutes:
    usage = _edit_usage(append)
    forum, args = take_option(args, "forum")
    if ":" not in args:
        raise UserError(_("Skriv texten efter ett kolon, till exempel: {usage}", usage=usage))
    head, __, text = args.partition(":")
    head = head.strip()
    item_no: int | None = None
    m = re.search(r"(?:^|\s)(?:punkt|p\.?)\s*(\d+)\s*$", head, re.IGNORECASE)
    if m:
        item_no = int(m.group(1))
        head = head[: m.start()].strip()
    ref, rest = held_meeting_ref(dates, head, forum)
    if rest:
        raise UserError(_("Jag förstår inte ”{rest}”. Skriv till exempel: {usage}", rest=rest, usage=usage))
    return EditMinutes(meeting=ref, append=append, item=item_no, text=text.strip())


def parse_append(args: str, dates: Dates) -> EditMinutes:
    return parse_edit(args, dates, append=True)


def parse_replace(args: str, dates: Dates) -> EditMinutes:
    return parse_edit(args, dates, append=False)


def parse_sent(args: str, dates: Dates) -> SentMinutes:
    forum, args = take_option(args, "forum")
    ref, rest = held_meeting_ref(dates, args, forum)
    if rest:
        raise UserError(_("Jag förstår inte ”{rest}”. Skriv till exempel /minnesanteckningar skickade "
                          "2020-09-25.",
                          rest=rest))
    return SentMinutes(meeting=ref)


def parse_minutes(args: str, dates: Dates) -> ShowMinutes | EditMinutes | SentMinutes:
    """'/minnesanteckningar' and its arguments; 'tillägg: …' and the like are its subcommands (the command
    table splits words at spaces only)."""
    m = _SUBCOMMAND.match(args)
    if m:
        verb = normalise(m.group(1))
        if verb == "tillagg":
            return parse_append(m.group(2), dates)
        if verb == "redigera":
            return parse_replace(m.group(2), dates)
        return parse_sent(m.group(2), dates)
    forum, args = take_option(args, "forum")
    ref, rest = held_meeting_ref(dates, args, forum)
    if rest:
        raise UserError(
            _("Jag förstår inte ”{rest}”. Skriv /minnesanteckningar DATUM för utkastet, eller "
              "/minnesanteckningar tillägg DATUM punkt N: TEXT för att skriva i det.",
              rest=rest)
        )
    return ShowMinutes(meeting=ref)


def _meeting_ref(meeting: Meeting) -> str:
    return f"{local(meeting.starts_at).date().isoformat()}; forum: {meeting.forum.key}"


# ------------------------------------------------------------------------------------ commands


@command(
    "minnesanteckningar",
    "minutes",
    usage="/minnesanteckningar [DATUM]",
    help=_("utkastet till minnesanteckningar för ett möte (närvaro, punkter, beslut, uppdrag, återkoppling)"),
    roles=WRITERS,
    doing=_("se utkastet till minnesanteckningar"),
    meeting=HELD_MEETING_ARG,
    args=parse_minutes,
    order=60,
)
def show_minutes(ctx: Context, meeting: Meeting, args: ShowMinutes | EditMinutes | SentMinutes) -> Reply:
    # "/minnesanteckningar tillägg: …" reaches here because the command table splits words at spaces only.
    if isinstance(args, EditMinutes):
        return _edit(ctx, meeting, args)
    if isinstance(args, SentMinutes):
        return mark_minutes_sent(ctx, meeting, args)
    doc = minutes_reply(minutes_doc(ctx.session, meeting, now=ctx.now))
    ref = _meeting_ref(meeting)
    if meeting.minutes_sent_at is None:
        doc.context.append(
            _("Skriv i utkastet med /minnesanteckningar tillägg {value} punkt N: TEXT (eller "
              "redigera … för att ersätta). När de är skickade: /minnesanteckningar skickade "
              "{value}.",
              value=ref.split(';')[0])
        )
        doc.actions.append(Action(label=_("Markera som skickade"), command=f"/minnesanteckningar skickade {ref}",
                                  style="primary"))
    else:
        doc.context.append(f"Skickade {format_date(meeting.minutes_sent_at)}.")
    # The draft is the writers'; sent minutes are the forum's, shown in its own channel.
    doc.restricted = meeting.minutes_sent_at is None or ctx.forum is None or ctx.forum.id != meeting.forum_id
    return doc


def _edit(ctx: Context, meeting: Meeting, args: EditMinutes) -> Reply:
    append, item_no, text = args.append, args.item, args.text
    usage = _edit_usage(append)
    when = format_date(meeting.starts_at, sentence=True)
    label = forum_label(meeting.forum)
    if meeting.minutes_sent_at is not None:
        raise UserError(
            _("Minnesanteckningarna för {label} {when} skickades {minutes_sent_at} och ändras "
              "inte längre. Ta upp en rättelse under Föregående minnesanteckningar på nästa "
              "möte.",
              label=label, when=when, minutes_sent_at=format_date(meeting.minutes_sent_at, sentence=True))
        )
    if append and not text:
        raise UserError(_("Texten efter kolonet saknas. Skriv till exempel: {usage}", usage=usage))
    rows = agenda_items(ctx.session, meeting)
    items = {i.number: i for i in rows if not i.sub_number}
    if item_no is not None and item_no not in items:
        raise UserError(
            _("Dagordningen för {label} {when} har punkterna {rows}; punkt {item_no} finns "
              "inte. Skriv till exempel: {usage}",
              label=label, when=when, rows=item_numbers(rows), item_no=item_no, usage=usage)
        )
    notes = parse_notes(meeting.minutes_text)
    old = notes.get(item_no, "")
    what = f"Texten under punkt {item_no}" if item_no is not None else _("Den allmänna texten")
    if append:
        notes[item_no] = limits.text(f"{old}\n\n{text}" if old else text, what=what)
    elif text:
        notes[item_no] = limits.text(text, what=what)
    else:
        notes.pop(item_no, None)
    meeting.minutes_text = dump_notes(notes)
    ctx.audit("minutes_" + ("append" if append else "replace"), "meeting", meeting.id, item=item_no)
    where = f"punkt {item_no} ({items[item_no].title})" if item_no else _("den allmänna texten")
    done = _("Lade till texten i") if append else ("Ersatte" if text else "Tog bort")
    reply = Reply(
        title=f"Minnesanteckningar – {label}, {format_date(meeting.starts_at)}",
        lines=[_("{done} {where} i minnesanteckningarna för {label} {when}.",
                 done=done, where=where, label=label, when=when)],
        sections=[Section(heading=where[:1].upper() + where[1:], lines=paragraphs(notes.get(item_no)) or ["(tomt)"])],
        context=[f"Hela utkastet: /minnesanteckningar {_meeting_ref(meeting)}"],
    )
    return reply


@command(
    "minnesanteckningar tillägg",
    "minnesanteckningar tillagg",
    "minutes add",
    usage="/minnesanteckningar tillägg [DATUM] [punkt N]: TEXT",
    help=_("lägg till ett stycke i minnesanteckningarna, under punkt N eller i den allmänna texten"),
    roles=WRITERS,
    doing=_("skriva minnesanteckningar"),
    meeting=HELD_MEETING_ARG,
    args=parse_append,
    order=61,
)
def append_minutes(ctx: Context, meeting: Meeting, args: EditMinutes) -> Reply:
    return _edit(ctx, meeting, args)


@command(
    "minnesanteckningar redigera",
    "minutes edit",
    usage="/minnesanteckningar redigera [DATUM] [punkt N]: TEXT",
    help=_("ersätt texten under punkt N (eller den allmänna texten) med TEXT; tom TEXT tar bort den"),
    roles=WRITERS,
    doing=_("skriva minnesanteckningar"),
    meeting=HELD_MEETING_ARG,
    args=parse_replace,
    order=62,
)
def replace_minutes(ctx: Context, meeting: Meeting, args: EditMinutes) -> Reply:
    return _edit(ctx, meeting, args)


@command(
    "minnesanteckningar skickade",
    "minnesanteckningar skickad",
    "minutes sent",
    usage="/minnesanteckningar skickade [DATUM]",
    help=_("markera minnesanteckningarna som skickade: de publiceras i forumets kanal och på webbsidan"),
    roles=WRITERS,
    doing=_("skicka minnesanteckningar"),
    meeting=HELD_MEETING_ARG,
    args=parse_sent,
    order=63,
)
def mark_minutes_sent(ctx: Context, meeting: Meeting, args: SentMinutes) -> Reply:
    label = forum_label(meeting.forum)
    when = format_date(meeting.starts_at, sentence=True)
    if meeting.minutes_sent_at is not None:
        return Reply(
            lines=[
                _("Minnesanteckningarna för {label} {when} är redan markerade som skickade "
                  "({minutes_sent_at}). Inget ändrades.",
                  label=label, when=when, minutes_sent_at=format_date(meeting.minutes_sent_at))
            ]
        )
    if meeting.starts_at > ctx.now:
        raise UserError(
            _("Mötet {label} {when} har inte hållits ännu, så minnesanteckningarna kan inte "
              "skickas. Skriv /minnesanteckningar skickade med datumet för ett möte som har "
              "varit.",
              label=label, when=when)
        )
    meeting.minutes_sent_at = ctx.now
    ctx.session.flush()
    # The minutes as sent are stored once and are what everyone reads from now on.
    doc = draft_minutes(ctx.session, meeting, now=ctx.now)
    meeting.minutes_record = record(doc)
    meeting.minutes_sent_text = minutes_text(doc)
    meeting.minutes_sha256 = hashlib.sha256(meeting.minutes_sent_text.encode("utf-8")).hexdigest()
    ctx.session.flush()
    ctx.notify_forum(meeting.forum, minutes_reply(doc, private=False), kind="minutes_sent", key=f"m{meeting.id}")
    kallelse.send_minutes(ctx, meeting, minutes_reply(doc))  # e-mailed with PDF and DOCX, when e-mail is on
    ctx.audit("minutes_sent", "meeting", meeting.id)
    return Reply(
        title=f"Minnesanteckningar – {label}, {format_date(meeting.starts_at)}",
        lines=[
            _("Minnesanteckningarna för {label} {when} är markerade som skickade {now}.",
              label=label, when=when, now=format_date(ctx.now, sentence=True)),
            _("De är publicerade i forumets kanal och på forumets webbsida, och påminnelserna om dem upphör."),
        ],
        context=[
            _("För diariet: kansli export minnesanteckningar {key} {isoformat} --format docx "
              "-o minnesanteckningar.docx",
              key=meeting.forum.key, isoformat=local(meeting.starts_at).date().isoformat()),
            _("Kontrollsumma (SHA-256) för texten som skickades: {minutes_sha256}. "
              "Minnesanteckningarna ändras inte längre; en rättelse tas upp under Föregående "
              "minnesanteckningar på nästa möte.",
              minutes_sha256=meeting.minutes_sha256),
        ],
    )
