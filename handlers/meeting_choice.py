"""Choosing a meeting: by a date phrase, the next one, whether it is over; and how days bound it.

Commands that name a meeting by date (/dagordning, /publicera dagordning, /punkt, /beslut punkt,
/minnesanteckningar, the case process) read it here; this module imports no command module. The meeting
policies of a declaration (`meeting=MEETING_ARG`, `HELD_MEETING_ARG`, `CHANNEL_MEETING_ARG` or
`AGENDA_MEETING_ARG`, handlers/registry.py) are carried out by `coming_meeting`, `held_meeting`,
`channel_meeting` and `agenda_meeting`, which handlers/invoke.py calls before the handler.
"""
from __future__ import annotations

from datetime import date, datetime, time, timedelta
from typing import Sequence

from sqlalchemy import select

from handlers.arguments import Dates, MeetingRef
from handlers.base import Context, UserError
from handlers.common import (
    channel_forum_of_asker,
    choose_forum,
    example_day,
    forum_label,
    in_no_forum,
    meeting_label,
    my_forums,
    named_forum,
    no_coming_meetings,
    require_command_role,
)
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


def read_day(ctx: Context | Dates, text: str, *, what: str) -> date:
    """A single day from a date phrase (a time of day is dropped); a parser passes its Dates."""
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


# ------------------------------------------------------------------------------------ a declaration's meeting


def _named_or_channels(ctx: Context, ref: MeetingRef) -> list[Forum] | None:
    """The forum '; forum: ID' names, else the channel's forum when the asker sits in it; None for neither."""
    named = named_forum(ctx, ref.forum)
    if named is not None:
        return [named]
    here = channel_forum_of_asker(ctx)
    return [here] if here is not None else None


def coming_meeting(ctx: Context, roles: frozenset[str], ref: MeetingRef) -> Meeting:
    """MEETING_ARG: the meeting the date phrase names, else the forum's next meeting.

    Without '; forum: ID' a date phrase is looked for among the forums where the asker holds `roles` (so a
    coordinator of several forums need not name the forum when only one of them meets that day); the
    next meeting is that of the forum chosen as choose_forum does. The caller checks the role in the
    meeting's forum."""
    named = named_forum(ctx, ref.forum)
    if named is None and ref.phrase:
        mine = [f for f in my_forums(ctx) if ctx.roles_in(f) & roles] or my_forums(ctx)
        return meeting_for_phrase(ctx, mine, ref.phrase)
    forum = named or choose_forum(ctx, with_role=set(roles))
    meeting = meeting_for_phrase(ctx, [forum], ref.phrase) if ref.phrase else next_meeting(ctx, forum)
    if meeting is None:
        require_command_role(ctx, forum)  # the role is refused before the missing meeting
        raise no_coming_meetings(forum)
    return meeting


def channel_meeting(ctx: Context, roles: frozenset[str], ref: MeetingRef) -> Meeting:
    """CHANNEL_MEETING_ARG (/publicera dagordning): the meeting the date phrase names in the named forum, the
    channel's, or those where the asker holds `roles`; without a phrase that forum's next meeting. The
    caller checks the role in the meeting's forum."""
    forums = _named_or_channels(ctx, ref)
    if forums is None:
        mine = my_forums(ctx)
        forums = [f for f in mine if ctx.roles_in(f) & roles]
        if not forums:
            require_command_role(ctx, mine[0])
    if ref.phrase:
        return meeting_for_phrase(ctx, forums, ref.phrase)
    forum = forums[0] if len(forums) == 1 else choose_forum(ctx, with_role=set(roles))
    meeting = next_meeting(ctx, forum)
    if meeting is None:
        raise no_coming_meetings(forum)
    return meeting


def _pick_one(found: list[Meeting], *, when: str) -> Meeting:
    """The earliest meeting; if two forums meet at that first day, ask which forum."""
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


def agenda_meeting(ctx: Context, roles: frozenset[str], ref: MeetingRef) -> Meeting:
    """AGENDA_MEETING_ARG (/dagordning): today's meeting ('idag' too), else the next; 'nästa' the next after
    today; a date phrase the meeting that day. In the named forum, the channel's, or the asker's forums."""
    forums = _named_or_channels(ctx, ref) or my_forums(ctx)
    rest = ref.phrase or ""
    word = normalise(rest)
    today = ctx.today
    start, end = day_bounds(today)
    if word in ("", "idag", "i dag", "today"):
        todays = queries.meetings_on(ctx.session, forums, start, end)
        if todays:
            return _pick_one(todays, when="i dag")
        if word:
            names = " eller ".join(forum_label(f) for f in forums)
            raise UserError(_("{names} har inget möte i dag, {today}. {ctx} Skriv /dagordning nästa.",
                              names=names, today=format_date(today, sentence=True), ctx=upcoming_list(ctx, forums)))
        upcoming = queries.meetings_after(ctx.session, forums, ctx.now, limit=4)
        if not upcoming:
            raise UserError(_("{ctx} Skriv /möten för att se mötena.", ctx=upcoming_list(ctx, forums)))
        return _pick_one(upcoming, when="")
    if word in ("nasta", "nasta mote", "next"):
        upcoming = queries.meetings_after(ctx.session, forums, end, limit=4)
        if not upcoming:
            raise UserError(upcoming_list(ctx, forums))
        return _pick_one(upcoming, when="")
    return meeting_for_phrase(ctx, forums, rest)


def _held_forums(ctx: Context, roles: frozenset[str], named: Forum | None) -> list[Forum]:
    if named is not None:
        return [named]
    mine = queries.forums_of(ctx.session, ctx.person, sitting=ctx.today)
    if ctx.forum is not None and ctx.forum in mine:
        return [ctx.forum]
    if not mine:
        raise in_no_forum(ctx)
    writing = [f for f in mine if queries.roles_of(ctx.session, ctx.person, f, on=ctx.today) & roles]
    return writing or mine


def _recent_list(ctx: Context, forums: list[Forum]) -> str:
    stmt = (
        select(Meeting)
        .where(Meeting.forum_id.in_([f.id for f in forums]), Meeting.cancelled.is_(False), Meeting.starts_at <= ctx.now)
        .order_by(Meeting.starts_at.desc())
        .limit(3)
    )
    found = list(ctx.session.scalars(stmt))
    return ", ".join(f"{forum_label(m.forum)} {local(m.starts_at).date().isoformat()}" for m in found)


def held_meeting(ctx: Context, roles: frozenset[str], ref: MeetingRef) -> Meeting:
    """HELD_MEETING_ARG (the minutes): the meeting on the day named, else the latest one that has started.

    A day without a year that lies ahead with no meeting on it is also tried a year back: minutes are about
    meetings that were. The caller checks the role in the meeting's forum."""
    forums = _held_forums(ctx, roles, named_forum(ctx, ref.forum))
    if ref.day is None:
        stmt = (
            select(Meeting)
            .where(
                Meeting.forum_id.in_([f.id for f in forums]),
                Meeting.cancelled.is_(False),
                Meeting.starts_at <= ctx.now,
            )
            .order_by(Meeting.starts_at.desc())
            .limit(1)
        )
        meeting = ctx.session.scalar(stmt)
        if meeting is None:
            names = ", ".join(forum_label(f) for f in forums)
            raise UserError(
                _("Inget möte i {names} har hållits ännu. Ange mötets datum, till exempel "
                  "”/minnesanteckningar 2020-09-25”.",
                  names=names)
            )
        return meeting
    day = ref.day
    found = queries.meetings_on(ctx.session, forums, *day_bounds(day))
    if not found and day > ctx.today and not ref.year_given:
        try:
            earlier: date | None = day.replace(year=day.year - 1)
        except ValueError:
            earlier = None
        if earlier is not None:
            found = queries.meetings_on(ctx.session, forums, *day_bounds(earlier))
            day = earlier if found else day
    if not found:
        recent = _recent_list(ctx, forums)
        hint = _(" De senaste mötena: {recent}.", recent=recent) if recent else ""
        names = ", ".join(forum_label(f) for f in forums)
        raise UserError(
            _("{names} har inget möte {day}.{hint} Skriv datumet med år, till exempel "
              "”/minnesanteckningar 2020-09-25”.",
              names=names, day=format_date_in_sentence(day), hint=hint)
        )
    if len({m.forum_id for m in found}) > 1:
        names = ", ".join(f"{forum_label(m.forum)} (forum: {m.forum.key})" for m in found)
        raise UserError(
            _("Flera forum har möte {day}: {names}. Lägg till ”; forum: {key}” sist.",
              day=format_date(day, sentence=True), names=names, key=found[0].forum.key)
        )
    return found[0]
