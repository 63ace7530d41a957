"""Swedish formatting of dates and times, used by every reply, card, page, document and e-mail.

Times are stored in UTC and shown in Europe/Stockholm. A reply that acted on a
date repeats it in full ("fredag 28 februari 2020") so that a misread shows.

Språkrådet's formats: "kl. 9.30" (no leading zero on the hour), "fredag 6 mars 2020, kl. 9.30–14.00"
in fields and headings, "fredagen den 6 mars 2020 kl. 9.30" in running sentences (``sentence=True``:
"Inget möte lördagen den 26 september 2020."), ÅÅÅÅ-MM-DD in document headers, "för 3 dagar sedan".
Dates, times and time spans go through Babel's Swedish locale; only the joins Babel has no pattern
for (a time range, a week, a run of days) are kansli's own.
"""
from __future__ import annotations

from datetime import date, datetime, time, timedelta
from functools import lru_cache
from zoneinfo import ZoneInfo

from babel import Locale
from babel.dates import format_date as _babel_date
from babel.dates import format_time as _babel_time
from babel.dates import format_timedelta as _babel_timedelta

from handlers.i18n import _, ngettext

STOCKHOLM = ZoneInfo("Europe/Stockholm")
# Babel's Swedish locale, parsed once: given as "sv", Babel parses the name again on every call.
SV = Locale.parse("sv")

WEEKDAYS = ("måndag", "tisdag", "onsdag", "torsdag", "fredag", "lördag", "söndag")
MONTHS = (
    "januari", "februari", "mars", "april", "maj", "juni",
    "juli", "augusti", "september", "oktober", "november", "december",
)


def local(dt: datetime) -> datetime:
    """The instant as Stockholm wall-clock time (naive input is taken as UTC)."""
    if dt.tzinfo is None:
        dt = dt.replace(tzinfo=ZoneInfo("UTC"))
    return dt.astimezone(STOCKHOLM)


def format_date(d: date | datetime, *, sentence: bool = False) -> str:
    """'fredag 28 februari 2020' (for fields and headings); with ``sentence`` the running-text form
    'fredagen den 28 februari 2020' ('Inget möte fredagen den 28 februari 2020.')."""
    if isinstance(d, datetime):
        d = local(d).date()
    return _day_text(d, sentence)


@lru_cache(maxsize=4096)
def _day_text(d: date, sentence: bool) -> str:
    # A day's text never changes, and a long list (all of a forum's assignments) names the same days
    # again and again: Babel's formatting was a third of the processor time of such a list.
    if sentence:
        # Babel has the weekday only in its bare form; the definite form ('fredagen') is kansli's own.
        return f"{WEEKDAYS[d.weekday()]}en " + _babel_date(d, "'den' d MMMM y", locale=SV)
    return _babel_date(d, "EEEE d MMMM y", locale=SV)


def format_date_in_sentence(d: date | datetime) -> str:
    """'fredagen den 28 februari 2020' (inside a sentence: 'Inget möte fredagen den 28 februari 2020.')."""
    return format_date(d, sentence=True)


def format_iso_date(d: date | datetime) -> str:
    """'2020-02-28' (ÅÅÅÅ-MM-DD, for document headers and file names)."""
    if isinstance(d, datetime):
        d = local(d).date()
    return _babel_date(d, "yyyy-MM-dd", locale=SV)


@lru_cache(maxsize=2048)
def _clock(t: time) -> str:
    """'9.30', '14.00' (Språkrådet: no leading zero on the hour)."""
    return _babel_time(t, "H.mm", locale=SV)


def format_time(t: time | datetime) -> str:
    """'kl. 9.30'."""
    if isinstance(t, datetime):
        t = local(t).time()
    return f"kl. {_clock(t)}"


def format_datetime(dt: datetime, *, sentence: bool = False) -> str:
    """'fredag 28 februari 2020 kl. 9.30' in Stockholm time; with ``sentence``
    'fredagen den 28 februari 2020 kl. 9.30'."""
    return f"{format_date(dt, sentence=sentence)} {format_time(dt)}"


def format_span(start: datetime, end: datetime | None, *, sentence: bool = False) -> str:
    """'fredag 6 mars 2020, kl. 9.30–14.00' (a meeting's field); an end on another day is written
    in full ('fredag 6 mars 2020, kl. 22.00 – lördag 7 mars 2020, kl. 2.00'). With ``sentence`` the
    running-text form without the field's comma: 'fredagen den 6 mars 2020 kl. 9.30–14.00'."""
    sep = " " if sentence else ", "
    first = f"{format_date(start, sentence=sentence)}{sep}{format_time(start)}"
    if end is None:
        return first
    s, e = local(start), local(end)
    if e.date() != s.date():
        return f"{first} – {format_date(end, sentence=sentence)}{sep}{format_time(end)}"
    return f"{first}–{_clock(e.time())}"


def format_ago(then: date | datetime, now: date | datetime) -> str:
    """'för 3 dagar sedan', 'om 2 dagar' (whole days in Stockholm)."""
    days = (_as_local_date(then) - _as_local_date(now)).days
    if days == 0:
        return "i dag"
    return _babel_timedelta(timedelta(days=days), granularity="day", threshold=1000, add_direction=True,
                            locale=SV)


def quote(text: str) -> str:
    """User text quoted the Swedish way: ”text”."""
    return f"”{text}”"


def _as_local_date(d: date | datetime) -> date:
    return local(d).date() if isinstance(d, datetime) else d


def format_relative_date(d: date | datetime, today: date | datetime) -> str:
    """'i morgon, torsdag 19 november 2026' where a relative word helps, else the full date.

    Datetimes are taken as their day in Stockholm."""
    d, today = _as_local_date(d), _as_local_date(today)
    words = {0: _("i dag"), 1: _("i morgon"), 2: _("i övermorgon"), -1: _("i går"), -2: _("i förrgår")}
    word = words.get((d - today).days)
    return f"{word}, {format_date(d)}" if word else format_date(d)


def format_days(n: int) -> str:
    """'1 dag', '3 dagar'."""
    from handlers.i18n import _, ngettext

    return ngettext("{n} dag", "{n} dagar", abs(n), n=n)


def week_monday(d: date) -> date:
    return d - timedelta(days=d.weekday())


def format_week(span) -> str:
    """'vecka 50, 7–13 december 2026' for a week (anything with a Monday ``.start``,
    such as the Span that bot.dates returns for "vecka 50", or a date in the week)."""
    start = span.start if hasattr(span, "start") else span
    monday = week_monday(_as_local_date(start))
    sunday = monday + timedelta(days=6)
    week = monday.isocalendar()[1]
    return f"vecka {week}, {_day_run(monday, sunday)}"


def _day_run(first: date, last: date) -> str:
    """'7–13 december 2026', '30 november–6 december 2026',
    '28 december 2026–3 januari 2027' (no weekdays)."""
    if first.year != last.year:
        return (f"{first.day} {MONTHS[first.month - 1]} {first.year}–"
                f"{last.day} {MONTHS[last.month - 1]} {last.year}")
    if first.month != last.month:
        return f"{first.day} {MONTHS[first.month - 1]}–{last.day} {MONTHS[last.month - 1]} {last.year}"
    return f"{first.day}–{last.day} {MONTHS[last.month - 1]} {last.year}"


def format_date_range(start: date, end: date) -> str:
    """'torsdag 3 december – lördag 5 december 2026'; one day gives format_date."""
    start, end = _as_local_date(start), _as_local_date(end)
    if start == end:
        return format_date(start)
    if start.year == end.year:
        first = f"{WEEKDAYS[start.weekday()]} {start.day} {MONTHS[start.month - 1]}"
        return f"{first} – {format_date(end)}"
    return f"{format_date(start)} – {format_date(end)}"


def format_time_range(start: time | None, end: time | None) -> str:
    """'kl. 9.00–12.00', 'från kl. 11.00', 'till kl. 10.30'."""
    if start is not None and end is not None:
        return f"{format_time(start)}–{_clock(end)}"
    if start is not None:
        return _("från {start}", start=format_time(start))
    if end is not None:
        return _("till {end}", end=format_time(end))
    return ""


def format_when(value, today: date | None = None) -> str:
    """Any result of bot.dates.parse_when in full Swedish, for the reply that
    repeats what was understood. With ``today`` a single day gets its relative
    word ('i morgon, torsdag 19 november 2026')."""
    kind = getattr(value, "kind", None)
    if kind == "week":
        return format_week(value)
    if kind == "time_range":
        return format_time_range(value.start, value.end)
    if kind == "range":
        start, end = value.start, value.end
        if isinstance(start, datetime) or isinstance(end, datetime):
            if start is None:
                return _("{end} till {end2}", end=format_date(end), end2=format_time(end))
            if end is None:
                return _("{start} från {start2}", start=format_date(start), start2=format_time(start))
            return format_span(start, end)
        return format_date_range(start, end)
    if isinstance(value, datetime):
        return format_datetime(value)
    if isinstance(value, date):
        return format_relative_date(value, today) if today is not None else format_date(value)
    raise TypeError(f"cannot format {value!r}")
