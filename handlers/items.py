"""Agenda items without a case, and the coordinator's changes to a meeting's föredragningslista.

    /punkt ny [DATUM] TITEL [; under: N] [; föredragande: @användarnamn] [; text: …] [; syfte: …] [; förslag: …]
              [; förslagsställare: …] [; bilaga: URL] [; forum: ID]
    /punkt ändra N [; möte: DATUM] [; titel: …] [; föredragande: @användarnamn] [; text: …] [; syfte: …] [; förslag: …] …
    /punkt flytta N M [; möte: DATUM] [; ny version]
    /punkt ta bort N [; möte: DATUM] [; ny version]
    /beslut punkt N [; möte: DATUM] att … [; ansvarig: @x]      (in handlers.decisions)

Reports, information and sub-items (4.1, 10.1 …) are items of their own. A published agenda is a record:
an item of the published version is not moved, removed or renumbered unless the coordinator says the
change is for a new version ('; ny version'), and then it reaches the public only when the agenda is
published again. A meeting that has been keeps its agenda as it was.
"""
from __future__ import annotations

import re
from dataclasses import dataclass

from handlers.agenda_model import (
    add_item,
    agenda_items,
    ensure_items,
    item_numbers,
    latest_version,
    remove_item,
)
from handlers.base import Context, Reply, UserError
from handlers.case_model import PREPARERS, read_attachments, read_purpose
from handlers.arguments import Dates, MeetingRef
from handlers.meeting_choice import meeting_is_over
from handlers.options import read_options
from handlers.common import forum_label, meeting_label, person_arg
from handlers.fmt import format_date, format_datetime, local
from handlers.registry import MEETING_ARG, command, normalise
from storage.models import AgendaItem, Meeting
from handlers.i18n import _

NEW_USAGE = (_("/punkt ny [DATUM] TITEL [; under: N] [; föredragande: @användarnamn] [; text: …] [; syfte: "
               "…] [; förslag: …] [; förslagsställare: …] [; bilaga: URL]"))
CHANGE_USAGE = _("/punkt ändra N [; möte: DATUM] [; titel: …] [; föredragande: @användarnamn] [; text: …] [; förslag: …]")
MOVE_USAGE = _("/punkt flytta N M [; möte: DATUM] [; ny version]")
REMOVE_USAGE = _("/punkt ta bort N [; möte: DATUM] [; ny version]")
ITEM_KEYS = {
    "under": "under", "titel": "titel", "title": "titel",
    "foredragande": "föredragande", "presenter": "föredragande",
    "text": "text", "beskrivning": "text",
    "syfte": "syfte", "purpose": "syfte",
    "forslag": "förslag", "forslag till beslut": "förslag", "proposal": "förslag",
    "forslagsstallare": "förslagsställare", "foreslas av": "förslagsställare",
    "bilaga": "bilaga", "bilagor": "bilaga",
    "mote": "möte", "meeting": "möte",
    "ny version": "ny version",
    "forum": "forum",
}
ITEM_NUMBER = re.compile(r"^(\d{1,3})(?:\.(\d{1,2}))?$")


# ------------------------------------------------------------------------------------ the arguments


@dataclass(frozen=True)
class ItemFields:
    """The item's fields an option sets; None: not given ('' for text and förslag: given empty, cleared)."""
    titel: str | None = None
    föredragande: str | None = None
    text: str | None = None
    syfte: str | None = None
    förslag: str | None = None
    förslagsställare: str | None = None
    bilaga: str | None = None


@dataclass(frozen=True)
class NewItem:
    """/punkt ny [DATUM] TITEL [; under: N] …"""
    meeting: MeetingRef
    title: str
    under: str | None = None
    fields: ItemFields = ItemFields()


@dataclass(frozen=True)
class ChangeItem:
    """/punkt ändra N [; möte: DATUM] [; titel: …] …"""
    meeting: MeetingRef
    label: str
    fields: ItemFields = ItemFields()


@dataclass(frozen=True)
class MoveItem:
    """/punkt flytta N M [; möte: DATUM] [; ny version]"""
    meeting: MeetingRef
    label: str
    to: str
    new_version: bool = False


@dataclass(frozen=True)
class RemoveItem:
    """/punkt ta bort N [; möte: DATUM] [; ny version]"""
    meeting: MeetingRef
    label: str
    new_version: bool = False


ItemArgs = NewItem | ChangeItem | MoveItem | RemoveItem
_FIELDS = ("titel", "föredragande", "text", "syfte", "förslag", "förslagsställare", "bilaga")


def _split(args: str, usage: str) -> tuple[str, dict[str, str], str | None]:
    text = args.replace("; ny version", "; ny version:")  # a flag without a value
    head, options = read_options(text, ITEM_KEYS, usage=usage)
    return head.strip(), options, options.pop("forum", None)


def _fields(options: dict[str, str], *, leave: tuple[str, ...] = ()) -> ItemFields:
    return ItemFields(**{k: options[k] for k in _FIELDS if k in options and k not in leave})


def _parse_new(args: str, dates: Dates) -> NewItem:
    head, options, forum = _split(args, NEW_USAGE)
    when, title = (None, head)
    if head:
        found, rest = dates.split(head)
        if found is not None and rest.strip():
            when, title = head[: len(head) - len(rest)].strip(), rest.strip()
    title = " ".join(title.split())
    if not title:
        raise UserError(_("Punkten behöver en rubrik. Skriv: {NEW_USAGE}.", NEW_USAGE=NEW_USAGE))
    return NewItem(meeting=MeetingRef(phrase=options.get("möte") or when, forum=forum), title=title,
                   under=options.get("under") or None, fields=_fields(options, leave=("titel",)))


def _parse_change(args: str, dates: Dates) -> ChangeItem:
    head, options, forum = _split(args, CHANGE_USAGE)
    return ChangeItem(meeting=MeetingRef(phrase=options.get("möte") or None, forum=forum), label=head,
                      fields=_fields(options))


def _parse_move(args: str, dates: Dates) -> MoveItem:
    head, options, forum = _split(args, MOVE_USAGE)
    parts = head.split()
    if len(parts) != 2 or not all(p.isdigit() for p in parts):
        raise UserError(_("Skriv vilken punkt som ska flyttas och vart: {MOVE_USAGE}, till exempel /punkt "
                          "flytta 7 5.",
                          MOVE_USAGE=MOVE_USAGE))
    return MoveItem(meeting=MeetingRef(phrase=options.get("möte") or None, forum=forum), label=parts[0],
                    to=parts[1], new_version="ny version" in options)


def _parse_remove(args: str, dates: Dates) -> RemoveItem:
    head, options, forum = _split(args, REMOVE_USAGE)
    return RemoveItem(meeting=MeetingRef(phrase=options.get("möte") or None, forum=forum), label=head,
                      new_version="ny version" in options)


def parse_item_args(args: str, dates: Dates) -> ItemArgs:
    """'/punkt' and its arguments: 'ny …', 'ändra …', 'flytta …' or 'ta bort …' into its typed value."""
    word, __, rest = args.strip().partition(" ")
    verb = normalise(word)
    if verb == "ta" and normalise(rest).startswith("bort"):
        return _parse_remove(rest.strip()[4:], dates)
    routes = {"ny": _parse_new, "nytt": _parse_new, "new": _parse_new, "andra": _parse_change,
              "change": _parse_change, "flytta": _parse_move, "move": _parse_move, "remove": _parse_remove}
    if verb not in routes:
        raise UserError(_("Skriv /punkt ny, /punkt ändra, /punkt flytta eller /punkt ta bort. Till "
                          "exempel: {NEW_USAGE}.",
                          NEW_USAGE=NEW_USAGE))
    return routes[verb](rest, dates)


# ------------------------------------------------------------------------------------ the changes


def _refuse_if_over(ctx: Context, meeting: Meeting) -> None:
    if meeting_is_over(ctx, meeting):
        raise UserError(
            _("Mötet {meeting} har varit, och dess dagordning ändras inte längre. Ta upp "
              "frågan på ett kommande möte (/punkt ny DATUM TITEL).",
              meeting=meeting_label(meeting, sentence=True))
        )


def find_item(ctx: Context, meeting: Meeting, label: str, *, usage: str) -> AgendaItem:
    """The item numbered `label` ('6', '4.1'); an unknown number is refused naming the agenda's numbers."""
    items = agenda_items(ctx.session, meeting)
    m = ITEM_NUMBER.match(label.strip())
    if m:
        number, sub = int(m.group(1)), int(m.group(2)) if m.group(2) else None
        for item in items:
            if item.number == number and item.sub_number == sub:
                return item
    raise UserError(
        _("Dagordningen för {forum} {starts_at} har punkterna {items}; punkt ”{strip}” "
          "finns inte. Skriv till exempel: {usage}",
          forum=forum_label(meeting.forum), starts_at=format_date(meeting.starts_at, sentence=True), items=item_numbers(items), strip=label.strip(), usage=usage)
    )


def refuse_if_published(ctx: Context, meeting: Meeting, item: AgendaItem, new_version: bool, *,
                        doing: str, command_text: str) -> None:
    """An item of the published agenda is not moved, removed or renumbered except for a new version."""
    version = latest_version(ctx.session, meeting)
    if version is None or new_version:
        return
    if item.id not in {i.get("item_id") for i in version.content.get("items", [])}:
        return
    raise UserError(
        _("Punkt {label} står i den publicerade dagordningen för {forum} {starts_at} "
          "(version {version}, publicerad {published_at}), och en publicerad dagordning "
          "ändras inte. För att {doing} i en ny version: skriv {command_text}; möte: "
          "{isoformat}; forum: {key}; ny version, och publicera sedan den nya versionen "
          "med /publicera dagordning {starts_at}.",
          label=item.label, forum=forum_label(meeting.forum), starts_at=format_date(meeting.starts_at, sentence=True), version=version.version, published_at=format_datetime(version.published_at), doing=doing, command_text=command_text, isoformat=local(meeting.starts_at).date().isoformat(), key=meeting.forum.key)
    )


def _apply(ctx: Context, item: AgendaItem, fields: ItemFields) -> list[str]:
    changes = []
    if fields.titel:
        item.title = " ".join(fields.titel.split())
        changes.append("titel")
    if fields.föredragande:
        presenter = person_arg(ctx, fields.föredragande, field="föredragande")
        item.presenter_id, item.presenter = presenter.id, presenter
        changes.append(_("föredragande {name}", name=presenter.name))
    if fields.text is not None:
        item.text = fields.text or None
        changes.append("text")
    if fields.syfte:
        item.purpose = read_purpose(fields.syfte)
        changes.append("syfte")
    if fields.förslag is not None:
        item.proposal = fields.förslag or None
        changes.append("förslag")
    if fields.förslagsställare:
        item.proposer = fields.förslagsställare
        changes.append("förslagsställare")
    if fields.bilaga:
        item.attachments = [*(item.attachments or []),
                            *({"url": url, "title": title} for url, title in read_attachments(fields.bilaga))]
        changes.append("bilaga")
    return changes


def _after(ctx: Context, meeting: Meeting, lines: list[str]) -> Reply:
    if latest_version(ctx.session, meeting) is not None:
        lines.append(_("Dagordningen är publicerad: ändringen syns för forumet när du publicerar den "
                       "igen med /publicera dagordning {starts_at}.",
                       starts_at=format_date(meeting.starts_at)))
    return Reply(title=f"Dagordningen – {forum_label(meeting.forum)} {format_date(meeting.starts_at)}", lines=lines)


def new_item(ctx: Context, meeting: Meeting, args: NewItem) -> Reply:
    title = args.title
    under = None
    if args.under:
        parent = find_item(ctx, meeting, args.under, usage=NEW_USAGE)
        if parent.sub_number:
            raise UserError(_("Underpunkter läggs under en huvudpunkt, till exempel ”; under: {number}”.", number=parent.number))
        under = parent.number
    ensure_items(ctx.session, meeting, now=ctx.now)
    item = add_item(ctx.session, meeting, now=ctx.now, title=title, under=under)
    _apply(ctx, item, args.fields)
    ctx.session.flush()
    ctx.audit("agenda.item_new", "meeting", meeting.id, item=item.label, title=title)
    late = _(" som tillkommande punkt") if item.late_addition else ""
    return _after(ctx, meeting, [_("Punkt {label} {title} står nu{late} på dagordningen för mötet {meeting}.",
                                   label=item.label, title=title, late=late, meeting=meeting_label(meeting, sentence=True))])


def change_item(ctx: Context, meeting: Meeting, args: ChangeItem) -> Reply:
    ensure_items(ctx.session, meeting, now=ctx.now)
    item = find_item(ctx, meeting, args.label, usage=CHANGE_USAGE)
    changes = _apply(ctx, item, args.fields)
    if not changes:
        raise UserError(_("Skriv vad som ska ändras i punkt {label}, till exempel: {CHANGE_USAGE}.",
                          label=item.label, CHANGE_USAGE=CHANGE_USAGE))
    ctx.session.flush()
    ctx.audit("agenda.item_change", "meeting", meeting.id, item=item.label, changes=changes)
    return _after(ctx, meeting, [_("Punkt {label} {title} på dagordningen för mötet {meeting} är ändrad: {changes}.",
                                   label=item.label, title=item.title, meeting=meeting_label(meeting, sentence=True), changes=', '.join(changes))])


def move_item(ctx: Context, meeting: Meeting, args: MoveItem) -> Reply:
    ensure_items(ctx.session, meeting, now=ctx.now)
    item = find_item(ctx, meeting, args.label, usage=MOVE_USAGE)
    target = find_item(ctx, meeting, args.to, usage=MOVE_USAGE)
    old, new = item.number, target.number
    if old == new:
        raise UserError(_("Punkt {old} står redan som punkt {new}; inget ändrades.", old=old, new=new))
    rows = agenda_items(ctx.session, meeting)
    touched = [r for r in rows if min(old, new) <= r.number <= max(old, new)]
    for r in touched:  # every item that gets a new number is checked against the published version
        refuse_if_published(ctx, meeting, r, args.new_version, doing="flytta punkten",
                            command_text=f"/punkt flytta {old} {new}")
    for r in touched:
        if r.number == old:
            r.number = new
        elif old < new:
            r.number -= 1
        else:
            r.number += 1
    ctx.session.flush()
    ctx.audit("agenda.item_move", "meeting", meeting.id, item=old, to=new)
    return _after(ctx, meeting, [_("Punkt {old} {title} är nu punkt {new} på dagordningen för mötet {meeting}; "
                                   "punkterna däremellan har fått nya nummer.",
                                   old=old, title=item.title, new=new, meeting=meeting_label(meeting, sentence=True))])


def remove(ctx: Context, meeting: Meeting, args: RemoveItem) -> Reply:
    ensure_items(ctx.session, meeting, now=ctx.now)
    item = find_item(ctx, meeting, args.label, usage=REMOVE_USAGE)
    if item.case is not None:
        raise UserError(
            _("Punkt {label} är ärende {number}. Ta bort det från dagordningen med /beredning "
              "{number} åter SKÄL (den som anmält det får veta varför), eller flytta det med "
              "/beredning {number} dagordning DATUM.",
              label=item.label, number=item.case.number)
        )
    later = [r for r in agenda_items(ctx.session, meeting) if r.number >= item.number]
    for r in later:
        refuse_if_published(ctx, meeting, r, args.new_version, doing="ta bort punkten",
                            command_text=f"/punkt ta bort {item.label}")
    label, title = item.label, item.title
    remove_item(ctx.session, item)
    ctx.audit("agenda.item_remove", "meeting", meeting.id, item=label, title=title)
    return _after(ctx, meeting, [_("Punkt {label} {title} är borttagen från dagordningen för mötet {meeting}.",
                                   label=label, title=title, meeting=meeting_label(meeting, sentence=True))])


@command(
    "punkt",
    "punkter",
    "item",
    usage="/punkt ny | ändra | flytta | ta bort …",
    help=_("punkter utan ärende på dagordningen (rapporter, information, underpunkter), och "
           "ändringar i ordningen"),
    roles=PREPARERS,
    doing=_("ändra dagordningen"),
    meeting=MEETING_ARG,
    args=parse_item_args,
    order=25,
)
def item_command(ctx: Context, meeting: Meeting, args: ItemArgs) -> Reply:
    _refuse_if_over(ctx, meeting)
    if isinstance(args, NewItem):
        return new_item(ctx, meeting, args)
    if isinstance(args, ChangeItem):
        return change_item(ctx, meeting, args)
    if isinstance(args, MoveItem):
        return move_item(ctx, meeting, args)
    return remove(ctx, meeting, args)
