"""Follow-ups (återkoppling): when a case comes back to the forum, and who reports back.

Seed 001 step 5c: a case that is to return is noted on the case list with a
follow-up date and a responsible person. FollowUp.due and FollowUp.done_at are
what the reminders read; setting the date again for the same person moves it
instead of adding a second one.
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date

from sqlalchemy import select

from handlers.arguments import Dates
from handlers.base import Context, Reply, UserError
from handlers.case_model import (
    RECORDERS,
    add_event,
    case_title,
    read_case_ref,
    refuse_if_closed,
    tell,
)
from handlers.meeting_choice import read_day
from handlers.common import forum_label, person_arg, person_label, trailing_person
from handlers.fmt import format_date
from handlers.registry import CASE_FORUM, command, normalise
from storage.models import Case, FollowUp
from handlers.i18n import _

USAGE = _("/återkoppling NR DATUM @användarnamn  eller  /återkoppling NR klar [@användarnamn]")
MENTION = re.compile(r"(?<!\S)@(\S*[^\s.,;:!?])")


def _take_mention(text: str) -> tuple[str | None, str]:
    m = MENTION.search(text)
    if not m:
        return None, text.strip()
    return "@" + m.group(1), (text[: m.start()] + text[m.end():]).strip()


def _open_for(ctx: Context, case: Case) -> list[FollowUp]:
    stmt = select(FollowUp).where(FollowUp.case_id == case.id, FollowUp.done_at.is_(None)).order_by(FollowUp.due)
    return list(ctx.session.scalars(stmt))


@dataclass(frozen=True)
class SetFollowUp:
    """/återkoppling NR DATUM @användarnamn: the responsible as typed and the day; or, without a @mention, the
    text as typed ('20 november Per Ek'), whose last words name the person (read by the handler among people)."""
    responsible: str | None = None
    due: date | None = None
    text: str = ""


@dataclass(frozen=True)
class FollowUpDone:
    """/återkoppling NR klar [@användarnamn] [notering]"""
    responsible: str | None = None
    note: str = ""


def _no_date(number: str, mention: str) -> UserError:
    return UserError(_("Ange datumet för återkopplingen. Skriv: {USAGE}, till exempel /återkoppling "
                       "{number} 20 november {mention}.",
                       USAGE=USAGE, number=number, mention=mention))


def parse_follow_up(args: str, dates: Dates) -> SetFollowUp | FollowUpDone:
    """'NR DATUM @användarnamn' or 'NR klar [@användarnamn]', with the case's own number."""
    ref, rest = read_case_ref(args, usage=USAGE)
    first = normalise(rest).split(" ", 1)[0] if rest.strip() else ""
    if first in ("klar", "klart", "gjord", "done"):
        mention, note = _take_mention(rest.strip().split(maxsplit=1)[1] if len(rest.split()) > 1 else "")
        return FollowUpDone(responsible=mention, note=" ".join(note.split()))
    mention, when = _take_mention(rest)
    if mention is None:
        return SetFollowUp(text=rest)
    if not when:
        raise _no_date(ref.number, mention)
    return SetFollowUp(responsible=mention, due=read_day(dates, when, what=_("datumet för återkopplingen")))


def set_follow_up(ctx: Context, case: Case, args: SetFollowUp) -> Reply:
    if args.responsible is not None and args.due is not None:
        responsible = person_arg(ctx, args.responsible, field=_("den som ska återkoppla"))
        due = args.due
    else:
        named_last = trailing_person(ctx, args.text)  # '20 november Per Ek'
        if named_last is None:
            raise UserError(_("Ange vem som ska återkoppla som @användarnamn. Skriv: {USAGE}, till exempel "
                              "/återkoppling {number} 20 november @maria.lind.",
                              USAGE=USAGE, number=case.number))
        responsible, when = named_last
        if not when:
            raise _no_date(case.number, f"@{responsible.handle}")
        due = read_day(ctx, when, what=_("datumet för återkopplingen"))
    if due < ctx.today:
        raise UserError(_("Dagen du angav, {due}, har redan varit; ange ett datum framåt i tiden för "
                          "återkopplingen.", due=format_date(due, sentence=True)))
    existing = next((f for f in _open_for(ctx, case) if f.responsible_id == responsible.id), None)
    if existing is not None:
        previous = existing.due
        existing.due = due
        follow = existing
        detail = (_("Återkoppling från {name} flyttad från {previous} till {due}.",
                    name=responsible.name, previous=format_date(previous, sentence=True), due=format_date(due, sentence=True)))
        first = _("Återkopplingen i ärende {case} är flyttad till {due} (var {previous}).",
                  case=case_title(case), due=format_date(due, sentence=True), previous=format_date(previous))
    else:
        from handlers.agenda_model import item_in_session

        item = item_in_session(ctx.session, case, ctx.now)
        follow = FollowUp(case_id=case.id, item_id=item.id if item is not None else None, due=due,
                          responsible_id=responsible.id)
        ctx.session.add(follow)
        detail = _("Återkoppling {due}, ansvarig {name}.", due=format_date(due), name=responsible.name)
        first = _("Ärende {case} ska återkopplas till {forum} senast {due}.",
                  case=case_title(case), forum=forum_label(case.forum), due=format_date(due, sentence=True))
    ctx.session.flush()
    add_event(ctx, case, "aterkoppling", detail)
    ctx.audit("follow_up.set", "follow_up", follow.id, case=case.number, due=due, responsible=responsible.handle)
    notice = Reply(
        title=_("Återkoppling i ärende {number}", number=case.number),
        lines=[
            _("Du ansvarar för att återkoppla ärende {case} till {forum} senast {due}.",
              case=case_title(case), forum=forum_label(case.forum), due=format_date(due, sentence=True)),
            _("Du får en påminnelse en vecka innan och på dagen."),
        ],
    )
    told = tell(ctx, responsible, notice, kind="follow_up_set",
                key=f"f{follow.id}:{due.isoformat()}:{ctx.now.isoformat()}")
    lines = [first, f"Ansvarig: {person_label(responsible)}" + (_(", som har fått besked.") if told else ".")]
    return Reply(title=_("Återkoppling {due} – ärende {number}", due=format_date(due), number=case.number), lines=lines)


def close_follow_up(ctx: Context, case: Case, args: FollowUpDone) -> Reply:
    mention = args.responsible
    candidates = _open_for(ctx, case)
    if mention is not None:
        person = person_arg(ctx, mention, field=_("den som återkopplat"))
        candidates = [f for f in candidates if f.responsible_id == person.id]
    if not candidates:
        raise UserError(_("Ärende {case} har ingen öppen återkoppling", case=case_title(case))
                        + (_(" för {mention}", mention=mention) if mention else "") + _(". /ärende ") + case.number + _(" visar ärendet."))
    if len(candidates) > 1:
        names = ", ".join(f"@{f.responsible.handle} ({format_date(f.due)})" for f in candidates)
        raise UserError(_("Ärende {number} har flera öppna återkopplingar: {names}. Skriv /återkoppling "
                          "{number} klar @användarnamn.",
                          number=case.number, names=names))
    follow = candidates[0]
    follow.done_at = ctx.now
    note = args.note
    add_event(ctx, case, "aterkoppling_klar",
              _("{name} har återkopplat (planerat {due})",
                name=follow.responsible.name, due=format_date(follow.due))
              + (f": {note}." if note else "."))
    ctx.session.flush()
    ctx.audit("follow_up.done", "follow_up", follow.id, case=case.number, note=note or None)
    return Reply(
        title=_("Återkoppling klar – ärende {number}", number=case.number),
        lines=[_("{responsible} har återkopplat ärende {case} ({now}; planerat {due}).",
                 responsible=person_label(follow.responsible), case=case_title(case), now=format_date(ctx.now), due=format_date(follow.due))],
        context=[_("Är ärendet klart? /avsluta {number}", number=case.number)],
    )


@command(
    "återkoppling",
    "aterkoppling",
    "follow-up",
    "followup",
    usage=USAGE,
    help=_("sätt datum och ansvarig för återkoppling av ett ärende, eller markera den som klar"),
    roles=RECORDERS,
    doing=_("sätta återkoppling"),
    forum=CASE_FORUM,
    args=parse_follow_up,
    order=45,
)
def follow_up(ctx: Context, case: Case, args: SetFollowUp | FollowUpDone) -> Reply:
    refuse_if_closed(case)
    if isinstance(args, FollowUpDone):
        return close_follow_up(ctx, case, args)
    return set_follow_up(ctx, case, args)
