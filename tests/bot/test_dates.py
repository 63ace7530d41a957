"""The Swedish date reader (bot.dates): every phrase a member may type.

Two tables drive most tests: the shared corpus tests/data/dates_sv.tsv (phrase, expected; now is
2026-11-18T10:00 Stockholm) and kansli's own tests/data/dates_kansli.tsv (now, phrase, expected).
"""
from __future__ import annotations

import re
import sys
from datetime import date, datetime, time, timedelta, timezone
from pathlib import Path
from zoneinfo import ZoneInfo

ROOT = Path(__file__).resolve().parents[2]
if str(ROOT) not in sys.path:  # the tests run without installing the package
    sys.path.insert(0, str(ROOT))

import pytest  # noqa: E402
from hypothesis import HealthCheck, given, settings  # noqa: E402
from hypothesis import strategies as st  # noqa: E402

from bot.dates import Span, parse_time, parse_when, split_when, warm_up  # noqa: E402
from handlers.fmt import MONTHS, WEEKDAYS, format_date, format_date_range, format_datetime  # noqa: E402

STOCKHOLM = ZoneInfo("Europe/Stockholm")
DATA = ROOT / "tests" / "data"
NOW = datetime(2026, 11, 18, 10, 0, tzinfo=STOCKHOLM)

PROPERTY = settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])


def _rows(name: str, with_now: bool) -> list:
    rows = []
    for lineno, line in enumerate((DATA / name).read_text(encoding="utf-8").splitlines(), 1):
        if not line.strip() or line.startswith("#"):
            continue
        cols = line.split("\t")
        if with_now:
            now_txt, phrase, expected = cols
            now = NOW
            if now_txt:
                now = datetime.fromisoformat(now_txt)
                if now.tzinfo is None:
                    now = now.replace(tzinfo=STOCKHOLM)
        else:
            phrase, expected = cols
            now = NOW
        rows.append(pytest.param(now, phrase, expected, id=f"{name}:{lineno}:{phrase}"))
    return rows


CORPUS = _rows("dates_sv.tsv", with_now=False)
KANSLI = _rows("dates_kansli.tsv", with_now=True)


def _assert_swedish_advice(message: str) -> None:
    """An error a member sees: Swedish, and it says what to type instead."""
    assert "Skriv" in message, message
    assert not re.search(r"\b(invalid|error|must|out of range|unknown|Traceback)\b", message, re.I), message


def _point(txt: str) -> date | datetime | None:
    if txt == "-":
        return None
    if len(txt) == 10:
        return date.fromisoformat(txt)
    dt = datetime.fromisoformat(txt)
    return dt if dt.tzinfo else dt.replace(tzinfo=STOCKHOLM)


def _assert_same_point(got, want) -> None:
    if want is None:
        assert got is None
        return
    if isinstance(want, datetime):
        assert isinstance(got, datetime), f"expected a date and time, got {got!r}"
        assert got.tzinfo is not None and getattr(got.tzinfo, "key", None) == "Europe/Stockholm", got
        assert got.replace(tzinfo=None) == want.replace(tzinfo=None)
        assert got.utcoffset() == want.utcoffset(), f"{got} should be {want}"
    else:
        assert type(got) is date, f"expected a day, got {got!r}"
        assert got == want


def _check(result, expected: str, span_by_start: bool) -> None:
    kind, _, args = expected.partition(" ")
    if kind == "week":
        monday = date.fromisoformat(args)
        assert isinstance(result, Span) and result.kind == "week", result
        assert (result.start, result.end) == (monday, monday + timedelta(days=6))
    elif kind == "range":
        a, b = args.split(" ")
        assert isinstance(result, Span) and result.kind == "range", result
        _assert_same_point(result.start, _point(a))
        _assert_same_point(result.end, _point(b))
    elif kind == "time":
        a, b = (None if x == "-" else time.fromisoformat(x) for x in args.split(" "))
        assert isinstance(result, Span) and result.kind == "time_range", result
        assert (result.start, result.end) == (a, b)
    else:
        if span_by_start and isinstance(result, Span):
            result = result.start
        _assert_same_point(result, _point(expected))


def _run_row(now: datetime, phrase: str, expected: str, span_by_start: bool) -> None:
    if expected.startswith("ERROR"):
        with pytest.raises(ValueError) as info:
            parse_when(phrase, now)
        message = str(info.value)
        _assert_swedish_advice(message)
        wanted = expected.partition(":")[2]
        assert wanted in message, f"{message!r} should mention {wanted!r}"
    else:
        _check(parse_when(phrase, now), expected, span_by_start)


@pytest.mark.parametrize("now, phrase, expected", CORPUS)
def test_shared_corpus(now, phrase, expected):
    _run_row(now, phrase, expected, span_by_start=True)


@pytest.mark.parametrize("now, phrase, expected", KANSLI)
def test_kansli_table(now, phrase, expected):
    _run_row(now, phrase, expected, span_by_start=False)


def test_kansli_table_is_large_enough():
    assert len(KANSLI) >= 150
    assert len(CORPUS) >= 27


# --- messages the member reads ---------------------------------------------------------------


def test_impossible_date_says_what_to_write():
    with pytest.raises(ValueError) as info:
        parse_when("31 februari", NOW)
    assert str(info.value) == "Det finns ingen 31 februari. Skriv datumet som 28 februari eller 2027-02-28."


def test_weekday_that_contradicts_the_date_names_the_real_weekday():
    with pytest.raises(ValueError) as info:
        parse_when("fredag 3 december", NOW)
    assert "3 december 2026 är en torsdag, inte en fredag" in str(info.value)
    assert "”torsdag 3 december”" in str(info.value)


def test_unreadable_text_gets_examples():
    with pytest.raises(ValueError) as info:
        parse_when("blabla", NOW)
    assert str(info.value) == (
        "Jag förstår inte datumet ”blabla”. "
        "Skriv till exempel ”fredag”, ”3 december”, ”2026-12-03” eller ”vecka 50”.")


@pytest.mark.parametrize("text", ["", "   ", "\n"])
def test_empty_text_asks_for_a_date(text):
    with pytest.raises(ValueError) as info:
        parse_when(text, NOW)
    _assert_swedish_advice(str(info.value))


def test_long_unreadable_text_is_shortened_in_the_message():
    with pytest.raises(ValueError) as info:
        parse_when("det här är ingen tidpunkt utan en lång mening om annat " * 3, NOW)
    assert len(str(info.value)) < 160


# --- split_when: the date at the start of a command -------------------------------------------

SPLITS = [
    ("17 december punkt 4-6", date(2026, 12, 17), "punkt 4-6"),
    ("fredag: sjuk", date(2026, 11, 20), ": sjuk"),
    ("torsdag 3 december kl 9 ärende 2026:3",
     datetime(2026, 12, 3, 9, 0, tzinfo=STOCKHOLM), "ärende 2026:3"),
    ("3 december 2026, kl 9; ersättare: @x",
     datetime(2026, 12, 3, 9, 0, tzinfo=STOCKHOLM), "; ersättare: @x"),
    ("till kl 10.30 : tandläkare", Span(None, time(10, 30), "time_range"), ": tandläkare"),
    ("vecka 50 och 51", Span(date(2026, 12, 7), date(2026, 12, 13), "week"), "och 51"),
    ("3/12 @anna", date(2026, 12, 3), "@anna"),
    ("mån kl 9 möte", datetime(2026, 11, 23, 9, 0, tzinfo=STOCKHOLM), "möte"),
    ("  idag  ", date(2026, 11, 18), ""),
    ("idag.", date(2026, 11, 18), ""),
    ("3-5 december semester", Span(date(2026, 12, 3), date(2026, 12, 5), "range"), "semester"),
]


@pytest.mark.parametrize("text, when, rest", SPLITS, ids=[s[0] for s in SPLITS])
def test_split_when_finds_the_leading_date(text, when, rest):
    assert split_when(text, NOW) == (when, rest)


@pytest.mark.parametrize("text", [
    "nästa möte", "Sjuk hela dagen", "punkt 4-6", "2026:3 dagordning", "man kan inte komma",
    "son till ordföranden", "", "@anna 3 december", "blabla 3 december",
])
def test_split_when_leaves_text_without_a_leading_date_alone(text):
    assert split_when(text, NOW) == (None, text)


@pytest.mark.parametrize("text, wanted", [
    ("31 februari kommer jag inte", "28 februari"),
    ("fredag 3 december: sjuk", "torsdag"),
    ("vecka 54 är jag borta", "vecka 50"),
    ("kl 25 punkt 3", "23.59"),
])
def test_split_when_rejects_a_leading_date_that_is_wrong(text, wanted):
    with pytest.raises(ValueError) as info:
        split_when(text, NOW)
    _assert_swedish_advice(str(info.value))
    assert wanted in str(info.value)


# --- parse_time -----------------------------------------------------------------------------


@pytest.mark.parametrize("text, want", [
    ("kl 9", time(9)), ("kl. 13.30", time(13, 30)), ("9:15", time(9, 15)), ("9.15", time(9, 15)),
    ("9", time(9)), ("klockan 0930", time(9, 30)), ("KL 23.59", time(23, 59)),
])
def test_parse_time(text, want):
    assert parse_time(text) == want


@pytest.mark.parametrize("text", ["kl 24", "25.00", "fredag", "", "kl 9-12"])
def test_parse_time_rejects_non_times(text):
    with pytest.raises(ValueError) as info:
        parse_time(text)
    _assert_swedish_advice(str(info.value))


# --- properties -----------------------------------------------------------------------------

ZONES = [STOCKHOLM, timezone.utc, ZoneInfo("America/New_York"), ZoneInfo("Asia/Tokyo")]
nows = st.datetimes(
    min_value=datetime(2020, 1, 1), max_value=datetime(2035, 12, 31), timezones=st.sampled_from(ZONES))

VOCAB = [
    "i", "dag", "idag", "morgon", "övermorgon", "går", "fredag", "fre", ".", "mån", "man", "nästa",
    "vecka", "veckan", "v", "kl", "klockan", "den", "här", "denna", "förra", "kommande", "på", "om",
    "två", "ett", "tolv", "dagar", "veckor", "månader", "år", "timmar", "minuter", "sedan", "för",
    "3", "31", "12", "0", "00", "29", "53", "99", "2026", "1850", "februari", "dec", "sept.", "-", "–",
    "/", ",", ":", "till", "från", "mellan", "och", "fram", "3:e", "1:a", "9.15", "3.12", "13:30",
    "261203", "20261203", "2026-02-30", "1/2", "9-12", "24", "25.00", "0930", "T", "fredags",
    "99999999999999999999", "nu", "tjugo", "@", "ärende",
]
swedish_like = st.lists(st.sampled_from(VOCAB), max_size=8).flatmap(
    lambda words: st.sampled_from([" ".join(words), "".join(words)]))
any_text = st.one_of(st.text(max_size=40), swedish_like)


@PROPERTY
@given(text=any_text, now=nows)
def test_parse_when_answers_or_explains(text, now):
    try:
        result = parse_when(text, now)
    except ValueError as e:
        _assert_swedish_advice(str(e))
    else:
        assert isinstance(result, (date, Span))
        if isinstance(result, datetime):
            assert result.tzinfo is STOCKHOLM or result.tzinfo == STOCKHOLM


@PROPERTY
@given(text=any_text, now=nows)
def test_split_when_answers_or_explains(text, now):
    try:
        when, rest = split_when(text, now)
    except ValueError as e:
        _assert_swedish_advice(str(e))
    else:
        if when is None:
            assert rest == text
        else:
            assert len(rest) < len(text)
            assert rest == rest.strip()
            assert text.strip().endswith(rest)


@PROPERTY
@given(day=st.dates(min_value=date(2020, 1, 1), max_value=date(2035, 12, 31)))
def test_every_formatted_date_reads_back(day):
    assert parse_when(format_date(day), datetime(2019, 6, 1, 12, 0, tzinfo=STOCKHOLM)) == day


def test_every_formatted_date_2020_to_2035_reads_back_exhaustively():
    now = datetime(2019, 6, 1, 12, 0, tzinfo=STOCKHOLM)
    day = date(2020, 1, 1)
    wrong = []
    while day <= date(2035, 12, 31):
        if parse_when(format_date(day), now) != day:
            wrong.append(day)
        day += timedelta(days=1)
    assert wrong == []


@PROPERTY
@given(moment=st.datetimes(min_value=datetime(2020, 1, 1), max_value=datetime(2035, 12, 31),
                           timezones=st.just(timezone.utc)))
def test_every_formatted_date_and_time_reads_back(moment):
    wall = moment.astimezone(STOCKHOLM).replace(second=0, microsecond=0)
    got = parse_when(format_datetime(wall), datetime(2019, 6, 1, tzinfo=STOCKHOLM))
    assert (got.date(), got.hour, got.minute) == (wall.date(), wall.hour, wall.minute)


@PROPERTY
@given(now=nows, day=st.integers(1, 31), month=st.integers(1, 12), style=st.integers(0, 2))
def test_a_date_without_year_is_within_the_coming_year(now, day, month, style):
    text = [f"{day} {MONTHS[month - 1]}", f"{day}/{month}", f"den {day}:e {MONTHS[month - 1][:3]}"][style]
    today = now.astimezone(STOCKHOLM).date()
    try:
        got = parse_when(text, now)
    except ValueError as e:
        _assert_swedish_advice(str(e))
        assert str(day) in str(e)
    else:
        assert (got.month, got.day) == (month, day)
        assert today <= got < today + timedelta(days=366)


@PROPERTY
@given(now=nows, weekday=st.integers(0, 6), prefix=st.sampled_from(["", "på ", "nästa ", "kommande "]))
def test_a_weekday_is_the_next_one_after_today(now, weekday, prefix):
    today = now.astimezone(STOCKHOLM).date()
    got = parse_when(prefix + WEEKDAYS[weekday], now)
    assert got.weekday() == weekday
    assert 1 <= (got - today).days <= 7


@PROPERTY
@given(now=nows, week=st.integers(1, 53))
def test_a_week_number_is_a_week_that_has_not_ended(now, week):
    today = now.astimezone(STOCKHOLM).date()
    try:
        got = parse_when(f"vecka {week}", now)
    except ValueError as e:
        assert week == 53 and "vecka 53" in str(e)
        _assert_swedish_advice(str(e))
    else:
        assert got.kind == "week"
        assert got.start.weekday() == 0 and got.start.isocalendar()[1] == week
        assert got.end == got.start + timedelta(days=6)
        assert today <= got.end < today + timedelta(days=7 * 54)


@PROPERTY
@given(now=nows, hour=st.integers(0, 23), minute=st.integers(0, 59))
def test_a_bare_time_is_never_in_the_past(now, hour, minute):
    try:
        got = parse_when(f"kl {hour}.{minute:02d}", now)
    except ValueError as e:  # only the hour skipped by summer time
        assert "sommartid" in str(e)
        return
    wall_now = now.astimezone(STOCKHOLM).replace(second=0, microsecond=0, tzinfo=None)
    assert (got.hour, got.minute) == (hour, minute)
    assert wall_now <= got.replace(tzinfo=None) < wall_now + timedelta(days=1)


def test_formatted_date_range_reads_back():
    start, end = date(2026, 12, 3), date(2026, 12, 5)
    assert parse_when(format_date_range(start, end), NOW) == Span(start, end, "range")


def test_span_is_an_immutable_value():
    week = parse_when("vecka 50", NOW)
    assert week == Span(date(2026, 12, 7), date(2026, 12, 13), "week")
    assert hash(week) == hash(Span(date(2026, 12, 7), date(2026, 12, 13), "week"))
    with pytest.raises(AttributeError):
        week.start = date(2026, 12, 8)


def test_warm_up_leaves_the_reader_working():
    warm_up()
    assert parse_when("för två dagar sedan", NOW) == date(2026, 11, 16)
    assert parse_when("fredag", NOW) == date(2026, 11, 20)
