"""Absence (frånvaro): /anmäl frånvaro, /återkalla frånvaro and /frånvaro.

Seed 000 § 4: a representative who cannot attend a meeting, or a part of it,
tells the Chef för RSS (the forum's absence recipients). § 2: when the chair
cannot attend, the vice chair leads. § 1 / seed 004: only some forums appoint
substitutes (ersättare).

Grammar of /anmäl frånvaro (also documented in docs/reference.md):

    /anmäl frånvaro [NÄR] [DEL] [; ersättare: @användarnamn] [; forum: ID] [; notering: TEXT] [: TEXT]

* NÄR is read by the date reader from the start of the text ("17 december",
  "fredag", "2026-12-17", "vecka 50"); "nästa" and "nästa möte" (or nothing)
  mean the asker's next meeting. A clock time given with the date ("17
  december kl 9") picks the meeting starting then; a time span given with the
  date ("17 december till kl 10.30") is the part.
* DEL is "hela mötet", "punkt N", "punkt N-M" ("punkterna", "p."), "till kl
  HH.MM", "från kl HH.MM" or "kl HH.MM-HH.MM". Item numbers are those of the
  agenda (standing items 1–4, cases from 5); times must lie inside the meeting.
* After the date and the part, only options and the note may follow. Options
  start with ";". The note is what follows the first ":" left after the date
  and the part (so "kl 10:30" is never split), or "; notering: TEXT"; it runs
  to the end of the line. A "; ersättare: @x" at the end of a note is still
  taken as the option.

The text is read without the store by the declared parsers (parse_report; parse_meeting_day for
/återkalla frånvaro and /frånvaro, which name only the meeting) into an AbsenceRequest; the handler finds
the forum '; forum: ID' names and the meeting, and refuses text the grammar has no place for with examples
dated by the asker's next meeting (unread_refusal).

A repeat for the same meeting changes only what was written now (a part, a
substitute, a note; '; ersättare: ingen' and '; notering: ingen' remove one);
an identical repeat changes and sends nothing. A substitute who is expected at
the meeting is refused, and one from another organisation unless the forum's
rules allow it (substitutes_other_organisation).
The note may hold health data: it is stored in Absence.note only, shown to the
reporter and the absence recipients, never in a channel, an agenda, the audit
log or a message to anyone else.
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field, replace
from datetime import date, datetime, time, timedelta
from typing import Any, Sequence

from sqlalchemy import func, select

from handlers.absence_rules import (  # noqa: F401 - the rules, used through this module too
    Leadership,
    Part,
    absence_part,
    digest as _digest,
    hhmm as _hhmm,
    leader_note,
    leadership,
    meeting_day,
    overlap as _overlap,
)
from handlers.agenda_model import agenda_items
from handlers.arguments import Dates
from handlers import limits
from handlers.base import Action, Context, Reply, Section, UserError
from handlers.common import (ROLE_NAMES, coordinator_word, example_day, find_forum, forum_label, meeting_label, my_forums,
                             forum_meeting_in_sentence, member_word, no_coming_meetings, person_arg, person_label, role_name)
from handlers.fmt import MONTHS, STOCKHOLM, format_date, format_date_in_sentence, format_time, local
from handlers.options import named
from handlers.registry import command, normalise
from storage import queries
from storage.models import Absence, AuditLog, Forum, Meeting, Person
from handlers.i18n import _

NOTE_MAX = limits.ABSENCE_NOTE_MAX
VIEW_ROLES = {"absence_recipient", "coordinator", "chair", "vice_chair"}
NOTE_ROLES = {"absence_recipient"}
REPORT = _("/anmäl frånvaro")
WITHDRAW = _("/återkalla frånvaro")
LIST = "/frånvaro"
USAGE = (
    _("/anmäl frånvaro [datum] [punkt 4-6 | till kl 10.30 | från kl 11] [; ersättare: "
      "@användarnamn] [: notering]")
)


def examples(day: str) -> str:
    """Example commands for a refusal, dated with `day` (the asker's next meeting: handlers.common.example_day)."""
    return (_("Skriv till exempel ”/anmäl frånvaro”, ”/anmäl frånvaro {day}”, ”/anmäl frånvaro "
              "nästa möte punkt 5-6” eller ”/anmäl frånvaro {day} till kl 10.30: tandläkare”.",
              day=day))


_NEXT = re.compile(r"^n[aä]sta(?:\s+m[oö]te(?:t)?)?(?=$|[\s;:,])", re.IGNORECASE)
_WHOLE = re.compile(r"^hela\s+m[oö]tet(?=$|[\s;:,])", re.IGNORECASE)
_ITEMS = re.compile(
    r"^(?:punkt(?:erna)?|p\.?)\s*(\d{1,3})(?:\s*(?:-|–|—|till)\s*(\d{1,3}))?(?=$|[\s;:,])", re.IGNORECASE
)
_ITEM_WORD = re.compile(r"^(?:punkt(?:erna)?|p\.)(?=$|\s)", re.IGNORECASE)
_TIME_START = re.compile(r"^(?:till|tills|fr[aå]n|kl\.?|klockan)(?=$|\s|\d)", re.IGNORECASE)
_BARE_FROM = re.compile(r"^(fr[aå]n|till|tills)\s+(?!kl)(\d)", re.IGNORECASE)
_TRAILING_SUBSTITUTE = re.compile(r";\s*ers[aä]ttare\s*:\s*(\S+)\s*$", re.IGNORECASE)
_NO_ONE = {"ingen", "inga", "-", "–", "nej", "none"}
# The option names after ';' (normalised): substitute, forum, note.
_OPTION_NAMES = {"ersattare", "substitute", "forum", "notering", "anteckning", "orsak", "kommentar", "note"}


# ------------------------------------------------------------------------------------ the part


def _kl(t: time) -> str:
    """'kl 10.30' as a user types it (for suggested commands)."""
    return f"kl {t.hour:02d}.{t.minute:02d}"


# ------------------------------------------------------------------------------------ parsing


@dataclass(frozen=True)
class AbsenceRequest:
    """What the asker wrote, read without the store (the typed arguments of /anmäl frånvaro, /återkalla
    frånvaro and /frånvaro); the handler finds the forum and the meeting it names."""

    # How the meeting is chosen: "next" | "day" | "span"
    select: str = "next"
    day: date | None = None
    at: time | None = None  # "17 december kl 9": the meeting starting then
    span: tuple[date, date] | None = None
    part: Part = field(default_factory=Part)
    part_given: bool = False
    substitute: str | None = None  # "@handle" or "ingen"; None: not written
    note: str | None = None  # None: not written; "" : '; notering: ingen' (remove it)
    forum: str | None = None  # the '; forum: ID' as typed
    # Text after the date and the part that is neither an option nor a note; the handler refuses it
    # (unread_refusal) with examples dated by the asker's next meeting.
    unread: str = ""
    # The arguments as typed, spaces tidied (/frånvaro repeats them when it points to a personal chat).
    typed: str = field(default="", compare=False)


def _time_part(when: Any) -> Part:
    """A Span with times (time_range, or a range with datetimes on one day) → Part."""
    start, end = when.start, when.end
    t0 = local(start).time() if isinstance(start, datetime) else start
    t1 = local(end).time() if isinstance(end, datetime) else end
    return Part(time_from=t0, time_to=t1)


def _read_when(dates: Dates, text: str, req: AbsenceRequest) -> tuple[AbsenceRequest, str]:
    """Take the leading date (or 'nästa') off `text`: the request with it, and the rest."""
    when, rest = dates.split(text)
    if when is None:
        m = _NEXT.match(text)
        if m:
            return req, text[m.end():].strip()
        return req, text
    if isinstance(when, datetime):
        req = replace(req, select="day", day=local(when).date(), at=local(when).time().replace(second=0))
    elif isinstance(when, date):
        req = replace(req, select="day", day=when)
    elif when.kind == "time_range":
        req = replace(req, part=_time_part(when), part_given=True)
    elif when.kind == "range" and (isinstance(when.start, datetime) or isinstance(when.end, datetime)):
        anchor = when.start if when.start is not None else when.end
        req = replace(req, select="day", day=local(anchor).date(), part=_time_part(when), part_given=True)
    else:  # a week or a range of days
        req = replace(req, select="span", span=(when.start, when.end))
    return req, rest


def _read_part(dates: Dates, text: str, req: AbsenceRequest) -> tuple[AbsenceRequest, str]:
    if text.startswith(","):
        text = text[1:].strip()
    if req.part_given or not text:
        return req, text
    m = _WHOLE.match(text)
    if m:
        return replace(req, part_given=True), text[m.end():].strip()
    m = _ITEMS.match(text)
    if m:
        hint = _("Skriv punkterna som på dagordningen, till exempel ”punkt 4-6”.")
        first = limits.number(m.group(1), what="Punkt", hint=hint)
        last = limits.number(m.group(2), what="Punkt", hint=hint) if m.group(2) else first
        if last < first:
            raise UserError(
                _("Punkterna {first}-{last} går baklänges. Skriv den lägsta först, till exempel "
                  "”punkt {last}-{first}”.",
                  first=first, last=last)
            )
        return replace(req, part=Part(item_from=first, item_to=last), part_given=True), text[m.end():].strip()
    if _ITEM_WORD.match(text):
        raise UserError(_("Skriv punkterna med siffror, till exempel ”punkt 5” eller ”punkt 4-6”."))
    if _TIME_START.match(text):
        text = _BARE_FROM.sub(lambda mm: f"{mm.group(1)} kl {mm.group(2)}", text, count=1)
        when, rest = dates.split(text)
        if when is not None and getattr(when, "kind", None) == "time_range":
            return replace(req, part=_time_part(when), part_given=True), rest
        raise UserError(
            _("Jag förstår inte vilken del av mötet du menar. Skriv ”till kl 10.30”, ”från kl "
              "11” eller ”punkt 4-6”, eller inget alls för hela mötet.")
        )
    return req, text


def _read_options(text: str, req: AbsenceRequest, *, allow_note: bool = True) -> AbsenceRequest:
    rest = text.strip()
    while rest:
        if rest.startswith(":") and allow_note:
            return _set_note(req, rest[1:])
        if not rest.startswith(";"):
            # Only the text right after the date and the part can get here (an option's value runs to
            # the next ';' or ':'): the handler refuses it with dated examples.
            return replace(req, unread=rest)
        segment = rest[1:].lstrip()
        if not segment:
            return req
        head = segment.split(";", 1)[0]
        found = named(head, _OPTION_NAMES) if ":" not in head.split(" ", 1)[0] else None
        if found is not None:
            # '; ersättare @x', '; forum lchnv': the one option grammar lets the colon be left out
            first, __, after = segment.partition(" ")
            segment = f"{first}:{after}"
        if ":" not in segment.split(";", 1)[0]:
            shown = segment.split(";", 1)[0].strip()
            raise UserError(
                _("Jag förstår inte ”; {shown}”. Tillägg skrivs ”; ersättare: @användarnamn”, ”; "
                  "forum: ID” eller ”; notering: text”.",
                  shown=shown)
            )
        key, value = segment.split(":", 1)
        name = normalise(key)
        if name in {"notering", "anteckning", "orsak", "kommentar", "note"} and allow_note:
            return _set_note(req, value)
        colon, semi = value.find(":"), value.find(";")
        if allow_note and colon >= 0 and (semi < 0 or colon < semi):
            # "; ersättare: @x: note" – the note runs from that colon to the end of the line
            value, rest = value[:colon], value[colon:]
        else:
            value, __, after = value.partition(";")
            rest = (";" + after) if after else ""
        value = value.strip()
        if name in {"ersattare", "substitute"} and allow_note:
            req = replace(req, substitute=value)
        elif name == "forum":
            req = replace(req, forum=value)
        else:
            allowed = _("”; ersättare: @användarnamn”, ”; forum: ID” eller ”; notering: text”") if allow_note else "”; forum: ID”"
            raise UserError(_("Tillägget ”{strip}” finns inte här. Du kan skriva {allowed}.",
                              strip=key.strip(), allowed=allowed))
    return req


def _set_note(req: AbsenceRequest, text: str) -> AbsenceRequest:
    note = text.strip()
    m = _TRAILING_SUBSTITUTE.search(note)
    if m:
        req = replace(req, substitute=m.group(1))
        note = note[: m.start()].strip()
    limits.text(note, what="Noteringen", limit=NOTE_MAX)
    if normalise(note) in _NO_ONE:
        return replace(req, note="")
    return replace(req, note=note or None)


def parse_report(args: str, dates: Dates) -> AbsenceRequest:
    """/anmäl frånvaro [NÄR] [DEL] [; ersättare: @x] [; forum: ID] [; notering: TEXT] [: TEXT]"""
    req, rest = _read_when(dates, args.strip(), AbsenceRequest())
    req, rest = _read_part(dates, rest, req)
    return _read_options(rest, req)


def parse_meeting_day(args: str, dates: Dates) -> AbsenceRequest:
    """/återkalla frånvaro [NÄR] [; forum: ID] and /frånvaro [NÄR] [; forum: ID]: only the meeting is named.

    A part of the meeting ('till kl 10', '6 mars kl 9-10') is left in `part_given` with nothing read after
    it, for the handler's refusal (unread_refusal), which comes first as it always did."""
    req, rest = _read_when(dates, args.strip(), AbsenceRequest(typed=" ".join(args.split())))
    if req.part_given:
        return req
    return _read_options(rest, req, allow_note=False)


def unread_refusal(req: AbsenceRequest, *, example: str, with_part: bool = True,
                   command: str = WITHDRAW) -> UserError | None:
    """The refusal of what the parser could not place (None when it placed everything). `example` is the
    day for the examples (handlers.common.example_day: the asker's next meeting, else a week ahead);
    `command` (/återkalla frånvaro or /frånvaro) is the one the examples of a text without a part show."""
    if not with_part and req.part_given:
        return UserError(_("Ange bara datumet, till exempel ”{WITHDRAW} {ctx}”.", WITHDRAW=command, ctx=example))
    if not req.unread:
        return None
    rest = req.unread
    shown = rest if len(rest) <= 40 else rest[:39] + "…"
    hint = _(" Skriv en notering efter ett kolon, till exempel ”: tandläkare”.") if with_part else ""
    said = examples(example) if with_part else _("Skriv till exempel ”{command}” eller ”{command} {day}”.",
                                                  command=command, day=example)
    return UserError(_("Jag förstår inte ”{shown}”.{hint} {ctx}", shown=shown, hint=hint, ctx=said))


def read_request(ctx: Context, req: AbsenceRequest, *, with_part: bool = True,
                 command: str = WITHDRAW) -> Forum | None:
    """Refuse what the parser could not place, then find the forum '; forum: ID' names (None without one)."""
    if req.unread or (req.part_given and not with_part):
        refusal = unread_refusal(req, example=example_day(ctx), with_part=with_part, command=command)
        assert refusal is not None
        raise refusal
    if req.forum is None:
        return None
    forum = find_forum(ctx, req.forum)
    if forum is None:
        names = ", ".join(f"{forum_label(f)} (forum: {f.key})" for f in my_forums(ctx))
        raise UserError(_("Du sitter inte i något forum som heter ”{value}”. Dina forum: {names}.",
                          value=req.forum, names=names))
    return forum


# ------------------------------------------------------------------------------------ meetings


def _utc_day(d: date) -> tuple[datetime, datetime]:
    start = datetime(d.year, d.month, d.day, tzinfo=STOCKHOLM)
    nxt = d + timedelta(days=1)
    return start, datetime(nxt.year, nxt.month, nxt.day, tzinfo=STOCKHOLM)


def meeting_ended(meeting: Meeting, now: datetime) -> bool:
    if meeting.ends_at is not None:
        return meeting.ends_at <= now
    return meeting.starts_at <= now - timedelta(hours=12)


def day_phrase(meeting: Meeting, today: date, *, with_time: bool = False) -> str:
    """How to name the meeting's day in a command: '17 december', with the year when '17 december'
    alone would be read as another day (a date without a year is the next one on or after today)."""
    d = meeting_day(meeting)
    text = f"{d.day} {MONTHS[d.month - 1]}"
    if _next_occurrence(d.month, d.day, today) != d:
        text += f" {d.year}"
    if with_time:
        text += f" {_kl(local(meeting.starts_at).time())}"
    return text


def _next_occurrence(month: int, day: int, today: date) -> date | None:
    for year in (today.year, today.year + 1):
        try:
            candidate = date(year, month, day)
        except ValueError:  # 29 February
            continue
        if candidate >= today:
            return candidate
    return None


def _tail(ctx: Context, req: AbsenceRequest, named: Forum | None) -> str:
    """What followed the date, rebuilt from what was read (the note only outside channels)."""
    out = ""
    part = req.part
    if part.item_from is not None:
        out = f" punkt {part.item_from}" + (f"-{part.item_to}" if part.item_to != part.item_from else "")
    elif part.time_from is not None and part.time_to is not None:
        out = f" kl {_hhmm(part.time_from)}-{_hhmm(part.time_to)}"
    elif part.time_to is not None:
        out = _(" till {time_to}", time_to=_kl(part.time_to))
    elif part.time_from is not None:
        out = _(" från {time_from}", time_from=_kl(part.time_from))
    if req.substitute:
        out += _("; ersättare: {substitute}", substitute=req.substitute)
    if named is not None:
        out += f"; forum: {named.key}"
    if req.note and not _in_channel(ctx):
        out += f": {req.note}"
    return out


def _choice_reply(
    ctx: Context, meetings: Sequence[Meeting], *, command_name: str, tail: str, title: str, lead: str
) -> Reply:
    """A refusal that lists meetings, each with the command to type."""
    days = [meeting_day(m) for m in meetings]
    lines = [lead]
    actions = []
    for m in meetings:
        cmd = f"{command_name} {day_phrase(m, ctx.today, with_time=days.count(meeting_day(m)) > 1)}{tail}"
        lines.append(_("{forum}, {m}: skriv {cmd}", forum=forum_label(m.forum), m=meeting_label(m), cmd=cmd))
        actions.append(Action(label=f"{forum_label(m.forum)} {format_date(m.starts_at)}", command=cmd))
    return Reply(title=title, lines=lines, actions=actions, ok=False)


def _next_meetings_refusal(
    ctx: Context, forums: Sequence[Forum], lead: str, *, command_name: str, tail: str
) -> UserError:
    upcoming = queries.upcoming_meetings(ctx.session, forums, now=ctx.now, limit=5)
    if not upcoming:
        names = " och ".join(forum_label(f) for f in forums)
        return UserError(f"{lead} {no_coming_meetings(names).message}")
    reply = _choice_reply(
        ctx, upcoming, command_name=command_name, tail=tail, title=_("Inget möte den dagen"),
        lead=_("{lead} Dina nästa möten:", lead=lead),
    )
    return UserError(lead, reply=reply)


def _candidate_forums(ctx: Context, named: Forum | None, roles: set[str] | None = None) -> list[Forum]:
    forums = my_forums(ctx)
    if named is not None:
        return [named]
    if roles is not None:
        forums = [f for f in forums if queries.roles_of(ctx.session, ctx.person, f, on=ctx.today) & roles]
    return forums


def choose_meeting(
    ctx: Context,
    req: AbsenceRequest,
    forums: list[Forum],
    *,
    named: Forum | None,
    command_name: str,
    allow_ended: bool = False,
    only: set[int] | None = None,
) -> Meeting:
    """The one meeting the request names (in `named`, the forum its '; forum: ID' names, when it names one);
    several candidates or none → a refusal listing what to type."""
    if not forums:
        raise UserError(_("Du sitter inte i något forum med möten. Be samordnaren lägga till dig i forumet med /ledamot ny."))
    if req.select == "next":
        upcoming = queries.next_meeting_per_forum(ctx.session, forums, now=ctx.now, among=only)
        if ctx.forum is not None and named is None and any(m.forum_id == ctx.forum.id for m in upcoming):
            upcoming = [m for m in upcoming if m.forum_id == ctx.forum.id]
        firsts: dict[int, Meeting] = {}
        for m in upcoming:
            firsts.setdefault(m.forum_id, m)
        if not firsts:
            if only is not None:
                raise UserError(_("Du har ingen anmäld frånvaro från något kommande möte. Anmäl med {REPORT}.", REPORT=REPORT))
            raise no_coming_meetings(" och ".join(forum_label(f) for f in forums))
        if len(firsts) == 1:
            return next(iter(firsts.values()))
        choices = sorted(firsts.values(), key=lambda m: m.starts_at)
        raise UserError(
            _("Vilket möte menar du?"),
            reply=_choice_reply(
                ctx, choices, command_name=command_name, tail=_tail(ctx, req, named), title=_("Vilket möte menar du?"),
                lead=_("Du har kommande möten i flera forum. Skriv kommandot med mötets datum:"),
            ),
        )
    if req.select == "day":
        assert req.day is not None
        start, end = _utc_day(req.day)
        found = queries.meetings_on(ctx.session, forums, start, end)
        what = format_date_in_sentence(req.day)
    else:
        assert req.span is not None
        start, __ = _utc_day(req.span[0])
        __, end = _utc_day(req.span[1])
        found = queries.meetings_on(ctx.session, forums, start, end)
        what = _("mellan {format_date} och {format_date2}",
                 format_date=format_date(req.span[0], sentence=True), format_date2=format_date(req.span[1], sentence=True))
    if only is not None:
        found = [m for m in found if m.id in only]
    if not found:
        lead = (
            _("Du har ingen anmäld frånvaro {what}.", what=what)
            if only is not None
            else _("Du har inget möte {what}.", what=what)
        )
        raise _next_meetings_refusal(ctx, forums, lead, command_name=command_name, tail=_tail(ctx, req, named))
    if req.at is not None:
        at_time = [m for m in found if local(m.starts_at).time().replace(second=0) == req.at]
        if not at_time:
            starts = ", ".join(f"{forum_label(m.forum)} {format_time(m.starts_at)}" for m in found)
            raise UserError(
                _("Inget av dina möten {what} börjar {at} ({starts}). För en del av mötet skriver "
                  "du ”till {at2}” eller ”från {at2}”; för hela mötet bara datumet.",
                  what=what, at=format_time(req.at), starts=starts, at2=_kl(req.at))
            )
        found = at_time
    if len(found) > 1 and ctx.forum is not None and named is None:
        in_channel = [m for m in found if m.forum_id == ctx.forum.id]
        found = in_channel or found
    if len(found) > 1:
        raise UserError(
            _("Vilket möte menar du?"),
            reply=_choice_reply(
                ctx, found, command_name=command_name, tail=_tail(ctx, req, named), title=_("Vilket möte menar du?"),
                lead=_("Du har flera möten {what}. Skriv kommandot så att det pekar ut ett av dem:", what=what),
            ),
        )
    meeting = found[0]
    if not allow_ended and meeting_ended(meeting, ctx.now):
        raise UserError(
            _("Mötet i {forum} {meeting} är redan avslutat. Frånvaro anmäls till kommande "
              "möten; skriv till exempel {REPORT} för ditt nästa möte.",
              forum=forum_label(meeting.forum), meeting=meeting_label(meeting, sentence=True), REPORT=REPORT)
        )
    return meeting


# ------------------------------------------------------------------------------------ checks


def check_part(ctx: Context, meeting: Meeting, part: Part) -> None:
    """Refuse agenda items that do not exist and times outside the meeting."""
    if part.whole:
        return
    if part.item_from is not None:
        items = agenda_items(ctx.session, meeting)
        last = items[-1].number
        if part.item_from < 1 or (part.item_to or part.item_from) > last:
            listed = "; ".join(f"{i.number}. {i.title}" for i in items)
            raise UserError(
                _("Dagordningen för {meeting} har punkt 1–{last} ({listed}). Skriv en punkt som "
                  "finns, till exempel ”{value}”, eller inget för hela mötet.",
                  meeting=meeting_label(meeting, sentence=True), last=last, listed=listed, value='punkt 4' if last == 4 else 'punkt 5-' + str(last))
            )
        return
    start = local(meeting.starts_at).time().replace(second=0, microsecond=0)
    end = local(meeting.ends_at).time().replace(second=0, microsecond=0) if meeting.ends_at else None
    inside_open = lambda t: start < t and (end is None or t < end)  # noqa: E731
    inside_closed = lambda t: start <= t and (end is None or t <= end)  # noqa: E731
    t0, t1 = part.time_from, part.time_to
    if t0 is not None and t1 is not None:
        ok = inside_closed(t0) and inside_closed(t1) and not (t0 == start and t1 == end)
    else:
        ok = inside_open(t0 if t0 is not None else t1)  # type: ignore[arg-type]
    if not ok:
        span = f"{format_time(start)}–{end.hour:02d}.{end.minute:02d}" if end else _("från {start}", start=format_time(start))
        raise UserError(
            _("Mötet {starts_at} pågår {span}, så {describe} ligger inte inom mötet. Skriv en "
              "tid inom mötet, till exempel ”till {kl}”, eller inget alls för hela mötet.",
              starts_at=format_date(meeting.starts_at, sentence=True), span=span, describe=part.describe(), kl=_kl(_midpoint(start, end)))
        )


def _midpoint(start: time, end: time | None) -> time:
    """A time inside the meeting, on the half hour, for the example in a refusal."""
    s0 = start.hour * 60 + start.minute
    e0 = end.hour * 60 + end.minute if end else s0 + 120
    m = max(s0 + 30, (s0 + e0) // 2 // 30 * 30)
    m = min(m, 23 * 60 + 30)
    return time(m // 60, m % 60)


# ------------------------------------------------------------------------------------ leaders


def _roles_on(ctx: Context, person: Person, meeting: Meeting) -> set[str]:
    return queries.roles_of(ctx.session, person, meeting.forum, on=meeting_day(meeting))


def _active(ctx: Context, meeting: Meeting) -> dict[int, Absence]:
    return {a.person_id: a for a in queries.absences_of_meeting(ctx.session, meeting)}


def _leader_messages(ctx: Context, meeting: Meeting, reporter: Person, absence: Absence, rev: int,
                     before: Leadership, *, withdrawn: bool, part_changed: bool) -> list[str]:
    """Tell the vice chair they lead (or no longer), and warn the coordinators when no one leads.

    Returns lines for the reporter's reply. No message here ever holds the note.
    """
    out: list[str] = []
    roles = _roles_on(ctx, reporter, meeting)
    if not roles & {"chair", "vice_chair"}:
        return out  # who leads depends only on the chair's and vice chair's absences: unchanged
    after = leadership(ctx.session, meeting, _active(ctx, meeting))
    label = forum_meeting_in_sentence(meeting)
    if "chair" in roles and part_changed:
        part = Part.of(absence)
        vice_absence = {p.id: pt for p, pt in after.vices}
        what = _("mötet") if part.whole else _("mötet {during}", during=part.during())
        for vice in after.vice_people:
            if vice.id == reporter.id:
                continue
            if withdrawn:
                title = _("Ordföranden deltar")
                text = (
                    _("Ordföranden {name} har återkallat sin frånvaroanmälan för {label} och leder "
                      "mötet själv. Du behöver inte leda det.",
                      name=reporter.name, label=label)
                )
                told = _("{name} (vice ordförande) har fått veta att du leder mötet själv.", name=vice.name)
            else:
                if vice.id in vice_absence and vice_absence[vice.id].whole:
                    continue  # absent too, for the whole meeting: the coordinators are warned below
                title = _("Du leder mötet")
                text = (
                    _("Ordföranden {reporter} har anmält frånvaro från {label} ({describe}). Du som "
                      "vice ordförande leder {what} (2 § arbetsordningen).",
                      reporter=person_label(reporter), label=label, describe=part.describe(), what=what)
                )
                told = _("{name} (vice ordförande) har fått veta att hen leder {what} i ditt ställe.",
                         name=vice.name, what=what)
            ctx.notify_person(
                vice, Reply(title=f"{title} – {forum_label(meeting.forum)}", lines=[text]),
                kind="absence_stand_in", key=f"{absence.id}:r{rev}:{_digest([withdrawn, part.key()])}",
            )
            out.append(told)
    if after.no_leader and (not before.no_leader or before.key() != after.key()):
        parts = [_("ordföranden {name} ({describe})", name=p.name, describe=pt.describe()) for p, pt in after.chairs]
        parts += [_("vice ordföranden {name} ({describe})", name=p.name, describe=pt.describe()) for p, pt in after.vices]
        text = _("Ingen kan leda {label}. Frånvaro är anmäld av {parts}.", label=label, parts=' och '.join(parts))
        if not after.vice_people:
            text += _(" Forumet har ingen vice ordförande.")
        if all(pt.whole for __, pt in after.chairs + after.vices):
            text += _(" Utse en annan mötesledare för mötet, eller flytta det.")
        else:
            text += _(" Utse en annan mötesledare för den delen av mötet, eller flytta mötet.")
        told_names = _tell_coordinators(ctx, meeting, reporter, Reply(title=_("Ingen leder mötet"), lines=[text]),
                                        kind="absence_no_leader", key=f"{meeting.id}:{after.key()}")
        if told_names:
            out.append(_("{told_names} ({coordinator}) har fått veta att ingen ordförande kan leda mötet.",
                         told_names=', '.join(told_names), coordinator=role_name(meeting.forum, "coordinator")))
    elif before.no_leader and not after.no_leader:
        text = _("Det finns åter någon som leder {label}: en frånvaroanmälan har återkallats "
                 "eller ändrats.",
                 label=label)
        _tell_coordinators(ctx, meeting, reporter, Reply(title=_("Mötet har en mötesledare igen"), lines=[text]),
                           kind="absence_leader_back", key=f"{meeting.id}:{absence.id}:r{rev}")
    return out


def _tell_coordinators(ctx: Context, meeting: Meeting, reporter: Person, reply: Reply, *, kind: str,
                       key: str) -> list[str]:
    told = []
    for person in queries.people_with_role(ctx.session, meeting.forum, "coordinator", on=ctx.today):
        if person.id == reporter.id:
            continue
        ctx.notify_person(person, reply, kind=kind, key=key)
        told.append(person.name)
    return told


# ------------------------------------------------------------------------------------ helpers


def _revision(ctx: Context, absence: Absence) -> int:
    """How many recorded changes the absence has had: part of each notification key."""
    return ctx.session.scalar(
        select(func.count()).select_from(AuditLog).where(AuditLog.entity == "absence",
                                                          AuditLog.entity_id == absence.id)
    ) or 0


def _recipients(ctx: Context, forum: Forum, reporter: Person) -> list[Person]:
    people = [p for p in queries.people_with_role(ctx.session, forum, "absence_recipient", on=ctx.today)
              if p.id != reporter.id]
    if not people:
        people = [p for p in queries.people_with_role(ctx.session, forum, "coordinator", on=ctx.today)
                  if p.id != reporter.id]
    return people


def _report_fields(meeting: Meeting, absence: Absence, *, note: bool) -> list[tuple[str, str]]:
    fields = [
        (_("Möte"), f"{forum_label(meeting.forum)}, {meeting_label(meeting)}"),
        ("Del", Part.of(absence).describe()),
    ]
    if absence.substitute is not None:
        fields.append((_("Ersättare"), person_label(absence.substitute)))
    if note and absence.note:
        fields.append(("Notering", absence.note))
    return fields


def _in_channel(ctx: Context) -> bool:
    """Seen by others: a channel or group chat of any kind, a forum's or not."""
    return not ctx.personal


# ------------------------------------------------------------------------------------ /anmäl frånvaro


@command(
    "anmäl frånvaro",
    "anmal franvaro",
    "frånvaroanmälan",
    "franvaroanmalan",
    "report absence",
    usage=USAGE,
    help=_("anmäl frånvaro från nästa (eller ett visst) möte, helt eller en del; mottagaren "
           "får veta direkt; samma kommando igen ändrar anmälan"),
    args=parse_report,
    order=20,
)
def report_absence(ctx: Context, args: AbsenceRequest) -> Reply:
    req = args
    named = read_request(ctx, req)
    # Not the forums the asker has left: their meetings are no longer theirs to report absence from.
    forums = [f for f in _candidate_forums(ctx, named) if queries.sits_in(ctx.session, ctx.person, f, on=ctx.today)]
    meeting = choose_meeting(ctx, req, forums, named=named, command_name=REPORT)
    forum = meeting.forum
    if forum not in queries.forums_of(ctx.session, ctx.person, on=meeting_day(meeting)):
        raise UserError(_("Du sitter inte i {forum} {day}, så du anmäler ingen frånvaro från det mötet. Fråga "
                          "{coordinator} om det inte stämmer.", forum=forum_label(forum),
                          day=format_date_in_sentence(meeting_day(meeting)), coordinator=coordinator_word(forum)))
    check_part(ctx, meeting, req.part)
    part, note = req.part, req.note

    substitute: Person | None = None
    if req.substitute is not None and normalise(req.substitute) not in _NO_ONE:
        substitute = _check_substitute(ctx, meeting, req.substitute)

    # The meeting's absences, withdrawn ones too, in one query: the asker's earlier report is among them.
    everyone = queries.absences_of_meeting(ctx.session, meeting, withdrawn=True)
    existing = next((a for a in everyone if a.person_id == ctx.person.id), None)
    before = leadership(ctx.session, meeting, {a.person_id: a for a in everyone if a.withdrawn_at is None})
    if existing is not None and existing.withdrawn_at is None:
        # A repeat changes only what was written now; the rest of the report stays.
        if not req.part_given:
            part = Part.of(existing)
        if req.substitute is None:
            substitute = existing.substitute
        if note is None:
            note = existing.note
    note = note or None
    new_state = (part.key(), note, substitute.id if substitute else None)
    state = "new"
    changes: list[str] = []
    old_substitute: Person | None = None
    if existing is None:
        absence = Absence(
            meeting_id=meeting.id, person_id=ctx.person.id, reported_at=ctx.now, updated_at=ctx.now,
            item_from=part.item_from, item_to=part.item_to, time_from=part.time_from,
            time_to=part.time_to, note=note, substitute_id=substitute.id if substitute else None,
        )
        # Reported twice at once, the second insert breaks the unique key (meeting, person): the dispatcher
        # then runs the command again, and it finds the first report.
        ctx.session.add(absence)
        ctx.session.flush()
    else:
        absence = existing
        old_state = (Part.of(absence).key(), absence.note, absence.substitute_id)
        if absence.withdrawn_at is not None:
            state = "reactivated"
        elif old_state == new_state:
            state = "same"
        else:
            state = "changed"
            if old_state[0] != new_state[0]:
                changes.append(f"del: {Part.of(absence).describe()} → {part.describe()}")
            if old_state[2] != new_state[2]:
                old = person_label(absence.substitute) if absence.substitute else "ingen"
                changes.append(_("ersättare: {old} → {value}", old=old, value=person_label(substitute) if substitute else 'ingen'))
            if old_state[1] != new_state[1]:
                changes.append((_("notering: ändrad") if absence.note else "notering: tillagd") if note
                               else "notering: borttagen")
        if state != "same":
            if absence.substitute_id and absence.substitute_id != new_state[2] and absence.withdrawn_at is None:
                old_substitute = absence.substitute
            absence.item_from, absence.item_to = part.item_from, part.item_to
            absence.time_from, absence.time_to = part.time_from, part.time_to
            absence.note = note
            absence.substitute_id = substitute.id if substitute else None
            absence.substitute = substitute
            absence.updated_at = ctx.now
            if state == "reactivated":
                absence.withdrawn_at = None
                absence.reported_at = ctx.now
            ctx.session.flush()

    label = forum_meeting_in_sentence(meeting)
    what = _("hela mötet") if part.whole else part.describe()
    fields = _report_fields(meeting, absence, note=not _in_channel(ctx))
    if _in_channel(ctx) and absence.note:
        fields.append(("Notering", _("sparad (visas bara för dig och mottagaren, aldrig i kanalen)")))
    undo = f"{WITHDRAW} {day_phrase(meeting, ctx.today)}"
    context = [
        _("Ändra: skriv kommandot igen med bara det som ska ändras; det du inte skriver "
          "behålls (”; ersättare: ingen” tar bort ersättaren, ”; notering: ingen” "
          "noteringen). Återkalla: {undo}.",
          undo=undo)
    ]

    if state == "same":
        return Reply(
            title=_("Frånvaron var redan anmäld"),
            lines=[_("Du har redan anmält frånvaro från {label} ({what}), precis så. Inget ändrades "
                     "och ingen fick något nytt meddelande.",
                     label=label, what=what)],
            fields=fields,
            context=context,
        )

    ctx.audit(
        {"new": "absence_reported", "reactivated": "absence_reported_again", "changed": "absence_changed"}[state],
        "absence",
        absence.id,
        meeting_id=meeting.id,
        part=part.describe(),
        substitute=substitute.handle if substitute else None,
        note_given=bool(note),
    )
    # A new absence's one audit row was just written (absences are never deleted, so no earlier row can
    # carry its id): its revision is 1 without asking the store.
    rev = 1 if state == "new" else _revision(ctx, absence)
    key = f"{absence.id}:r{rev}:{_digest([part.key(), note, new_state[2]])}"

    lines = []
    if state == "changed":
        lines.append(_("Du hade redan anmält frånvaro från {label}. Ändrat: {changes}.",
                       label=label, changes='; '.join(changes)))
        lines.append(_("Nu gäller: {what}.", what=what))
        title = _("Frånvaron ändrad")
    elif state == "reactivated":
        lines.append(_("Du hade återkallat din frånvaroanmälan för {label}; nu är frånvaron anmäld igen: {what}.",
                       label=label, what=what))
        title = _("Frånvaro anmäld igen")
    else:
        lines.append(_("Du är anmäld frånvarande från {label}: {what}.", label=label, what=what))
        title = _("Frånvaro anmäld")

    # The absence recipients: name, organisation, meeting, part, substitute and the note.
    heading = {"new": "Frånvaroanmälan", "reactivated": "Frånvaroanmälan (anmäld igen)",
               "changed": "Ändrad frånvaroanmälan"}[state]
    rec_lines = [_("{person} anmäler frånvaro från {label}: {what}.",
                   person=person_label(ctx.person), label=label, what=what)]
    if state == "changed":
        rec_lines.append(_("Ändrat: {changes}.", changes='; '.join(changes)))
    recipients = _recipients(ctx, forum, ctx.person)
    for person in recipients:
        ctx.notify_person(
            person,
            Reply(title=f"{heading} – {forum_label(forum)}", lines=rec_lines,
                  fields=_report_fields(meeting, absence, note=True),
                  context=[_("Noteringen kan innehålla personliga uppgifter. Den visas bara för dig och den som anmälde.")] if absence.note else []),
            kind="absence_report",
            key=key,
        )
    if recipients:
        lines.append(_("{join} har fått din anmälan.", join=', '.join(p.name for p in recipients)))
    else:
        lines.append(_("Forumet har ingen mottagare av frånvaroanmälningar; anmälan är sparad och syns i /frånvaro."))

    if substitute is not None and (state != "changed" or any(c.startswith("ersättare") or c.startswith("del")
                                                             for c in changes)):
        ctx.notify_person(
            substitute,
            Reply(title=_("Du är ersättare – {forum}", forum=forum_label(forum)),
                  lines=[_("{person} är frånvarande från {label} ({what}) och har angett dig som ersättare.",
                           person=person_label(ctx.person), label=label, what=what)],
                  fields=[(_("Möte"), f"{forum_label(forum)}, {meeting_label(meeting)}"), ("Del", what)]),
            kind="absence_substitute",
            key=f"{absence.id}:r{rev}:{_digest([part.key(), substitute.id])}",
        )
        lines.append(_("{name} har fått veta att hen är din ersättare.", name=substitute.name))
    if old_substitute is not None:
        _release_substitute(ctx, absence, old_substitute, meeting, rev)
        lines.append(_("{name} har fått veta att hen inte längre är din ersättare.", name=old_substitute.name))

    part_changed = state != "changed" or any(c.startswith("del") for c in changes)
    lines += _leader_messages(ctx, meeting, ctx.person, absence, rev, before, withdrawn=False,
                              part_changed=part_changed)
    return Reply(title=title, lines=lines, fields=fields, context=context)


def _check_substitute(ctx: Context, meeting: Meeting, text: str) -> Person:
    """The substitute named in `; ersättare: X`, refused when the forum's rules do not allow them."""
    forum = meeting.forum
    if not forum.substitutes:
        raise UserError(
            _("{forum} utser inga ersättare (arbetsordningen: {members} är ordinarie "
              "och ersättare utses inte), så ingen frånvaro har anmälts. Skriv kommandot igen "
              "utan ”; ersättare: …”.",
              forum=forum_label(forum), members=member_word(forum, plural=True, definite=True))
        )
    substitute = person_arg(ctx, text, field=_("ersättaren"))
    if substitute.id == ctx.person.id:
        raise UserError(_("Du kan inte vara din egen ersättare. Ange en annan person, till exempel @maria.lind."))
    active = _active(ctx, meeting)
    other = active.get(substitute.id)
    if other is not None and other.person_id != ctx.person.id:
        raise UserError(
            _("{name} har själv anmält frånvaro från mötet och kan inte ersätta dig. Ange en "
              "annan ersättare.",
              name=substitute.name)
        )
    expected = {p.id for p in queries.members_of(ctx.session, forum, on=meeting_day(meeting))}
    if substitute.id in expected and substitute.id not in active:
        raise UserError(
            _("{substitute} sitter själv i {forum} och väntas på mötet, så hen kan inte vara "
              "din ersättare. Ange någon som inte är med i forumet, eller skriv kommandot utan "
              "”; ersättare: …”.",
              substitute=person_label(substitute), forum=forum_label(forum))
        )
    if not forum.substitutes_other_organisation and substitute.organisation_id != ctx.person.organisation_id:
        own = ctx.person.organisation.name if ctx.person.organisation else "din organisation"
        raise UserError(
            _("I {forum} ska ersättaren komma från samma organisation som du ({own}); "
              "{substitute} gör inte det. Ange en ersättare från {own}.",
              forum=forum_label(forum), own=own, substitute=person_label(substitute))
        )
    return substitute


def substitute_candidates(session: Any, meeting: Meeting, person: Person) -> list[Person]:
    """Who may stand in for `person` at `meeting` under the forum's rules (the same ones `; ersättare:`
    checks): nobody expected at the meeting, from the person's own organisation unless the forum allows
    others; empty when the forum appoints no substitutes. For forms that offer a list."""
    forum = meeting.forum
    if not forum.substitutes:
        return []
    expected = {p.id for p in queries.members_of(session, forum, on=meeting_day(meeting))}
    query = select(Person).where(Person.erased.is_(False), Person.id != person.id).order_by(Person.name)
    if not forum.substitutes_other_organisation:
        if person.organisation_id is None:
            return []
        query = query.where(Person.organisation_id == person.organisation_id)
    return [p for p in session.scalars(query) if p.id not in expected]


def _release_substitute(ctx: Context, absence: Absence, person: Person, meeting: Meeting, rev: int) -> None:
    ctx.notify_person(
        person,
        Reply(title=_("Du behöver inte ersätta – {forum}", forum=forum_label(meeting.forum)),
              lines=[_("{person} har ändrat sin frånvaro från {forum} {meeting}; du är inte längre "
                       "ersättare.",
                       person=person_label(ctx.person), forum=forum_label(meeting.forum), meeting=meeting_label(meeting, sentence=True))]),
        kind="absence_substitute_released",
        key=f"{absence.id}:r{rev}:{person.id}",
    )


# ------------------------------------------------------------------------------------ /återkalla frånvaro


@command(
    "återkalla frånvaro",
    "aterkalla franvaro",
    "ta bort frånvaro",
    "ta bort franvaro",
    "withdraw absence",
    usage="/återkalla frånvaro [datum]",
    help=_("återkalla en frånvaroanmälan; mottagaren får veta direkt"),
    args=parse_meeting_day,
    order=21,
)
def withdraw_absence(ctx: Context, args: AbsenceRequest) -> Reply:
    req = args
    named = read_request(ctx, req, with_part=False)
    forums = _candidate_forums(ctx, named)
    mine = set(
        ctx.session.scalars(
            select(Absence.meeting_id).where(Absence.person_id == ctx.person.id, Absence.withdrawn_at.is_(None))
        )
    )
    meeting = choose_meeting(ctx, req, forums, named=named, command_name=WITHDRAW, only=mine)
    absence = ctx.session.scalar(
        select(Absence).where(Absence.meeting_id == meeting.id, Absence.person_id == ctx.person.id)
    )
    assert absence is not None and absence.withdrawn_at is None
    before = leadership(ctx.session, meeting, _active(ctx, meeting))
    part = Part.of(absence)
    absence.withdrawn_at = ctx.now
    absence.updated_at = ctx.now
    ctx.session.flush()
    ctx.audit("absence_withdrawn", "absence", absence.id, meeting_id=meeting.id, part=part.describe())
    rev = _revision(ctx, absence)
    label = forum_meeting_in_sentence(meeting)
    lines = [_("Din frånvaroanmälan för {label} ({describe}) är återkallad. Du räknas som närvarande.",
               label=label, describe=part.describe())]
    recipients = _recipients(ctx, meeting.forum, ctx.person)
    for person in recipients:
        ctx.notify_person(
            person,
            Reply(title=_("Frånvaroanmälan återkallad – {forum}", forum=forum_label(meeting.forum)),
                  lines=[_("{person} har återkallat sin frånvaroanmälan för {label} ({describe}) och deltar.",
                           person=person_label(ctx.person), label=label, describe=part.describe())]),
            kind="absence_withdrawn",
            key=f"{absence.id}:r{rev}:withdrawn",
        )
    if recipients:
        lines.append(_("{join} har fått veta det.", join=', '.join(p.name for p in recipients)))
    if absence.substitute is not None:
        ctx.notify_person(
            absence.substitute,
            Reply(title=_("Du behöver inte ersätta – {forum}", forum=forum_label(meeting.forum)),
                  lines=[_("{person} har återkallat sin frånvaroanmälan för {label}; du behöver inte "
                           "ersätta.",
                           person=person_label(ctx.person), label=label)]),
            kind="absence_substitute_released",
            key=f"{absence.id}:r{rev}:{absence.substitute.id}",
        )
        lines.append(_("{name} har fått veta att hen inte behöver ersätta dig.", name=absence.substitute.name))
    lines += _leader_messages(ctx, meeting, ctx.person, absence, rev, before, withdrawn=True, part_changed=True)
    return Reply(
        title=_("Frånvaroanmälan återkallad"),
        lines=lines,
        context=[_("Ångrar du dig: {REPORT} {meeting}.", REPORT=REPORT, meeting=day_phrase(meeting, ctx.today))],
    )


# ------------------------------------------------------------------------------------ /frånvaro


@command(
    "frånvaro",
    "franvaro",
    "absences",
    usage="/frånvaro [datum] [; forum: ID]",
    help=_("vem som har anmält frånvaro från ett möte (mottagaren ser också noteringarna)"),
    roles=VIEW_ROLES,
    doing=_("se frånvarolistan"),
    args=parse_meeting_day,
    order=22,
)
def list_absences(ctx: Context, args: AbsenceRequest) -> Reply:
    req = args
    named = read_request(ctx, req, with_part=False, command=LIST)
    forums = _candidate_forums(ctx, named, roles=set(ctx.command.roles))
    if not forums:
        forum = _candidate_forums(ctx, named)[0]
        _require_view(ctx, forum)
    meeting = choose_meeting(ctx, req, forums, named=named, command_name=LIST, allow_ended=True)
    _require_view(ctx, meeting.forum)
    roles = queries.roles_of(ctx.session, ctx.person, meeting.forum, on=ctx.today)
    # The list is restricted: asked in a Teams channel it goes to the asker's own chat, with the notes.
    show_notes = bool(roles & NOTE_ROLES) and ctx.restricted_reaches_asker_alone
    active = queries.absences_of_meeting(ctx.session, meeting)
    lines = []
    for a in active:
        line = f"{person_label(a.person)}: {Part.of(a).describe()}"
        if a.substitute is not None:
            line += _(", ersättare {substitute}", substitute=person_label(a.substitute))
        note = leader_note(ctx.session, meeting, a)
        if note:
            line += f" ({note})"
        line += _(" – anmäld {reported_at}", reported_at=format_date(a.reported_at))
        if a.updated_at and a.updated_at != a.reported_at:
            line += _(", ändrad {updated_at}", updated_at=format_date(a.updated_at))
        lines.append(line)
        if show_notes and a.note:
            lines.append(f"    Notering: {a.note}")
    sections = [Section(heading=_("Anmäld frånvaro"), lines=lines or [_("Ingen har anmält frånvaro.")])]
    if roles & {"absence_recipient", "coordinator"}:
        withdrawn = ctx.session.scalars(
            select(Absence).where(Absence.meeting_id == meeting.id, Absence.withdrawn_at.is_not(None))
            .order_by(Absence.withdrawn_at)
        ).all()
        if withdrawn:
            sections.append(Section(
                heading=_("Återkallad frånvaro"),
                lines=[_("{person}: återkallad {withdrawn_at}",
                         person=person_label(a.person), withdrawn_at=format_date(a.withdrawn_at)) for a in withdrawn],
            ))
    context = []
    if roles & NOTE_ROLES and not show_notes:
        typed = f"/frånvaro {args.typed}".strip()
        context.append(_("Noteringarna om skälen visas inte i en kanal eller gruppchatt. Skriv {typed} till mig "
                         "i en personlig chatt med Kansli för att se dem.", typed=typed))
    elif not roles & NOTE_ROLES:
        context.append(_("Noteringar om skälen visas bara för mottagaren av frånvaroanmälningar."))
    return Reply(
        title=_("Frånvaro – {forum}", forum=forum_label(meeting.forum)),
        lines=[meeting_label(meeting)],
        sections=sections,
        context=context,
        restricted=True,
    )


def _require_view(ctx: Context, forum: Forum) -> None:
    """The declared rule of /frånvaro (VIEW_ROLES), refused with a pointer to the asker's own commands."""
    have = queries.roles_of(ctx.session, ctx.person, forum, on=ctx.today)
    if have & VIEW_ROLES:
        return
    holders = sorted({p.name for r in VIEW_ROLES for p in queries.people_with_role(ctx.session, forum, r,
                                                                                    on=ctx.today)})
    who = _(" I {forum} är det {holders}.", forum=forum_label(forum), holders=', '.join(holders)) if holders else ""
    names = ", ".join(ROLE_NAMES[r] for r in ("absence_recipient", "coordinator", "chair", "vice_chair"))
    raise UserError(
        _("Bara {names} kan se frånvarolistan.{who} Din egen frånvaro anmäler du med "
          "{REPORT} och återkallar med {WITHDRAW}.",
          names=names, who=who, REPORT=REPORT, WITHDRAW=WITHDRAW)
    )
