"""Choosing a meeting: by a date phrase, the next one, whether it is over; and how days bound it.

Commands that name a meeting by date (/dagordning, /publicera dagordning, /punkt, /beslut punkt, the case
process) read it here; this module imports no command module.
"""
from __future__ import annotations

from datetime import date, datetime, time, timedelta
from typing import Sequence

from handlers.base import Context, UserError
from handlers.common import example_day, forum_label, meeting_label, no_coming_meetings
from handlers.fmt import STOCKHOLM, format_date, format_date_in_sentence, local
from handlers.i18n import _
from handlers.registry import normalise
from storage import queries
from storage.models import Forum, Meeting


def forum_meeting_label(meeting: Meeting) -> str:
    """'LCHNV fredag 6 mars 2020 kl. 09.30–14.00, Myntgatan 2, Falun'."""
    return f"{forum_label(meeting.forum)} {meeting_label(meeting)}"


def meeting_day(meeting: Meeting) -> date:
    return local(meeting.starts_at).date()


def day_bounds(first: date, last: date | None = None) -> tuple[datetime, datetime]:
    """[start of `first`, start of the day after `last`) in Stockholm time."""
    last = last or first
    start = datetime.combine(first, time(0), tzinfo=STOCKHOLM)
    end = datetime.combine(last + timedelta(days=1), time(0), tzinfo=STOCKHOLM)
    return start, end


def upcoming_list(ctx: Context, forums: Sequence[Forum]) -> str:
    nxt = queries.meetings_after(ctx.session, forums, ctx.now, limit=3)
    if not nxt:
        return _("Inga kommande möten är inlagda. Samordnaren lägger in dem med /möte ny DATUM kl HH.MM–HH.MM.")
    return _("Kommande möten: ") + "; ".join(
        (f"{forum_label(m.forum)} " if len(forums) > 1 else "") + format_date(m.starts_at) for m in nxt
    ) + "."


def read_day_range(ctx: Context, text: str) -> tuple[date, date]:
    """A date phrase → (first day, last day); a week or a range of days is allowed."""
    value = ctx.when(text)
    kind = getattr(value, "kind", None)
    if kind == "time_range":
        raise UserError(_("”{text}” är bara ett klockslag; ange en dag, till exempel ”{ctx}” eller "
                          "”{ctx2}”.",
                          text=text, ctx=example_day(ctx), ctx2=example_day(ctx, iso=True)))
    if kind in ("week", "range"):
        start, end = value.start, value.end
        if start is None or end is None:
            raise UserError(_("Ange en dag, till exempel ”{ctx}”, inte ”{text}”.", ctx=example_day(ctx), text=text))
        start = local(start).date() if isinstance(start, datetime) else start
        end = local(end).date() if isinstance(end, datetime) else end
        return start, end
    if isinstance(value, datetime):
        d = local(value).date()
        return d, d
    return value, value


def read_day(ctx: Context, text: str, *, what: str) -> date:
    """A single day from a date phrase (a time of day is dropped)."""
    value = ctx.when(text)
    if getattr(value, "kind", None) is not None:
        raise UserError(_("Ange {what} som en dag, till exempel ”20 november” eller ”2020-11-20”, inte "
                          "”{text}”.",
                          what=what, text=text))
    if isinstance(value, datetime):
        return local(value).date()
    return value


def meeting_for_phrase(ctx: Context, forums: Sequence[Forum], text: str) -> Meeting:
    """The forum meeting on the day (or in the week) the phrase names; otherwise a refusal listing the next ones.

    'nästa' (or 'nästa möte') is the forum's next meeting.
    """
    if normalise(text) in ("nasta", "nasta mote", "next"):
        if len(forums) > 1:
            keys = ", ".join(f"forum: {f.key}" for f in forums)
            raise UserError(_("”nästa” möte i vilket forum? Lägg till ”; forum: ID” sist ({keys}), eller skriv "
                              "datumet.",
                              keys=keys))
        upcoming = queries.meetings_after(ctx.session, forums, ctx.now, limit=1)
        if not upcoming:
            raise no_coming_meetings(forums[0])
        return upcoming[0]
    first, last = read_day_range(ctx, text)
    start, end = day_bounds(first, last)
    found = queries.meetings_on(ctx.session, forums, start, end)
    when = format_date_in_sentence(first) if first == last else f"{format_date(first)} – {format_date(last)}"
    if not found:
        names = " eller ".join(forum_label(f) for f in forums)
        raise UserError(
            _("{names} har inget möte {when}. {ctx} Skriv datumet för ett av dem, till exempel "
              "”{ctx2}”.",
              names=names, when=when, ctx=upcoming_list(ctx, forums), ctx2=example_day(ctx, list(forums)))
        )
    if len({m.forum_id for m in found}) > 1:
        names = ", ".join(f"{forum_label(m.forum)} (forum: {m.forum.key})" for m in found)
        raise UserError(_("Flera forum har möte {when}: {names}. Lägg till ”; forum: {key}” sist.",
                          when=when, names=names, key=found[0].forum.key))
    return found[0]


def next_meeting(ctx: Context, forum: Forum) -> Meeting | None:
    found = queries.meetings_after(ctx.session, [forum], ctx.now, limit=1)
    return found[0] if found else None


def meeting_is_over(ctx: Context, meeting: Meeting) -> bool:
    """True once the meeting day has passed (on the day itself the meeting still takes items)."""
    return meeting_day(meeting) < ctx.today
