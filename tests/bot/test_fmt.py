"""Swedish formatting (handlers.fmt): what every reply repeats back to the member."""
from __future__ import annotations

import sys
from datetime import date, datetime, time, timedelta, timezone
from pathlib import Path
from zoneinfo import ZoneInfo

ROOT = Path(__file__).resolve().parents[2]
if str(ROOT) not in sys.path:  # the tests run without installing the package
    sys.path.insert(0, str(ROOT))

import pytest  # noqa: E402

from bot.dates import Span, parse_when  # noqa: E402
from handlers.fmt import (  # noqa: E402
    MONTHS,
    STOCKHOLM,
    WEEKDAYS,
    format_date,
    format_date_range,
    format_datetime,
    format_days,
    format_relative_date,
    format_span,
    format_time,
    format_time_range,
    format_week,
    format_when,
    local,
)

NOW = datetime(2026, 11, 18, 10, 0, tzinfo=STOCKHOLM)


def test_names_are_swedish():
    assert WEEKDAYS[0] == "måndag" and WEEKDAYS[6] == "söndag"
    assert MONTHS[0] == "januari" and MONTHS[11] == "december"
    assert STOCKHOLM == ZoneInfo("Europe/Stockholm")


def test_format_date():
    assert format_date(date(2020, 2, 28)) == "fredag 28 februari 2020"
    assert format_date(date(2026, 12, 3)) == "torsdag 3 december 2026"


def test_format_date_of_an_instant_uses_the_stockholm_day():
    # 23.30 UTC on 27 February is already the 28th in Stockholm
    assert format_date(datetime(2020, 2, 27, 23, 30, tzinfo=timezone.utc)) == "fredag 28 februari 2020"


def test_local_takes_naive_times_as_utc():
    assert local(datetime(2026, 7, 1, 12, 0)) == datetime(2026, 7, 1, 14, 0, tzinfo=STOCKHOLM)


def test_format_time():
    assert format_time(time(9, 30)) == "kl. 9.30"
    assert format_time(datetime(2026, 7, 1, 7, 5, tzinfo=timezone.utc)) == "kl. 9.05"


def test_format_datetime():
    assert format_datetime(datetime(2020, 2, 28, 9, 30, tzinfo=STOCKHOLM)) == "fredag 28 februari 2020 kl. 9.30"


def test_format_span_on_one_day():
    start = datetime(2020, 3, 6, 9, 30, tzinfo=STOCKHOLM)
    end = datetime(2020, 3, 6, 14, 0, tzinfo=STOCKHOLM)
    assert format_span(start, end) == "fredag 6 mars 2020, kl. 9.30–14.00"
    assert format_span(start, None) == "fredag 6 mars 2020, kl. 9.30"


def test_format_span_over_midnight_names_both_days():
    start = datetime(2020, 3, 6, 22, 0, tzinfo=STOCKHOLM)
    end = datetime(2020, 3, 7, 2, 0, tzinfo=STOCKHOLM)
    assert format_span(start, end) == "fredag 6 mars 2020, kl. 22.00 – lördag 7 mars 2020, kl. 2.00"


@pytest.mark.parametrize("day, text", [
    (date(2026, 11, 18), "i dag, onsdag 18 november 2026"),
    (date(2026, 11, 19), "i morgon, torsdag 19 november 2026"),
    (date(2026, 11, 20), "i övermorgon, fredag 20 november 2026"),
    (date(2026, 11, 17), "i går, tisdag 17 november 2026"),
    (date(2026, 11, 16), "i förrgår, måndag 16 november 2026"),
    (date(2026, 11, 23), "måndag 23 november 2026"),
])
def test_format_relative_date(day, text):
    assert format_relative_date(day, date(2026, 11, 18)) == text


def test_format_relative_date_accepts_instants():
    moment = datetime(2026, 11, 19, 8, 0, tzinfo=STOCKHOLM)
    assert format_relative_date(moment, NOW) == "i morgon, torsdag 19 november 2026"


def test_format_days():
    assert [format_days(n) for n in (0, 1, 3, -1)] == ["0 dagar", "1 dag", "3 dagar", "-1 dag"]


@pytest.mark.parametrize("monday, text", [
    (date(2026, 12, 7), "vecka 50, 7–13 december 2026"),
    (date(2026, 11, 30), "vecka 49, 30 november–6 december 2026"),
    (date(2026, 12, 28), "vecka 53, 28 december 2026–3 januari 2027"),
    (date(2027, 1, 4), "vecka 1, 4–10 januari 2027"),
])
def test_format_week(monday, text):
    assert format_week(Span(monday, monday + timedelta(days=6), "week")) == text


def test_format_week_of_any_day_in_it():
    assert format_week(date(2026, 12, 10)) == "vecka 50, 7–13 december 2026"


def test_format_week_of_what_the_reader_returns():
    assert format_week(parse_when("vecka 50", NOW)) == "vecka 50, 7–13 december 2026"


def test_format_date_range():
    assert format_date_range(date(2026, 12, 3), date(2026, 12, 5)) == \
        "torsdag 3 december – lördag 5 december 2026"
    assert format_date_range(date(2026, 12, 28), date(2027, 1, 3)) == \
        "måndag 28 december 2026 – söndag 3 januari 2027"
    assert format_date_range(date(2026, 12, 3), date(2026, 12, 3)) == "torsdag 3 december 2026"


def test_format_time_range():
    assert format_time_range(time(9), time(12)) == "kl. 9.00–12.00"
    assert format_time_range(time(11), None) == "från kl. 11.00"
    assert format_time_range(None, time(10, 30)) == "till kl. 10.30"


@pytest.mark.parametrize("phrase, text", [
    ("fredag", "fredag 20 november 2026"),
    ("3 december kl 9", "torsdag 3 december 2026 kl. 9.00"),
    ("vecka 53", "vecka 53, 28 december 2026–3 januari 2027"),
    ("3-5 december", "torsdag 3 december – lördag 5 december 2026"),
    ("3 december kl 9-12", "torsdag 3 december 2026, kl. 9.00–12.00"),
    ("fredag till kl 10.30", "fredag 20 november 2026 till kl. 10.30"),
    ("fredag från kl 11", "fredag 20 november 2026 från kl. 11.00"),
    ("9-12", "kl. 9.00–12.00"),
    ("till kl 10.30", "till kl. 10.30"),
])
def test_format_when_repeats_what_was_understood(phrase, text):
    assert format_when(parse_when(phrase, NOW)) == text


def test_format_when_with_today_adds_the_relative_word():
    assert format_when(parse_when("imorgon", NOW), today=NOW.date()) == "i morgon, torsdag 19 november 2026"


@pytest.mark.parametrize("phrase", ["fredag", "3 december kl 9", "3-5 december", "3 december kl 9-12",
                                    "fredag till kl 10.30", "fredag från kl 11", "28 december - 3 januari",
                                    "3 december kl 9 - 5 december kl 12", "9-12", "från kl 11"])
def test_what_the_reply_repeats_reads_back_the_same(phrase):
    value = parse_when(phrase, NOW)
    assert parse_when(format_when(value), NOW) == value


def test_spraakraadets_formats() -> None:
    """Språkrådet: no leading zero on the hour, 'den' in sentences, ÅÅÅÅ-MM-DD, 'för 3 dagar sedan'."""
    from datetime import date as _date
    from datetime import time as _time

    from handlers.fmt import (STOCKHOLM, format_ago, format_date, format_date_in_sentence, format_datetime,
                              format_iso_date, format_span, format_time, quote)

    assert format_time(_time(9, 30)) == "kl. 9.30" and format_time(_time(14, 0)) == "kl. 14.00"
    assert format_date_in_sentence(_date(2020, 9, 26)) == "lördagen den 26 september 2020"
    assert format_date(_date(2020, 3, 6), sentence=True) == "fredagen den 6 mars 2020"
    assert format_date(_date(2020, 3, 6)) == "fredag 6 mars 2020"
    start = datetime(2020, 3, 6, 9, 30, tzinfo=STOCKHOLM)
    end = datetime(2020, 3, 6, 14, 0, tzinfo=STOCKHOLM)
    assert format_datetime(start, sentence=True) == "fredagen den 6 mars 2020 kl. 9.30"
    assert format_span(start, end) == "fredag 6 mars 2020, kl. 9.30–14.00"
    assert format_span(start, end, sentence=True) == "fredagen den 6 mars 2020 kl. 9.30–14.00"
    assert format_iso_date(_date(2020, 3, 6)) == "2020-03-06"
    assert format_ago(_date(2020, 3, 3), _date(2020, 3, 6)) == "för 3 dagar sedan"
    assert format_ago(_date(2020, 3, 5), _date(2020, 3, 6)) == "för 1 dag sedan"
    assert format_ago(_date(2020, 3, 8), _date(2020, 3, 6)) == "om 2 dagar"
    assert quote("Utvärdering") == "”Utvärdering”"
