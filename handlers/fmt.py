"""Swedish formatting of dates and times, used by every reply.

Times are stored in UTC and shown in Europe/Stockholm. A reply that acted on a
date repeats it in full ("fredag 28 februari 2020") so that a misread shows.
"""
from __future__ import annotations

from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

STOCKHOLM = ZoneInfo("Europe/Stockholm")

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


def format_date(d: date | datetime) -> str:
    """'fredag 28 februari 2020'."""
    if isinstance(d, datetime):
        d = local(d).date()
    return f"{WEEKDAYS[d.weekday()]} {d.day} {MONTHS[d.month - 1]} {d.year}"


def format_time(t: time | datetime) -> str:
    """'kl. 09.30'."""
    if isinstance(t, datetime):
        t = local(t).time()
    return f"kl. {t.hour:02d}.{t.minute:02d}"


def format_datetime(dt: datetime) -> str:
    """'fredag 28 februari 2020 kl. 09.30' in Stockholm time."""
    return f"{format_date(dt)} {format_time(dt)}"


def format_span(start: datetime, end: datetime | None) -> str:
    """'fredag 6 mars 2020 kl. 09.30–14.00'."""
    if end is None:
        return format_datetime(start)
    e = local(end)
    return f"{format_datetime(start)}–{e.hour:02d}.{e.minute:02d}"


def format_relative_date(d: date, today: date) -> str:
    """'i morgon, torsdag 19 november 2026' where a relative word helps, else the full date."""
    words = {0: "i dag", 1: "i morgon", 2: "i övermorgon", -1: "i går"}
    word = words.get((d - today).days)
    return f"{word}, {format_date(d)}" if word else format_date(d)


def format_days(n: int) -> str:
    """'1 dag', '3 dagar'."""
    return f"{n} dag" if abs(n) == 1 else f"{n} dagar"


def week_monday(d: date) -> date:
    return d - timedelta(days=d.weekday())
