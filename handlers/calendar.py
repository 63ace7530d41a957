"""The Swedish working-day calendar and the forum deadlines of the rules of procedure.

A working day is a day that is not a Saturday, Sunday, public holiday,
midsommarafton, julafton or nyårsafton (Lag (1930:173) om beräkning av
lagstadgad tid). The `holidays` package gives the public holidays and, in its
de facto category, the three eves.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta
from functools import lru_cache

import holidays
from holidays.countries.sweden import Sweden
from handlers.i18n import _

# The eves that are not working days by law; the de facto category also holds
# half days ("from 2pm") that are working days, so only these are taken from it.
_DE_FACTO_NON_WORKING = ("Midsommarafton", "Julafton", _("Nyårsafton"))


@lru_cache(maxsize=64)
def _non_working_days(year: int) -> frozenset[date]:
    public = Sweden(years=year, categories=(holidays.PUBLIC,), language="sv")
    de_facto = Sweden(years=year, categories=(holidays.DE_FACTO,), language="sv")
    days = set(public.keys())
    days.update(d for d, name in de_facto.items() if any(eve in name for eve in _DE_FACTO_NON_WORKING))
    return frozenset(days)


def is_working_day(d: date) -> bool:
    return d.weekday() < 5 and d not in _non_working_days(d.year)


def holiday_name(d: date) -> str | None:
    names = Sweden(years=d.year, categories=(holidays.PUBLIC, holidays.DE_FACTO), language="sv")
    return names.get(d)


def working_days_before(d: date, n: int) -> date:
    """The n-th working day before d (d itself not counted)."""
    day = d
    count = 0
    while count < n:
        day -= timedelta(days=1)
        if is_working_day(day):
            count += 1
    return day


def working_days_after(d: date, n: int) -> date:
    day = d
    count = 0
    while count < n:
        day += timedelta(days=1)
        if is_working_day(day):
            count += 1
    return day


def previous_working_day(d: date) -> date:
    """d if it is a working day, else the closest working day before it."""
    while not is_working_day(d):
        d -= timedelta(days=1)
    return d


def next_working_day(d: date) -> date:
    """d if it is a working day, else the closest working day after it."""
    while not is_working_day(d):
        d += timedelta(days=1)
    return d


@dataclass(frozen=True)
class Deadlines:
    preparation: date | None  # beredning
    agenda: date | None
    documents: date | None
    minutes: date | None


def deadlines_for(
    meeting_day: date,
    *,
    agenda_working_days_before: int | None,
    documents_days_before: int | None,
    preparation_days_before: int | None,
    minutes_days_after: int | None,
) -> Deadlines:
    """Every deadline of a meeting under a forum's rules (None where the forum has no such rule)."""
    agenda = (
        working_days_before(meeting_day, agenda_working_days_before)
        if agenda_working_days_before is not None
        else None
    )
    documents = (
        previous_working_day(meeting_day - timedelta(days=documents_days_before))
        if documents_days_before is not None
        else None
    )
    preparation = (
        previous_working_day(meeting_day - timedelta(days=preparation_days_before))
        if preparation_days_before is not None
        else None
    )
    minutes = (
        next_working_day(meeting_day + timedelta(days=minutes_days_after)) if minutes_days_after is not None else None
    )
    return Deadlines(preparation=preparation, agenda=agenda, documents=documents, minutes=minutes)


def forum_deadlines(forum, meeting_day: date) -> Deadlines:  # type: ignore[no-untyped-def]
    """Deadlines of a meeting day under the rules stored on a Forum row."""
    return deadlines_for(
        meeting_day,
        agenda_working_days_before=forum.agenda_working_days_before,
        documents_days_before=forum.documents_days_before,
        preparation_days_before=forum.preparation_days_before,
        minutes_days_after=forum.minutes_days_after,
    )
