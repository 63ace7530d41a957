"""Working days and deadlines per Lag (1930:173) and the forum rules of DESIGN.md."""
from __future__ import annotations

from datetime import date

import pytest

from handlers.calendar import deadlines_for, is_working_day, working_days_before


@pytest.mark.parametrize(
    ("meeting", "agenda"),
    [
        (date(2020, 3, 6), date(2020, 2, 28)),  # seed 003: fem arbetsdagar före
        (date(2026, 4, 9), date(2026, 3, 31)),  # Easter: skärtorsdag counts, långfredag and annandag do not
        (date(2026, 1, 8), date(2025, 12, 29)),  # over trettondagen, nyårsdagen and nyårsafton
    ],
)
def test_agenda_deadline_is_the_nth_working_day_before(meeting: date, agenda: date) -> None:
    assert working_days_before(meeting, 5) == agenda


@pytest.mark.parametrize(
    "day",
    [date(2026, 6, 19), date(2026, 12, 24), date(2026, 12, 31), date(2026, 4, 3), date(2026, 4, 6),
     date(2026, 5, 14), date(2026, 6, 6), date(2026, 1, 6), date(2026, 11, 21), date(2026, 11, 22)],
)
def test_eves_public_holidays_and_weekends_are_not_working_days(day: date) -> None:
    assert not is_working_day(day)


@pytest.mark.parametrize("day", [date(2026, 4, 2), date(2026, 12, 23), date(2026, 4, 30), date(2026, 11, 23)])
def test_half_days_and_ordinary_days_are_working_days(day: date) -> None:
    assert is_working_day(day)


def rules(**kw):  # type: ignore[no-untyped-def]
    base = dict(agenda_working_days_before=5, documents_days_before=7, preparation_days_before=14,
                minutes_days_after=7)
    base.update(kw)
    return base


def test_deadlines_of_the_september_2020_meeting() -> None:
    d = deadlines_for(date(2020, 9, 25), **rules())
    assert d.agenda == date(2020, 9, 18)
    assert d.documents == date(2020, 9, 18)
    assert d.minutes == date(2020, 10, 2)
    assert d.preparation == date(2020, 9, 11)


def test_minutes_roll_forward_over_a_weekend() -> None:
    # Thursday 2020-10-01 + 2 days = Saturday → Monday 5 October
    assert deadlines_for(date(2020, 10, 1), **rules(minutes_days_after=2)).minutes == date(2020, 10, 5)


def test_minutes_roll_forward_over_christmas() -> None:
    # Friday 2026-12-18 + 7 = Friday 25 December (juldagen) → 28 December (annandagen is Saturday)
    assert deadlines_for(date(2026, 12, 18), **rules()).minutes == date(2026, 12, 28)
    # Thursday 2025-12-18 + 7 = Thursday 25 December → Monday 29 December (26th Friday is annandag jul)
    assert deadlines_for(date(2025, 12, 18), **rules()).minutes == date(2025, 12, 29)


def test_documents_roll_back_to_the_previous_working_day() -> None:
    # Tuesday 2026-04-14 − 7 = Tuesday 7 April, fine; Monday 2026-04-13 − 7 = annandag påsk → Thursday 2 April
    assert deadlines_for(date(2026, 4, 14), **rules()).documents == date(2026, 4, 7)
    assert deadlines_for(date(2026, 4, 13), **rules()).documents == date(2026, 4, 2)
    # Tuesday 2026-12-01 − 2 = Sunday → Friday 27 November
    assert deadlines_for(date(2026, 12, 1), **rules(documents_days_before=2)).documents == date(2026, 11, 27)


def test_a_forum_without_a_rule_has_no_deadline() -> None:
    d = deadlines_for(date(2020, 9, 25), agenda_working_days_before=5, documents_days_before=None,
                      preparation_days_before=None, minutes_days_after=None)
    assert (d.documents, d.preparation, d.minutes) == (None, None, None)
