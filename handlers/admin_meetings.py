"""The coordinator plans the forum's meetings in chat: /möte ny, /möte flytta, /möte ställ in, /möte ändra.

A moved or cancelled meeting keeps its row (so its calendar UID, absences and agenda follow it); the store
raises its calendar SEQUENCE. Reminders are computed from the meeting's dates on every pass, so they follow
the new dates by themselves; their keys name the occasion's day, so a reminder already sent for a day that
is still right is not sent again. A meeting with decisions or sent minutes is a record and is never moved.
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

from handlers.arguments import Dates
from handlers.base import Context, Reply, Section, UserError
from handlers.calendar import forum_deadlines
from handlers.case_model import add_event
from handlers.meeting_choice import day_bounds, meeting_day, read_day
from handlers.common import (
    members_told,
    forum_label,
    meeting_label,
)
from handlers.options import split_options
from handlers.fmt import STOCKHOLM, format_date, format_date_in_sentence, format_span, format_time_range, local
from handlers.registry import NAMED_FORUM, command
from handlers.i18n import _, ngettext
from storage import admin as store
from storage import queries
from storage.models import Forum, Meeting

PLANNERS = {"coordinator"}
# The option names the meeting commands know ('; plats: …' or '; plats …').
MEETING_NAMES = {"plats", "place", "dnr", "diarienummer", "tid", "time"}
NEW_USAGE = _("/möte ny DATUM[, DATUM … och DATUM] kl HH.MM–HH.MM [; plats: …] [; dnr: …] [; forum: ID]")
MOVE_USAGE = _("/möte flytta DATUM till DATUM [kl HH.MM–HH.MM] [; plats: …]")
CANCEL_USAGE = _("/möte ställ in DATUM [: skäl]")
CHANGE_USAGE = _("/möte ändra DATUM; plats: …; dnr: …; tid: HH.MM–HH.MM")
_KL = re.compile(r"\bkl\b\.?", re.IGNORECASE)
_YEAR = re.compile(r"\b(\d{4})\b")


def _times(dates: Dates, text: str, *, usage: str) -> tuple[time, time | None]:
    """'kl 9.00–12.00' → (09:00, 12:00); 'kl 13' → (13:00, None)."""
    value = dates.when(text)
    if getattr(value, "kind", None) == "time_range" and value.start is not None:
        return value.start, value.end
    if isinstance(value, datetime):
        return local(value).time().replace(tzinfo=None), None
    raise UserError(_("Jag förstår inte tiden ”{strip}”. Skriv till exempel ”kl 9.00–12.00”: {usage}",
                      strip=text.strip(), usage=usage))


def _at(day: date, t: time) -> datetime:
    return datetime.combine(day, t, tzinfo=STOCKHOLM)


def _span(day: date, start: time, end: time | None) -> tuple[datetime, datetime | None]:
    return _at(day, start), (_at(day, end) if end is not None else None)


def _refuse_past(ctx: Context, day: date, usage: str) -> None:
    if day < ctx.today:
        raise UserError(_("Dagen du angav, {day}, har redan varit; ett möte kan bara planeras framåt. Skriv: {usage}",
                          day=format_date(day, sentence=True), usage=usage))


def _refuse_overlap(ctx: Context, forum: Forum, start: datetime, end: datetime | None, *,
                    excluding: int | None = None) -> None:
    other = store.overlapping_meeting(ctx.session, forum, start, end, excluding=excluding)
    if other is not None:
        raise UserError(
            _("{forum} har redan ett möte {other} som krockar med {start}. Välj en annan tid, "
              "eller flytta det mötet först med /möte flytta {isoformat} till DATUM.",
              forum=forum_label(forum), other=meeting_label(other, sentence=True), start=format_span(start, end, sentence=True), isoformat=meeting_day(other).isoformat())
        )


def _refuse_cancelled_start(ctx: Context, forum: Forum, start: datetime, *, excluding: int) -> None:
    """A forum has one meeting per start (cancelled ones too): a meeting cannot take a cancelled meeting's
    start. Said at once, with what to type, instead of failing on the unique key."""
    for other in store.meetings_between(ctx.session, forum, start, start + timedelta(minutes=1), cancelled=True):
        if other.id != excluding and other.cancelled:
            raise UserError(
                _("{forum} har ett inställt möte {other} med samma starttid. Ta upp det inställda mötet igen "
                  "med /möte ny {isoformat} kl HH.MM–HH.MM, eller välj en annan tid.",
                  forum=forum_label(forum), other=meeting_label(other, sentence=True),
                  isoformat=meeting_day(other).isoformat())
            )


def _refuse_records(ctx: Context, meeting: Meeting, *, doing: str) -> None:
    if meeting.minutes_sent_at is not None:
        why = f"minnesanteckningarna skickades {format_date(meeting.minutes_sent_at)}"
    elif store.meeting_has_decisions(ctx.session, meeting):
        why = _("beslut är redan protokollförda på det")
    else:
        return
    raise UserError(
        _("Mötet {meeting} kan inte {doing}: {why}, och det är en allmän handling som inte "
          "ändras. Planera ett nytt möte med /möte ny DATUM kl HH.MM–HH.MM i stället.",
          meeting=meeting_label(meeting, sentence=True), doing=doing, why=why)
    )


def meeting_on(ctx: Context, forum: Forum, text: str, *, usage: str) -> Meeting:
    """The forum's (not cancelled) meeting on the day a phrase names."""
    if not text.strip():
        raise UserError(_("Ange mötets datum: {usage}", usage=usage))
    day = read_day(ctx, text, what=_("mötets dag"))
    start, end = day_bounds(day)
    found = store.meetings_between(ctx.session, forum, start, end)
    if not found:
        coming = queries.meetings_after(ctx.session, [forum], ctx.now, limit=4)
        listed = "; ".join(format_date(m.starts_at) for m in coming) or "inga"
        raise UserError(_("{forum} har inget möte {day}. Kommande möten: {listed}. Skriv: {usage}",
                          forum=forum_label(forum), day=format_date_in_sentence(day), listed=listed, usage=usage))
    return found[0]


def _tell_members(ctx: Context, forum: Forum, meeting: Meeting, reply: Reply, *, kind: str) -> int:
    told = 0
    for person in queries.members_of(ctx.session, forum, on=ctx.today):
        if person.id == ctx.person.id:
            continue
        ctx.notify_person(person, reply, kind=kind, key=f"m{meeting.id}:s{meeting.sequence}")
        told += 1
    return told


def _deadline_line(forum: Forum, day: date) -> str | None:
    d = forum_deadlines(forum, day)
    parts = []
    if d.preparation is not None:
        parts.append(f"beredning {format_date(d.preparation)}")
    if d.agenda is not None:
        parts.append(f"dagordning senast {format_date(d.agenda)}")
    return ("Tidsfrister: " + ", ".join(parts) + ".") if parts else None


# ------------------------------------------------------------------------------------ /möte ny


def _split_days(text: str) -> list[str]:
    """'4 februari, 1 april och 3 juni 2027' → ['4 februari 2027', '1 april 2027', '3 juni 2027']."""
    parts = [p.strip() for p in re.split(r",|\boch\b|\bsamt\b|&", text, flags=re.IGNORECASE) if p.strip()]
    if not parts:
        return []
    last_year = _YEAR.search(parts[-1])
    if last_year:
        parts = [p if (_YEAR.search(p) or re.search(r"\d{6,8}", p)) else f"{p} {last_year.group(1)}"
                 for p in parts]
    return parts


@dataclass
class _Planned:
    day: date
    start: datetime
    end: datetime | None


@dataclass(frozen=True)
class NewMeetings:
    """/möte ny DATUM[, DATUM … och DATUM] kl HH.MM–HH.MM [; plats: …] [; dnr: …]"""
    days: tuple[date, ...]
    start: time
    end: time | None
    place: str | None = None
    dnr: str | None = None


def parse_new_meetings(rest: str, dates: Dates) -> NewMeetings:
    head, opts = split_options(rest, MEETING_NAMES)
    kl = list(_KL.finditer(head))
    if not head.strip() or not kl:
        raise UserError(_("Ange dag och tid, till exempel ”/möte ny 4 februari, 1 april och 3 juni 2027 kl "
                          "9.00–12.00; plats: Falun”. Skriv: {NEW_USAGE}",
                          NEW_USAGE=NEW_USAGE))
    days_text, time_text = head[: kl[-1].start()], head[kl[-1].start():]
    start_t, end_t = _times(dates, time_text, usage=NEW_USAGE)
    texts = _split_days(days_text)
    if not texts:
        raise UserError(_("Ange minst en dag före ”kl”. Skriv: {NEW_USAGE}", NEW_USAGE=NEW_USAGE))
    days = tuple(read_day(dates, text, what=_("mötets dag")) for text in texts)
    unknown = set(opts) - {"plats", "place", "dnr", "diarienummer"}
    if unknown:
        raise UserError(_("Jag känner inte till ”{value}:”. Skriv: {NEW_USAGE}",
                          value=sorted(unknown)[0], NEW_USAGE=NEW_USAGE))
    return NewMeetings(days=days, start=start_t, end=end_t, place=opts.get("plats") or opts.get("place"),
                       dnr=opts.get("dnr") or opts.get("diarienummer"))


@command("möte ny", "mote ny", "möte nytt", "nytt möte", "nya möten", "meeting new", usage=NEW_USAGE,
         help=_("planera ett eller flera möten på en rad"), roles=PLANNERS, doing=_("planera möten"), forum=NAMED_FORUM,
         args=parse_new_meetings, order=11)
def new_meetings(ctx: Context, forum: Forum, args: NewMeetings) -> Reply:
    start_t, end_t = args.start, args.end
    planned: list[_Planned] = []
    for day in args.days:
        _refuse_past(ctx, day, NEW_USAGE)
        start, end = _span(day, start_t, end_t)
        for p in planned:
            if p.day == day:
                raise UserError(_("{day} står två gånger. Skriv varje dag en gång: {NEW_USAGE}",
                                  day=format_date(day), NEW_USAGE=NEW_USAGE))
        _refuse_overlap(ctx, forum, start, end)
        planned.append(_Planned(day, start, end))
    place, dnr = args.place, args.dnr
    lines = []
    for p in planned:
        # A cancelled meeting at the very same start is taken up again (one row per forum and start).
        meeting = next((m for m in store.meetings_between(ctx.session, forum, p.start, p.start + timedelta(minutes=1),
                                                         cancelled=True)), None)
        if meeting is not None:
            meeting.cancelled = False
            meeting.ends_at, meeting.place, meeting.dnr = p.end, place, dnr or meeting.dnr
        else:
            meeting = Meeting(forum_id=forum.id, starts_at=p.start, ends_at=p.end, place=place, dnr=dnr)
            ctx.session.add(meeting)
        ctx.session.flush()
        ctx.audit("meeting.create", "meeting", meeting.id, forum=forum.key, starts_at=p.start, ends_at=p.end,
                  place=place, dnr=dnr)
        line = format_span(p.start, p.end) + (f", {place}" if place else "")
        deadlines = _deadline_line(forum, p.day)
        lines.append(line + (f". {deadlines}" if deadlines else ""))
    n = len(planned)
    title = ngettext("Möte planerat för {forum}", "{n} möten planerade för {forum}", n, forum=forum_label(forum))
    return Reply(
        title=title,
        sections=[Section(lines=lines)],
        context=[_("Mötena syns i /möten och i forumets kalender. Påminnelserna följer tidsfristerna.")],
    )


# ------------------------------------------------------------------------------------ /möte flytta


def _read_target(ctx: Context, meeting: Meeting, text: str) -> tuple[datetime, datetime | None]:
    """Where a meeting moves: a day (same times), a day and time, or a time the same day."""
    old_start, old_end = local(meeting.starts_at), local(meeting.ends_at) if meeting.ends_at else None
    length = (old_end - old_start) if old_end else None
    value = ctx.when(text)
    kind = getattr(value, "kind", None)
    if kind == "time_range":
        if value.start is None:
            raise UserError(_("Ange när mötet börjar, till exempel ”kl 13–15”. Skriv: {MOVE_USAGE}", MOVE_USAGE=MOVE_USAGE))
        return _span(old_start.date(), value.start, value.end)
    if kind == "range" and isinstance(value.start, datetime):
        return value.start, value.end
    if kind is not None:
        raise UserError(_("Ange en dag att flytta mötet till, inte ”{strip}”. Skriv: {MOVE_USAGE}",
                          strip=text.strip(), MOVE_USAGE=MOVE_USAGE))
    if isinstance(value, datetime):
        start = local(value)
        return start, (start + length if length else None)
    start = _at(value, old_start.time().replace(tzinfo=None))
    return start, (start + length if length else None)


@dataclass(frozen=True)
class MoveMeeting:
    """/möte flytta DATUM till DATUM [kl HH.MM–HH.MM] [; plats: …]: the two phrases as typed (where the meeting
    moves is read against the meeting's own day and times)."""
    day: str
    to: str
    place: str | None = None


def parse_move_meeting(rest: str, dates: Dates) -> MoveMeeting:
    head, opts = split_options(rest, MEETING_NAMES)
    parts = re.split(r"\s+till\s+", head, maxsplit=1, flags=re.IGNORECASE)
    if len(parts) != 2 or not parts[1].strip():
        raise UserError(_("Skriv vilket möte och vart det flyttas, till exempel ”/möte flytta 4 februari "
                          "till 11 februari”. Skriv: {MOVE_USAGE}",
                          MOVE_USAGE=MOVE_USAGE))
    return MoveMeeting(day=parts[0], to=parts[1], place=opts.get("plats") or opts.get("place"))


@command("möte flytta", "mote flytta", "flytta möte", "meeting move", usage=MOVE_USAGE,
         help=_("flytta ett möte; alla ledamöter får besked"), roles=PLANNERS, doing=_("flytta möten"), forum=NAMED_FORUM,
         args=parse_move_meeting, order=12)
def move_meeting(ctx: Context, forum: Forum, args: MoveMeeting) -> Reply:
    meeting = meeting_on(ctx, forum, args.day, usage=MOVE_USAGE)
    _refuse_records(ctx, meeting, doing="flyttas")
    start, end = _read_target(ctx, meeting, args.to)
    if end is not None and end <= start:
        raise UserError(_("Mötet kan inte sluta innan det börjar. Skriv tiden som ”kl 9.00–12.00”: "
                          "{MOVE_USAGE}",
                          MOVE_USAGE=MOVE_USAGE))
    _refuse_past(ctx, local(start).date(), MOVE_USAGE)
    _refuse_overlap(ctx, forum, start, end, excluding=meeting.id)
    _refuse_cancelled_start(ctx, forum, start, excluding=meeting.id)
    was = meeting_label(meeting)
    place = args.place
    if start == meeting.starts_at and end == meeting.ends_at and (place is None or place == meeting.place):
        raise UserError(_("Mötet är redan {was}. Ange en annan dag eller tid: {MOVE_USAGE}", was=was, MOVE_USAGE=MOVE_USAGE))
    meeting.starts_at, meeting.ends_at = start, end
    if place:
        meeting.place = place
    ctx.session.flush()
    ctx.audit("meeting.move", "meeting", meeting.id, forum=forum.key, was=was, starts_at=start, ends_at=end,
              place=meeting.place)
    now_label = meeting_label(meeting)
    notice = Reply(
        title=_("{forum}: mötet är flyttat", forum=forum_label(forum)),
        lines=[_("Mötet {was} är flyttat till {now_label}.", was=was, now_label=now_label),
               _("Har du anmält frånvaro gäller den det flyttade mötet; ändra den med /anmäl "
                 "frånvaro {isoformat} eller /återkalla frånvaro {isoformat}.",
                 isoformat=meeting_day(meeting).isoformat())],
    )
    told = _tell_members(ctx, forum, meeting, notice, kind="meeting_moved")
    lines = [_("Mötet {was} är flyttat till {now_label}.", was=was, now_label=now_label), members_told(meeting.forum, told)]
    if meeting.agenda_published_at is not None:
        lines.append(_("Dagordningen var redan publicerad; publicera den igen med /publicera dagordning "
                       "{isoformat} så att den visar den nya tiden.",
                       isoformat=meeting_day(meeting).isoformat()))
    deadlines = _deadline_line(forum, meeting_day(meeting))
    if deadlines:
        lines.append(deadlines)
    return Reply(title=_("Mötet flyttat till {starts_at}", starts_at=format_date(meeting.starts_at)), lines=lines)


# ------------------------------------------------------------------------------------ /möte ställ in


@dataclass(frozen=True)
class CancelMeeting:
    """/möte ställ in DATUM [: skäl]"""
    day: str  # the date phrase as typed
    reason: str = ""


def parse_cancel_meeting(rest: str, dates: Dates) -> CancelMeeting:
    head, __ = split_options(rest, MEETING_NAMES)
    value, tail = dates.split(head)
    if value is None:
        raise UserError(_("Ange mötets datum, till exempel ”/möte ställ in 4 februari: för få anmälda "
                          "ärenden”. Skriv: {CANCEL_USAGE}",
                          CANCEL_USAGE=CANCEL_USAGE))
    date_text = head[: head.rfind(tail)] if tail else head
    return CancelMeeting(day=date_text, reason=" ".join(tail.lstrip(":–- ").split()))


@command("möte ställ in", "mote stall in", "ställ in möte", "stall in mote", "möte inställt", "meeting cancel",
         usage=CANCEL_USAGE, help=_("ställ in ett möte; alla ledamöter får besked med skälet"), roles=PLANNERS, doing=_("ställa in möten"), forum=NAMED_FORUM,
         args=parse_cancel_meeting, order=13)
def cancel_meeting(ctx: Context, forum: Forum, args: CancelMeeting) -> Reply:
    meeting = meeting_on(ctx, forum, args.day, usage=CANCEL_USAGE)
    _refuse_records(ctx, meeting, doing=_("ställas in"))
    reason = args.reason
    label = meeting_label(meeting)
    meeting.cancelled = True
    returned = []
    for case in store.cases_on_agenda(ctx.session, meeting):
        case.status, case.meeting_id, case.meeting, case.agenda_order = "aktualiserat", None, None, None
        case.late_addition = False
        add_event(ctx, case, "mote_installt", _("Mötet {starts_at} ställdes in; ärendet väntar på beredning till ett nytt möte.",
                                                starts_at=format_date(meeting.starts_at, sentence=True)))
        returned.append(case)
    ctx.session.flush()
    ctx.audit("meeting.cancel", "meeting", meeting.id, forum=forum.key, starts_at=meeting.starts_at,
              reason=reason or None, cases=[c.number for c in returned] or None)
    notice = Reply(
        title=_("{forum}: mötet är inställt", forum=forum_label(forum)),
        lines=[_("Mötet {label} är inställt.", label=label) + (_(" Skäl: {reason}", reason=reason) if reason else "")],
    )
    told = _tell_members(ctx, forum, meeting, notice, kind="meeting_cancelled")
    lines = [_("Mötet {label} är inställt.", label=label) + (_(" Skäl: {reason}", reason=reason) if reason else ""),
             members_told(meeting.forum, told)]
    if returned:
        lines.append(_("Ärenden som stod på dagordningen väntar nu på beredning: ")
                     + ", ".join(f"{c.number} {c.title}" for c in returned)
                     + _(". Lägg dem på ett annat möte med /beredning NR dagordning DATUM."))
    return Reply(title=_("Mötet {starts_at} inställt", starts_at=format_date(meeting.starts_at)), lines=lines)


# ------------------------------------------------------------------------------------ /möte ändra


@dataclass(frozen=True)
class ChangeMeeting:
    """/möte ändra DATUM; plats: …; dnr: …; tid: HH.MM–HH.MM"""
    day: str  # the date phrase as typed
    place: str | None = None
    dnr: str | None = None
    start: time | None = None  # the new time, when '; tid' is given
    end: time | None = None


def parse_change_meeting(rest: str, dates: Dates) -> ChangeMeeting:
    head, opts = split_options(rest, MEETING_NAMES)
    unknown = set(opts) - MEETING_NAMES
    if unknown or not opts:
        raise UserError(_("Ange vad som ändras: plats:, dnr: eller tid:. Skriv: {CHANGE_USAGE}", CHANGE_USAGE=CHANGE_USAGE))
    start_t = end_t = None
    text = opts.get("tid") or opts.get("time")
    if text:
        start_t, end_t = _times(dates, text if _KL.search(text) else f"kl {text}", usage=CHANGE_USAGE)
    return ChangeMeeting(day=head, place=opts.get("plats") or opts.get("place"),
                         dnr=opts.get("dnr") or opts.get("diarienummer"), start=start_t, end=end_t)


@command("möte ändra", "mote andra", "ändra möte", "meeting edit", usage=CHANGE_USAGE,
         help=_("ändra plats, diarienummer eller tid för ett möte"), roles=PLANNERS, doing=_("ändra möten"), forum=NAMED_FORUM,
         args=parse_change_meeting, order=14)
def change_meeting(ctx: Context, forum: Forum, args: ChangeMeeting) -> Reply:
    meeting = meeting_on(ctx, forum, args.day, usage=CHANGE_USAGE)
    was = meeting_label(meeting)
    changes: list[str] = []
    tell = False
    if args.start is not None:
        start, end = _span(meeting_day(meeting), args.start, args.end if args.end else None)
        if end is None and meeting.ends_at is not None:
            end = start + (meeting.ends_at - meeting.starts_at)
        if (start, end) != (meeting.starts_at, meeting.ends_at):
            _refuse_records(ctx, meeting, doing=_("få ny tid"))
            _refuse_overlap(ctx, forum, start, end, excluding=meeting.id)
            _refuse_cancelled_start(ctx, forum, start, excluding=meeting.id)
            meeting.starts_at, meeting.ends_at = start, end
            changes.append(f"tid {format_time_range(local(start).time(), local(end).time() if end else None)}")
            tell = True
    place = args.place
    if place and place != meeting.place:
        meeting.place = place
        changes.append(f"plats {place}")
        tell = True
    dnr = args.dnr
    if dnr and dnr != meeting.dnr:
        meeting.dnr = dnr
        changes.append(f"dnr {dnr}")
    if not changes:
        return Reply(title=_("Inget ändrades"), lines=[_("Mötet {was} har redan de uppgifterna.", was=was)])
    ctx.session.flush()
    ctx.audit("meeting.change", "meeting", meeting.id, forum=forum.key, changes=changes)
    lines = [_("Mötet {starts_at} är ändrat: ", starts_at=format_date(meeting.starts_at, sentence=True)) + ", ".join(changes) + ".",
             f"Nu: {meeting_label(meeting)}."]
    if tell:
        notice = Reply(title=_("{forum}: ändrat möte", forum=forum_label(forum)),
                       lines=[_("Mötet {was} är ändrat: ", was=was) + ", ".join(changes) + ".",
                              f"Nu: {meeting_label(meeting)}."])
        told = _tell_members(ctx, forum, meeting, notice, kind="meeting_changed")
        lines.append(members_told(meeting.forum, told))
    return Reply(title=_("Mötet {starts_at} ändrat", starts_at=format_date(meeting.starts_at)), lines=lines)
