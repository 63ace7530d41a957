"""Correcting a case and taking it off an agenda: /ärende NR ändra …, /beredning NR av.

The coordinator may correct any open case; the sender may correct their own while it is aktualiserat.
A change to a case on a published agenda does not change that agenda (a record): it shows in the next
published version. Taking a case off an agenda is for agendas not yet published; a published one keeps
its items, and the case is sent back (/beredning NR åter SKÄL) instead.

The commands are declared in handlers/cases.py; their parsers read the text here (read_edit, read_off_agenda)
into EditCase and OffAgenda, without a database.
"""
from __future__ import annotations

import re
from dataclasses import dataclass

from handlers import limits
from handlers.base import Context, Reply, UserError
from handlers.case_model import (
    PREPARERS,
    add_event,
    case_fields,
    case_title,
    read_purpose,
    refuse_if_closed,
    tell,
)
from handlers.meeting_choice import meeting_day
from handlers.options import read_options
from handlers.common import PURPOSE_NAMES, coordinator_word, forum_label, genitive, meeting_label
from storage.models import Case
from handlers.fmt import quote
from handlers.i18n import _

EDIT_USAGE = _("/ärende NR ändra; titel: …; beskrivning: …; syfte: …; förslag: …")
EDIT_KEYS = {
    "titel": "titel", "title": "titel", "rubrik": "titel",
    "beskrivning": "beskrivning", "description": "beskrivning",
    "syfte": "syfte", "purpose": "syfte",
    "forslag": "förslag", "forslag till beslut": "förslag", "proposal": "förslag",
}


@dataclass(frozen=True)
class EditCase:
    """/ärende NR ändra; titel: …; beskrivning: …; syfte: …; förslag: …: each field given (None: not given; an
    empty beskrivning or förslag clears it)."""
    title: str | None = None
    description: str | None = None
    purpose: str | None = None
    proposal: str | None = None


def read_edit(text: str, number: str) -> EditCase:
    """'ändra; titel: …; syfte: …' (the word 'ändra' first) on case `number`, without a database."""
    body = re.sub(r"^[^\s;]+", "", text.strip(), count=1).strip()  # the word 'ändra'
    body = body if body.startswith(";") else ";" + body
    __, options = read_options(body, EDIT_KEYS, usage=EDIT_USAGE)
    if not options:
        raise UserError(_("Skriv vad som ändras, till exempel ”/ärende {number} ändra; titel: Ny rubrik”. "
                          "Skriv: {EDIT_USAGE}",
                          number=number, EDIT_USAGE=EDIT_USAGE))
    title = None
    if "titel" in options:
        title = " ".join(options["titel"].split())
        if not title:
            raise UserError(_("Skriv den nya titeln efter ”titel:”. Skriv: {EDIT_USAGE}", EDIT_USAGE=EDIT_USAGE))
        limits.title(title, what=_("Ärendets titel"))
    for key, what in (("beskrivning", "Beskrivningen"), ("förslag", _("Förslaget"))):
        if key in options:
            limits.text(options[key], what=what)
    return EditCase(title=title, description=options.get("beskrivning"),
                    purpose=read_purpose(options["syfte"]) if "syfte" in options else None,
                    proposal=options.get("förslag"))


def edit_case(ctx: Context, case: Case, edit: EditCase) -> Reply:
    """Correct a case's title, description, purpose or proposal."""
    refuse_if_closed(case)
    coordinator = bool(ctx.roles_in(case.forum) & PREPARERS)
    sender = ctx.person.id == case.raised_by_id
    if not coordinator and not (sender and case.status == "aktualiserat"):
        why = (_("Du kan ändra ditt eget ärende bara medan det väntar på beredning (aktualiserat).")
               if sender else _("Bara {coordinator} och den som anmält ärendet kan ändra det.",
                                coordinator=coordinator_word(case.forum)))
        raise UserError(_("{why} Be {coordinator} ändra ärende {number}.", why=why,
                          coordinator=coordinator_word(case.forum), number=case.number))
    changes: list[str] = []
    before: dict[str, str | None] = {}
    if edit.title is not None and edit.title != case.title:
        before["titel"] = case.title
        case.title = edit.title
        changes.append(_("titel {title}", title=quote(edit.title)))
    if edit.description is not None and edit.description != (case.description or ""):
        before["beskrivning"] = case.description
        case.description = edit.description or None
        changes.append("beskrivning")
    if edit.purpose is not None and edit.purpose != case.purpose:
        before["syfte"] = case.purpose
        case.purpose = edit.purpose
        changes.append(f"syfte {PURPOSE_NAMES[edit.purpose].lower()}")
    if edit.proposal is not None and edit.proposal != (case.proposal or ""):
        before["förslag"] = case.proposal
        case.proposal = edit.proposal or None
        changes.append(_("förslag till beslut"))
    if not changes:
        return Reply(title=_("Ärende {number}: inget ändrades", number=case.number),
                     lines=[_("Ärende {case} har redan de uppgifterna.", case=case_title(case))])
    add_event(ctx, case, "andrat", _("Ändrat: ") + ", ".join(changes) + ".")
    ctx.session.flush()
    ctx.audit("case.edit", "case", case.id, number=case.number, changes=changes, before=before)
    lines = [_("Ärende {number} är ändrat: ", number=case.number) + ", ".join(changes) + "."]
    meeting = case.meeting if case.status == "pa_dagordning" else None
    if meeting is not None and meeting.agenda_published_at is not None:
        lines.append(_("Dagordningen till mötet {meeting} är redan publicerad och ändras inte; "
                       "ändringen syns i nästa publicerade version. Publicera den med /publicera "
                       "dagordning {isoformat}; forum: {key}.",
                       meeting=meeting_label(meeting, sentence=True), isoformat=meeting_day(meeting).isoformat(), key=case.forum.key))
    if case.raised_by is not None and case.raised_by_id != ctx.person.id:
        notice = Reply(title=_("Ärende {number} är ändrat", number=case.number),
                       lines=[_("{name} har ändrat ditt ärende {case} i {forum}: ",
                                name=ctx.person.name, case=case_title(case), forum=forum_label(case.forum)) + ", ".join(changes) + "."])
        tell(ctx, case.raised_by, notice, kind="case_edited", key=f"c{case.id}:{ctx.now.isoformat()}")
    return Reply(title=_("Ärende {number} ändrat", number=case.number), lines=lines, fields=case_fields(ctx, case))


@dataclass(frozen=True)
class OffAgenda:
    """/beredning NR av [SKÄL]"""
    reason: str = ""


def read_off_agenda(text: str) -> OffAgenda:
    """The reason after '/beredning NR av', if any ('av: krockar med …')."""
    return OffAgenda(reason=" ".join(text.lstrip(":–- ").split()))


def take_off_agenda(ctx: Context, case: Case, args: OffAgenda) -> Reply:
    """'/beredning NR av': off an unpublished agenda, back to aktualiserat; the sender is told."""
    reason = args.reason
    meeting = case.meeting if case.status == "pa_dagordning" else None
    if meeting is None:
        raise UserError(_("Ärende {case} står inte på någon dagordning. Lägg det på ett möte med "
                          "/beredning {number} dagordning DATUM.",
                          case=case_title(case), number=case.number))
    day = meeting_day(meeting).isoformat()
    if meeting.agenda_published_at is not None:
        raise UserError(
            _("Dagordningen till mötet {meeting} är publicerad och ändras inte. Skicka i "
              "stället tillbaka ärendet med /beredning {number} åter SKÄL och publicera "
              "dagordningen igen med /publicera dagordning {day}, eller låt mötet bordlägga "
              "det.",
              meeting=meeting_label(meeting, sentence=True), number=case.number, day=day)
        )
    case.status = "aktualiserat"
    case.meeting_id, case.meeting, case.agenda_order, case.late_addition = None, None, None, False
    detail = _("Togs av dagordningen för mötet {meeting}", meeting=meeting_label(meeting)) + (f": {reason}" if reason else "")
    add_event(ctx, case, "av_dagordningen", detail + ".")
    ctx.session.flush()
    ctx.audit("case.off_agenda", "case", case.id, number=case.number, meeting=meeting.starts_at,
              reason=reason or None)
    notice = Reply(
        title=_("Ärende {number} är taget av dagordningen", number=case.number),
        lines=[_("Ditt ärende {case} tas inte upp på {forum} möte {meeting}. Det väntar på "
                 "beredning till ett senare möte.",
                 case=case_title(case), forum=genitive(case.forum), meeting=meeting_label(meeting, sentence=True))]
        + ([_("Skäl: {reason}", reason=reason)] if reason else []),
    )
    told = tell(ctx, case.raised_by, notice, kind="case_off_agenda", key=f"c{case.id}:{ctx.now.isoformat()}")
    lines = [_("Ärende {case} är taget av dagordningen för mötet {meeting} och är aktualiserat "
               "igen.",
               case=case_title(case), meeting=meeting_label(meeting, sentence=True))]
    if told:
        lines.append(_("{name} som anmälde ärendet har fått besked.", name=case.raised_by.name))
    lines.append(_("Lägg det på ett annat möte med /beredning {number} dagordning DATUM.", number=case.number))
    return Reply(title=_("Ärende {number} av dagordningen", number=case.number), lines=lines, fields=case_fields(ctx, case))
