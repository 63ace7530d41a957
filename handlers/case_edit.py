"""Correcting a case and taking it off an agenda: /ärende NR ändra …, /beredning NR av.

The coordinator may correct any open case; the sender may correct their own while it is aktualiserat.
A change to a case on a published agenda does not change that agenda (a record): it shows in the next
published version. Taking a case off an agenda is for agendas not yet published; a published one keeps
its items, and the case is sent back (/beredning NR åter SKÄL) instead.
"""
from __future__ import annotations

import re

from handlers import limits
from handlers.base import Context, Reply, UserError
from handlers.cases import (
    PREPARERS,
    add_event,
    case_fields,
    case_title,
    genitive,
    meeting_day,
    read_options,
    read_purpose,
    refuse_if_closed,
    tell,
)
from handlers.common import PURPOSE_NAMES, forum_label, meeting_label
from storage.models import Case

EDIT_USAGE = "/ärende NR ändra; titel: …; beskrivning: …; syfte: …; förslag: …"
EDIT_KEYS = {
    "titel": "titel", "title": "titel", "rubrik": "titel",
    "beskrivning": "beskrivning", "description": "beskrivning",
    "syfte": "syfte", "purpose": "syfte",
    "forslag": "förslag", "forslag till beslut": "förslag", "proposal": "förslag",
}


def edit_case(ctx: Context, case: Case, text: str) -> Reply:
    """'ändra; titel: …; syfte: …' on a case."""
    refuse_if_closed(case)
    coordinator = bool(ctx.roles_in(case.forum) & PREPARERS)
    sender = ctx.person.id == case.raised_by_id
    if not coordinator and not (sender and case.status == "aktualiserat"):
        why = ("Du kan ändra ditt eget ärende bara medan det väntar på beredning (aktualiserat)."
               if sender else "Bara samordnaren och den som anmält ärendet kan ändra det.")
        raise UserError(f"{why} Be samordnaren ändra ärende {case.number}.")
    body = re.sub(r"^[^\s;]+", "", text.strip(), count=1).strip()  # the word 'ändra'
    body = body if body.startswith(";") else ";" + body
    __, options = read_options(body, EDIT_KEYS, usage=EDIT_USAGE)
    if not options:
        raise UserError(f"Skriv vad som ändras, till exempel '/ärende {case.number} ändra; titel: Ny rubrik'. "
                        f"Skriv: {EDIT_USAGE}")
    changes: list[str] = []
    before: dict[str, str | None] = {}
    if "titel" in options:
        title = " ".join(options["titel"].split())
        if not title:
            raise UserError(f"Skriv den nya titeln efter 'titel:'. Skriv: {EDIT_USAGE}")
        limits.title(title, what="Ärendets titel")
        if title != case.title:
            before["titel"] = case.title
            case.title = title
            changes.append(f"titel '{title}'")
    for key, what in (("beskrivning", "Beskrivningen"), ("förslag", "Förslaget")):
        if key in options:
            limits.text(options[key], what=what)
    if "beskrivning" in options and options["beskrivning"] != (case.description or ""):
        before["beskrivning"] = case.description
        case.description = options["beskrivning"] or None
        changes.append("beskrivning")
    if "syfte" in options:
        purpose = read_purpose(options["syfte"])
        if purpose != case.purpose:
            before["syfte"] = case.purpose
            case.purpose = purpose
            changes.append(f"syfte {PURPOSE_NAMES[purpose].lower()}")
    if "förslag" in options and options["förslag"] != (case.proposal or ""):
        before["förslag"] = case.proposal
        case.proposal = options["förslag"] or None
        changes.append("förslag till beslut")
    if not changes:
        return Reply(title=f"Ärende {case.number}: inget ändrades",
                     lines=[f"Ärende {case_title(case)} har redan de uppgifterna."])
    add_event(ctx, case, "andrat", "Ändrat: " + ", ".join(changes) + ".")
    ctx.session.flush()
    ctx.audit("case.edit", "case", case.id, number=case.number, changes=changes, before=before)
    lines = [f"Ärende {case.number} är ändrat: " + ", ".join(changes) + "."]
    meeting = case.meeting if case.status == "pa_dagordning" else None
    if meeting is not None and meeting.agenda_published_at is not None:
        lines.append(f"Dagordningen till mötet {meeting_label(meeting)} är redan publicerad och ändras inte; "
                     "ändringen syns i nästa publicerade version. Publicera den med "
                     f"/publicera dagordning {meeting_day(meeting).isoformat()}; forum: {case.forum.key}.")
    if case.raised_by is not None and case.raised_by_id != ctx.person.id:
        notice = Reply(title=f"Ärende {case.number} är ändrat",
                       lines=[f"{ctx.person.name} har ändrat ditt ärende {case_title(case)} i "
                              f"{forum_label(case.forum)}: " + ", ".join(changes) + "."])
        tell(ctx, case.raised_by, notice, kind="case_edited", key=f"c{case.id}:{ctx.now.isoformat()}")
    return Reply(title=f"Ärende {case.number} ändrat", lines=lines, fields=case_fields(ctx, case))


def take_off_agenda(ctx: Context, case: Case, reason: str) -> Reply:
    """'/beredning NR av': off an unpublished agenda, back to aktualiserat; the sender is told."""
    reason = " ".join(reason.lstrip(":–- ").split())
    meeting = case.meeting if case.status == "pa_dagordning" else None
    if meeting is None:
        raise UserError(f"Ärende {case_title(case)} står inte på någon dagordning. Lägg det på ett möte med "
                        f"/beredning {case.number} dagordning DATUM.")
    day = meeting_day(meeting).isoformat()
    if meeting.agenda_published_at is not None:
        raise UserError(
            f"Dagordningen till mötet {meeting_label(meeting)} är publicerad och ändras inte. Skicka i stället "
            f"tillbaka ärendet med /beredning {case.number} åter SKÄL och publicera dagordningen igen med "
            f"/publicera dagordning {day}, eller låt mötet bordlägga det."
        )
    case.status = "aktualiserat"
    case.meeting_id, case.meeting, case.agenda_order, case.late_addition = None, None, None, False
    detail = f"Togs av dagordningen för mötet {meeting_label(meeting)}" + (f": {reason}" if reason else "")
    add_event(ctx, case, "av_dagordningen", detail + ".")
    ctx.session.flush()
    ctx.audit("case.off_agenda", "case", case.id, number=case.number, meeting=meeting.starts_at,
              reason=reason or None)
    notice = Reply(
        title=f"Ärende {case.number} är taget av dagordningen",
        lines=[f"Ditt ärende {case_title(case)} tas inte upp på {genitive(case.forum)} möte "
               f"{meeting_label(meeting)}. Det väntar på beredning till ett senare möte."]
        + ([f"Skäl: {reason}"] if reason else []),
    )
    told = tell(ctx, case.raised_by, notice, kind="case_off_agenda", key=f"c{case.id}:{ctx.now.isoformat()}")
    lines = [f"Ärende {case_title(case)} är taget av dagordningen för mötet {meeting_label(meeting)} och är "
             "aktualiserat igen."]
    if told:
        lines.append(f"{case.raised_by.name} som anmälde ärendet har fått besked.")
    lines.append(f"Lägg det på ett annat möte med /beredning {case.number} dagordning DATUM.")
    return Reply(title=f"Ärende {case.number} av dagordningen", lines=lines, fields=case_fields(ctx, case))
