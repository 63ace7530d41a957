"""Follow-ups (återkoppling): when a case comes back to the forum, and who reports back.

Seed 001 step 5c: a case that is to return is noted on the case list with a
follow-up date and a responsible person. FollowUp.due and FollowUp.done_at are
what the reminders read; setting the date again for the same person moves it
instead of adding a second one.
"""
from __future__ import annotations

import re

from sqlalchemy import select

from handlers.base import Context, Reply, UserError
from handlers.cases import (
    RECORDERS,
    add_event,
    case_from_args,
    case_title,
    read_day,
    refuse_if_closed,
    tell,
)
from handlers.common import forum_label, person_arg, person_label, require_role, trailing_person
from handlers.fmt import format_date
from handlers.registry import command, normalise
from storage.models import Case, FollowUp

USAGE = "/återkoppling NR DATUM @person  eller  /återkoppling NR klar [@person]"
MENTION = re.compile(r"(?<!\S)@(\S*[^\s.,;:!?])")


def _take_mention(text: str) -> tuple[str | None, str]:
    m = MENTION.search(text)
    if not m:
        return None, text.strip()
    return "@" + m.group(1), (text[: m.start()] + text[m.end():]).strip()


def _open_for(ctx: Context, case: Case) -> list[FollowUp]:
    stmt = select(FollowUp).where(FollowUp.case_id == case.id, FollowUp.done_at.is_(None)).order_by(FollowUp.due)
    return list(ctx.session.scalars(stmt))


def set_follow_up(ctx: Context, case: Case, text: str) -> Reply:
    mention, when = _take_mention(text)
    named_last = trailing_person(ctx, text) if mention is None else None  # '20 november Per Ek'
    if named_last is not None:
        mention, when = f"@{named_last[0].handle}", named_last[1]
    if mention is None:
        raise UserError(f"Ange vem som ska återkoppla som @användarnamn. Skriv: {USAGE}, till exempel "
                        f"/återkoppling {case.number} 20 november @maria.lind.")
    if not when:
        raise UserError(f"Ange datumet för återkopplingen. Skriv: {USAGE}, till exempel "
                        f"/återkoppling {case.number} 20 november {mention}.")
    responsible = person_arg(ctx, mention, field="den som ska återkoppla")
    due = read_day(ctx, when, what="datumet för återkopplingen")
    if due < ctx.today:
        raise UserError(f"{format_date(due)} har redan varit; ange ett datum framåt i tiden för återkopplingen.")
    existing = next((f for f in _open_for(ctx, case) if f.responsible_id == responsible.id), None)
    if existing is not None:
        previous = existing.due
        existing.due = due
        follow = existing
        detail = (f"Återkoppling från {responsible.name} flyttad från {format_date(previous)} "
                  f"till {format_date(due)}.")
        first = f"Återkopplingen i ärende {case_title(case)} är flyttad till {format_date(due)} " \
                f"(var {format_date(previous)})."
    else:
        from handlers.agenda import item_in_session

        item = item_in_session(ctx.session, case, ctx.now)
        follow = FollowUp(case_id=case.id, item_id=item.id if item is not None else None, due=due,
                          responsible_id=responsible.id)
        ctx.session.add(follow)
        detail = f"Återkoppling {format_date(due)}, ansvarig {responsible.name}."
        first = f"Ärende {case_title(case)} ska återkopplas till {forum_label(case.forum)} senast {format_date(due)}."
    ctx.session.flush()
    add_event(ctx, case, "aterkoppling", detail)
    ctx.audit("follow_up.set", "follow_up", follow.id, case=case.number, due=due, responsible=responsible.handle)
    notice = Reply(
        title=f"Återkoppling i ärende {case.number}",
        lines=[
            f"Du ansvarar för att återkoppla ärende {case_title(case)} till {forum_label(case.forum)} senast "
            f"{format_date(due)}.",
            "Du får en påminnelse en vecka innan och på dagen.",
        ],
    )
    told = tell(ctx, responsible, notice, kind="follow_up_set",
                key=f"f{follow.id}:{due.isoformat()}:{ctx.now.isoformat()}")
    lines = [first, f"Ansvarig: {person_label(responsible)}" + (", som har fått besked." if told else ".")]
    return Reply(title=f"Återkoppling {format_date(due)} – ärende {case.number}", lines=lines)


def close_follow_up(ctx: Context, case: Case, text: str) -> Reply:
    mention, rest = _take_mention(text)
    candidates = _open_for(ctx, case)
    if mention is not None:
        person = person_arg(ctx, mention, field="den som återkopplat")
        candidates = [f for f in candidates if f.responsible_id == person.id]
    if not candidates:
        raise UserError(f"Ärende {case_title(case)} har ingen öppen återkoppling"
                        + (f" för {mention}" if mention else "") + ". /ärende " + case.number + " visar ärendet.")
    if len(candidates) > 1:
        names = ", ".join(f"@{f.responsible.handle} ({format_date(f.due)})" for f in candidates)
        raise UserError(f"Ärende {case.number} har flera öppna återkopplingar: {names}. Skriv "
                        f"/återkoppling {case.number} klar @användarnamn.")
    follow = candidates[0]
    follow.done_at = ctx.now
    note = " ".join(rest.split())
    add_event(ctx, case, "aterkoppling_klar",
              f"{follow.responsible.name} har återkopplat (planerat {format_date(follow.due)})"
              + (f": {note}." if note else "."))
    ctx.session.flush()
    ctx.audit("follow_up.done", "follow_up", follow.id, case=case.number, note=note or None)
    return Reply(
        title=f"Återkoppling klar – ärende {case.number}",
        lines=[f"{person_label(follow.responsible)} har återkopplat ärende {case_title(case)} "
               f"({format_date(ctx.now)}; planerat {format_date(follow.due)})."],
        context=[f"Är ärendet klart? /avsluta {case.number}"],
    )


@command(
    "återkoppling",
    "aterkoppling",
    "follow-up",
    "followup",
    usage=USAGE,
    help="sätt datum och ansvarig för återkoppling av ett ärende, eller markera den som klar",
    who="sekreterare, samordnare",
    order=45,
)
def follow_up(ctx: Context, args: str) -> Reply:
    case, rest = case_from_args(ctx, args, usage=USAGE)
    require_role(ctx, case.forum, RECORDERS, doing="sätta återkoppling")
    refuse_if_closed(case)
    first = normalise(rest).split(" ", 1)[0] if rest.strip() else ""
    if first in ("klar", "klart", "gjord", "done"):
        return close_follow_up(ctx, case, rest.strip().split(maxsplit=1)[1] if len(rest.split()) > 1 else "")
    return set_follow_up(ctx, case, rest)
