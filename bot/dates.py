"""The Swedish date reader behind every command.

Public functions
----------------
``parse_when(text, now)``
    Read a whole Swedish date/time phrase. Returns

    * ``datetime.date`` for a day ("fredag", "3 december", "261203");
    * an aware ``datetime`` in Europe/Stockholm when a time of day is given
      ("3 december kl 9", "kl 14");
    * a :class:`Span` for a week or a range:

      - ``kind="week"``: ``.start`` is the Monday, ``.end`` the Sunday (dates)
        ("vecka 50", "v. 49", "nästa vecka");
      - ``kind="range"``: both ends dates ("3-5 december") or both aware
        datetimes ("3 december kl 9-12"); an open end is ``None``
        ("fredag till kl 10.30" has ``start=None``, "fredag från kl 11"
        has ``end=None``);
      - ``kind="time_range"``: a time range without a day ("9-12",
        "kl 9.30–12", "till kl 10.30", "från kl 11"); ``.start`` and ``.end``
        are ``datetime.time`` objects, ``end`` is ``None`` for "från kl 11"
        and ``start`` is ``None`` for "till kl 10.30".

    Raises ``ValueError`` with a plain Swedish message that says what to type
    instead, for invalid or self-contradicting dates and for unreadable text.
    It never raises anything else for a ``str``.

``split_when(text, now)``
    Find the longest date/time phrase at the start of ``text`` and return
    ``(result, rest)`` with ``rest`` stripped of surrounding white space
    (punctuation such as a leading ":" is kept for the caller). Returns
    ``(None, text)`` unchanged when the text does not start with a date.
    Raises ``ValueError`` when the leading phrase clearly is a date but an
    invalid one ("31 februari ...", "fredag 3 december ..." in 2026).
    Only the rules of this module are used here, never dateparser, and words
    that also begin ordinary sentences ("man", "son", "tor", "nu") do not count
    as a leading date on their own ("mån", "man." and "man kl 9" do).

``parse_time(text)``
    A clock time alone ("kl 9", "13.30", "9:15", "9") as ``datetime.time``.

``warm_up()``
    Load dateparser's Swedish data and compile everything, so that the first
    real parse is fast. The service calls it at start.

What members can write (case and accents do not matter: "MANDAG" = "måndag")
------------------------------------------------------------------------
* days: "i dag"/"idag", "i morgon"/"imorgon"/"imorn", "i övermorgon"/"övermorgon",
  "i går", "i förrgår"; weekdays full, short and definite ("måndag", "mån", "mån.",
  "tis", "ons", "tors", "fre", "lör", "sön", "fredagen"), with "på", "nästa",
  "kommande"; "fredag nästa vecka", "fredag denna vecka", "fredag förra veckan",
  "fredag vecka 50", "i fredags";
* dates: "3 december", "den 3 dec.", "3:e december", "1:a jan 2027", "den 20:e",
  "dec 3", "december 3, 2026",
  "3/12", "3/12 2026", "3/12-26", "3/12/2026", "3.12", "3.12.2026", "2026-12-03",
  "261203", "20261203", with or without a weekday ("torsdag den 3 december");
* "om N dagar/veckor/månader/år" with digits or number words (en/ett ... tolv, up
  to tjugo); "om 2 timmar", "om 30 minuter"; "nu"; "för två dagar sedan";
* weeks: "vecka 50", "v. 50", "v50", "v 50", "vecka 50 2027", "nästa vecka",
  "denna vecka", "den här veckan", "i veckan", "förra veckan";
* times: "kl 9", "kl. 13.30", "klockan 9:15", "kl 0930", "13:30", "9.15", alone
  or with a day before or after ("fredag kl 13", "kl 13 på fredag");
* time ranges: "9-12", "kl 9.30–12", "09:00-12:00", "kl 9 till 12",
  "mellan kl 9 och 12", "till kl 10.30", "fram till kl 11", "från kl 11",
  "från kl 11 till 14", alone or with a day ("3 december kl 9-12");
* date ranges: "3-5 december", "3 till 5 december", "mellan 3 och 5 december",
  "3-5/12", "3/12-5/12", "28 december - 3 januari", "måndag-fredag",
  "från 3 december till 5 december", "3 december kl 9 - 5 december kl 12".

Rules (shared corpus tests/data/dates_sv.tsv) and kansli's decisions
---------------------------------------------------------------------
``now`` may be in any zone (a naive ``now`` is taken as UTC, as in
handlers.fmt.local); it is read as wall-clock time in Stockholm.

* A date without a year is the next one on or after today.
* A bare weekday ("fredag", "fre.") is the next such day strictly after today.
  "på fredag", "nästa fredag" and "kommande fredag" mean the same.
  "fredag nästa vecka" is the Friday of the next ISO week; "fredag denna
  vecka"/"i veckan" the Friday of the current week; "i fredags" the last
  Friday before today.
* "vecka N" ("v. 50", "v50", "v 50", "vecka 50 2027") is the ISO week N that
  has not yet ended: the current week counts, an earlier number means next
  year ("vecka 2" in December is January). Week 53 exists only in some
  ISO years; asking for it in a year without it is an error.
* A bare time ("kl 7") earlier than now is tomorrow; with a day it is that day
  ("i dag kl 9" stays today even when it has passed).
* A bare number is never a date or a time ("9", "14"): write "kl 9" or
  "den 14". "9-12" alone is a time range; before a month it is a date range.
* The end of a date range is read from its start ("28 december - 3 januari"
  crosses the year, "måndag-fredag" is one working week); an end before the
  start is an error.
* "ÅÅMMDD" (200306) and "ÅÅÅÅMMDD" (20200306) are read as 20ÅÅ-MM-DD; a
  two-digit year elsewhere ("3/12-26", "3.12.26") is 20ÅÅ too. Years outside
  1900-2199 are refused as typing mistakes.
* "den 20" / "den 20:e" / "20:e" is the next 20th on or after today; "den 31"
  skips months without a 31st.
* "D.M" with a dot is a date when it can be one ("3.12" = 3 December) and a
  time otherwise ("9.15", "13.30"); after "kl" or after a full date it is
  always a time ("kl 10.10", "3 december 10.10").
* A weekday together with a date must agree ("torsdag 3 december" is fine,
  "fredag 3 december" is an error naming the real weekday).
* "29 februari" without a year is an error when the coming 29 February does
  not exist (it never jumps years ahead to a leap year).
* A time that does not exist because of the switch to summer time
  ("2026-03-29 kl 2.30") is an error; a time that occurs twice in October is
  the first of them (summer time).

dateparser (Swedish only, explicit settings, never language detection) is a
narrow fallback in ``parse_when`` for the one shape of phrase these rules do
not read: the past ("för två dagar sedan", "3 timmar sedan", "för en vecka
sedan"). Everything else it would guess at ("en" as the 1st of this month,
"3 dagar" as in three days, "december" as the 18th, "nov 18" on 18 November
as next year) is refused.
"""
from __future__ import annotations

import calendar
import logging
import re
import unicodedata
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta, timezone
from typing import NamedTuple, Union

from handlers.fmt import MONTHS, STOCKHOLM, WEEKDAYS, format_date, format_time, local
from handlers.i18n import _

log = logging.getLogger(__name__)

__all__ = ["Span", "When", "parse_when", "split_when", "parse_time", "warm_up"]


@dataclass(frozen=True)
class Span:
    """A week, a date or date-time range, or a time range without a day.

    ``kind`` is "week", "range" or "time_range"; see the module docstring.
    """

    start: date | datetime | time | None
    end: date | datetime | time | None
    kind: str


When = Union[date, datetime, Span]

EXAMPLES = _("Skriv till exempel ”fredag”, ”3 december”, ”2026-12-03” eller ”vecka 50”.")
MIN_YEAR, MAX_YEAR = 1900, 2199
MAX_OFFSET = 1000  # "om N dagar/veckor/månader/år": N at most this

# --------------------------------------------------------------------------
# Vocabulary (accent-folded, lower case)
# --------------------------------------------------------------------------

WEEKDAY_WORDS: dict[str, int] = {}
for _i, _names in enumerate((
    ("mandag", "man", "mandagen"),
    ("tisdag", "tis", "tisdagen"),
    ("onsdag", "ons", "onsdagen"),
    ("torsdag", "tors", "tor", "torsdagen"),
    ("fredag", "fre", "fredagen"),
    ("lordag", "lor", "lordagen"),
    ("sondag", "son", "sondagen"),
)):
    for _n in _names:
        WEEKDAY_WORDS[_n] = _i
# "i fredags" = last Friday
PAST_WEEKDAY_WORDS = {n + "s": i for i, n in enumerate(
    ("mandag", "tisdag", "onsdag", "torsdag", "fredag", "lordag", "sondag"))}
# Short forms that are also ordinary Swedish words ("man", "son"): without
# their accent or a dot they are not taken as a leading date by split_when.
WEAK_WEEKDAY_WORDS = {"man", "son", "tor"}

MONTH_WORDS = {
    "januari": 1, "jan": 1, "februari": 2, "feb": 2, "febr": 2, "mars": 3, "mar": 3,
    "april": 4, "apr": 4, "maj": 5, "juni": 6, "jun": 6, "juli": 7, "jul": 7,
    "augusti": 8, "aug": 8, "september": 9, "sep": 9, "sept": 9, "oktober": 10,
    "okt": 10, "november": 11, "nov": 11, "december": 12, "dec": 12,
}

NUMBER_WORDS = {
    "en": 1, "ett": 1, "tva": 2, "tre": 3, "fyra": 4, "fem": 5, "sex": 6, "sju": 7,
    "atta": 8, "nio": 9, "tio": 10, "elva": 11, "tolv": 12, "tretton": 13,
    "fjorton": 14, "femton": 15, "sexton": 16, "sjutton": 17, "arton": 18,
    "nitton": 19, "tjugo": 20,
}

# one word: days from today
RELATIVE_ONE = {
    "idag": 0, "imorgon": 1, "imorn": 1, "imorron": 1, "iovermorgon": 2,
    "overmorgon": 2, "igar": -1, "iforrgar": -2, "forrgar": -2,
}
# after "i": days from today
RELATIVE_AFTER_I = {
    "dag": 0, "morgon": 1, "morn": 1, "morron": 1, "overmorgon": 2, "gar": -1,
    "forrgar": -2,
}
RELATIVE_WORDS = {0: "i dag", 1: "i morgon", 2: "i övermorgon", -1: "i går", -2: "i förrgår"}

DAY_UNITS = {
    "dag": "d", "dagar": "d", "dygn": "d", "vecka": "w", "veckor": "w",
    "manad": "m", "manader": "m", "ar": "y",
}
CLOCK_UNITS = {"timme": 60, "timmar": 60, "tim": 60, "minut": 1, "minuter": 1, "min": 1}
WEEK_WORDS = {"vecka", "v", "veckan", "vecko", "veckonummer"}
KL_WORDS = {"kl", "klockan"}

# The dateparser fallback sees only phrases made of these words (and numbers).
_FALLBACK_UNITS = set(DAY_UNITS) | set(CLOCK_UNITS) | {"sekund", "sekunder"}
_FALLBACK_VOCAB = set(NUMBER_WORDS) | _FALLBACK_UNITS | {"for", "sedan"}

# --------------------------------------------------------------------------
# Tokens
# --------------------------------------------------------------------------

_DASHES = dict.fromkeys(map(ord, "\u2010\u2011\u2012\u2013\u2014\u2015\u2212\ufe58\ufe63\uff0d"), "-")


def _fold_char(c: str) -> str:
    """Lower case without accents, always exactly one character."""
    low = c.lower()
    if len(low) != 1:
        return c
    base = unicodedata.normalize("NFD", low)[:1]
    if base.isascii() and base.isalpha():
        return base
    return low.translate(_DASHES)


def _fold(text: str) -> str:
    """Same length as ``text``, so token offsets point into the original."""
    return "".join(_fold_char(c) for c in text)


_TOKEN_RE = re.compile(
    r"""
      (?P<iso>[0-9]{4}-[0-9]{1,2}-[0-9]{1,2})(?![0-9])
    | (?P<slash>[0-9]{1,2}/[0-9]{1,2}(?:/(?:[0-9]{4}|[0-9]{2}))?)(?![0-9/])
    | (?P<dotted>[0-9]{1,2}\.[0-9]{1,2}(?:\.(?:[0-9]{4}|[0-9]{2}))?)(?![0-9])
    | (?P<colon>[0-9]{1,2}:[0-9]{2}(?::[0-5][0-9])?)(?![0-9])
    | (?P<ordinal>[0-9]{1,2}:?(?:dje|sta|dra|de|e|a))(?![^\W\d_])
    | (?P<num>[0-9]+)
    | (?P<word>[^\W\d_]+)
    | (?P<punct>[-/.,:])
    | (?P<other>\S)
    """,
    re.VERBOSE,
)


class Tok(NamedTuple):
    kind: str
    text: str  # folded
    start: int
    end: int
    orig: str


def _tokenize(text: str) -> list[Tok]:
    folded = _fold(text)
    return [
        Tok(m.lastgroup or "other", m.group(), m.start(), m.end(), text[m.start():m.end()])
        for m in _TOKEN_RE.finditer(folded)
    ]


# --------------------------------------------------------------------------
# Parse trees (tuples, resolved against "today" afterwards)
# --------------------------------------------------------------------------
# day nodes:
#   ("rel", k)                      today + k days
#   ("wd", wd, mode)                mode: next | last | this_week | next_week | last_week
#   ("wdweek", wd, week, year)      weekday in ISO week
#   ("ymd", y|None, m, d, src)      a calendar date, y None = next on/after
#   ("dom", d)                      day of month only ("den 20")
#   ("add", n, unit)                om N dagar/veckor/månader/år
#   ("check", wd, node, hint)       weekday given with a date: must agree
#   ("same", node, node)            "i morgon, torsdag 19 november"
#   ("fixed", date)                 already resolved (range ends)
# time: ("t", h, m, raw) or ("terr", raw) for a clearly meant but invalid time
# phrase nodes:
#   ("day", d) ("dt", d, t) ("time", t) ("tr", t|None, t|None, strict)
#   ("dtr", d, tr) ("week", n, y|None) ("relweek", k) ("dr", d1, d2)
#   ("drm", y|None, m, d1, d2, src) "3-5 december"; ("dtdt", d1, t1, d2, t2)
#   ("in", minutes) "om 2 timmar"; ("now",)


class Cand(NamedTuple):
    end: int  # token index after the phrase
    prio: int  # lower wins among equally long readings
    node: tuple
    weak: bool = False


class _Parser:
    def __init__(self, toks: list[Tok]):
        self.t = toks
        self.n = len(toks)

    # ---- token helpers -------------------------------------------------
    def tok(self, i: int) -> Tok | None:
        return self.t[i] if i < self.n else None

    def _after_word(self, i: int) -> int:
        """Index after the word at i, swallowing an abbreviation dot."""
        nxt = self.tok(i + 1)
        if nxt is not None and nxt.kind == "punct" and nxt.text == "." and nxt.start == self.t[i].end:
            return i + 2
        return i + 1

    def word(self, i: int, vocab) -> tuple[int, str] | None:
        t = self.tok(i)
        if t is not None and t.kind == "word" and t.text in vocab:
            return self._after_word(i), t.text
        return None

    def seq(self, i: int, *words: str) -> int | None:
        for w in words:
            r = self.word(i, (w,))
            if r is None:
                return None
            i = r[0]
        return i

    def punct(self, i: int, chars: str) -> int | None:
        t = self.tok(i)
        if t is not None and t.kind == "punct" and t.text in chars:
            return i + 1
        return None

    def opt_comma(self, i: int) -> int:
        return self.punct(i, ",") or i

    def range_sep(self, i: int) -> list[int]:
        out = []
        j = self.punct(i, "-")
        if j is not None:
            out.append(j)
        r = self.word(i, ("till", "tills"))
        if r is not None:
            out.append(r[0])
        return out

    # ---- numbers ---------------------------------------------------------
    def daynum(self, i: int) -> tuple[int, int] | None:
        t = self.tok(i)
        if t is None:
            return None
        if t.kind == "num" and len(t.text) <= 2:
            return i + 1, int(t.text)
        if t.kind == "ordinal":
            return i + 1, int(re.match(r"[0-9]+", t.text).group())
        return None

    def year(self, i: int) -> tuple[int, int] | None:
        t = self.tok(i)
        if t is not None and t.kind == "num" and len(t.text) == 4:
            return i + 1, int(t.text)
        return None

    def month(self, i: int) -> tuple[int, int] | None:
        r = self.word(i, MONTH_WORDS)
        return (r[0], MONTH_WORDS[r[1]]) if r else None

    def weekday(self, i: int) -> tuple[int, int, bool] | None:
        """(end, weekday, weak)."""
        r = self.word(i, WEEKDAY_WORDS)
        if r is None:
            return None
        t = self.t[i]
        weak = t.text in WEAK_WEEKDAY_WORDS and t.orig.lower() == t.text and r[0] == i + 1
        return r[0], WEEKDAY_WORDS[r[1]], weak

    def count(self, i: int) -> tuple[int, int] | None:
        t = self.tok(i)
        if t is None:
            return None
        if t.kind == "num":
            return i + 1, int(t.text) if len(t.text) <= 6 else MAX_OFFSET + 1
        r = self.word(i, NUMBER_WORDS)
        return (r[0], NUMBER_WORDS[r[1]]) if r else None

    # ---- explicit dates ------------------------------------------------------
    def explicit_date(self, i: int) -> list[Cand]:
        out: list[Cand] = []
        t = self.tok(i)
        if t is None:
            return out
        src = t.orig
        if t.kind == "iso":
            y, m, d = (int(x) for x in t.text.split("-"))
            out.append(Cand(i + 1, 0, ("ymd", y, m, d, src)))
        elif t.kind == "num" and len(t.text) == 6:
            out.append(Cand(i + 1, 0, ("ymd", 2000 + int(t.text[:2]), int(t.text[2:4]), int(t.text[4:]), src)))
        elif t.kind == "num" and len(t.text) == 8:
            out.append(Cand(i + 1, 0, ("ymd", int(t.text[:4]), int(t.text[4:6]), int(t.text[6:]), src)))
        elif t.kind == "slash":
            parts = [int(x) for x in t.text.split("/")]
            d, m = parts[0], parts[1]
            if len(parts) == 3:
                y = parts[2] + (2000 if parts[2] < 100 and len(t.text.split("/")[2]) == 2 else 0)
                out.append(Cand(i + 1, 0, ("ymd", y, m, d, src)))
            else:
                out.append(Cand(i + 1, 0, ("ymd", None, m, d, src)))
                # 3/12-2026, 3/12-26, 3/12 2026
                j = self.punct(i + 1, "-")
                if j is not None and self.tok(j) is not None and self.tok(j).kind == "num" \
                        and len(self.tok(j).text) in (2, 4):
                    yt = self.tok(j).text
                    y = int(yt) + (2000 if len(yt) == 2 else 0)
                    out.append(Cand(j + 1, 0, ("ymd", y, m, d, src)))
                yr = self.year(i + 1)
                if yr is not None:
                    out.append(Cand(yr[0], 0, ("ymd", yr[1], m, d, src)))
        elif t.kind == "dotted":
            parts = t.text.split(".")
            d, m = int(parts[0]), int(parts[1])
            if len(parts) == 3:
                y = int(parts[2]) + (2000 if len(parts[2]) == 2 else 0)
                out.append(Cand(i + 1, 0, ("ymd", y, m, d, src)))
            elif 1 <= m <= 12 and 1 <= d <= 31:
                out.append(Cand(i + 1, 0, ("ymd", None, m, d, src)))
                yr = self.year(i + 1)
                if yr is not None:
                    out.append(Cand(yr[0], 0, ("ymd", yr[1], m, d, src)))
        dn = self.daynum(i)
        if dn is not None:
            j, d = dn
            j = self.punct(j, ".") or j  # "3. december"
            mo = self.month(j)
            if mo is not None:
                j, m = mo
                out.append(Cand(j, 0, ("ymd", None, m, d, src)))
                yr = self.year(j)
                if yr is not None:
                    out.append(Cand(yr[0], 0, ("ymd", yr[1], m, d, src)))
            if t.kind == "ordinal" and ":" in t.text:  # "3:e" alone: the next 3rd of a month
                out.append(Cand(i + 1, 0, ("dom", d)))
        mo = self.month(i)  # month first, as in English: "dec 3", "december 3, 2026"
        if mo is not None:
            dn = self.daynum(mo[0])
            if dn is not None:
                out.append(Cand(dn[0], 0, ("ymd", None, mo[1], dn[1], src)))
                yr = self.year(self.opt_comma(dn[0]))
                if yr is not None:
                    out.append(Cand(yr[0], 0, ("ymd", yr[1], mo[1], dn[1], src)))
        return out

    # ---- weeks -------------------------------------------------------------------
    def week_number(self, i: int) -> list[Cand]:
        out: list[Cand] = []
        r = self.word(i, WEEK_WORDS)
        if r is None:
            return out
        t = self.tok(r[0])
        if t is None or t.kind != "num" or len(t.text) > 2:
            return out
        n = int(t.text)
        out.append(Cand(r[0] + 1, 0, ("week", n, None)))
        yr = self.year(self.opt_comma(r[0] + 1))
        if yr is not None:
            out.append(Cand(yr[0], 0, ("week", n, yr[1])))
        return out

    def relative_week(self, i: int) -> list[tuple[int, int]]:
        """'nästa vecka' etc. -> (end, offset in weeks)."""
        out = []
        for words, k in (
            (("nasta", "vecka"), 1), (("nasta", "veckan"), 1), (("kommande", "vecka"), 1),
            (("i", "nasta", "vecka"), 1), (("denna", "vecka"), 0), (("den", "har", "veckan"), 0),
            (("i", "veckan"), 0), (("i", "denna", "vecka"), 0), (("forra", "veckan"), -1),
            (("forra", "vecka"), -1),
        ):
            j = self.seq(i, *words)
            if j is not None:
                out.append((j, k))
        return out

    # ---- days ----------------------------------------------------------------------
    def day(self, i: int) -> list[Cand]:
        out: list[Cand] = []
        r = self.word(i, RELATIVE_ONE)
        if r is not None:
            out.append(Cand(r[0], 0, ("rel", RELATIVE_ONE[r[1]])))
        j = self.seq(i, "i")
        if j is not None:
            r = self.word(j, RELATIVE_AFTER_I)
            if r is not None:
                out.append(Cand(r[0], 0, ("rel", RELATIVE_AFTER_I[r[1]])))
            r = self.word(j, PAST_WEEKDAY_WORDS)
            if r is not None:
                out.append(Cand(r[0], 0, ("wd", PAST_WEEKDAY_WORDS[r[1]], "last")))
        # "i morgon, torsdag 19 november 2026": both must agree
        for c in list(out):
            if c.node[0] == "rel":
                k = self.opt_comma(c.end)
                for c2 in self.weekday_phrase(k, allow_bare=False) + self.explicit_date(k):
                    out.append(Cand(c2.end, c2.prio, ("same", c.node, c2.node)))
        out.extend(self.weekday_phrase(i, allow_bare=True))
        for prefix in (("pa",), ("nasta",), ("kommande",), ("pa", "kommande"), ("pa", "nasta")):
            j = self.seq(i, *prefix)
            if j is not None:
                w = self.weekday(j)
                if w is not None:
                    out.append(Cand(w[0], 0, ("wd", w[1], "next")))
        j = self.seq(i, "den")
        for c in self.explicit_date(j if j is not None else i):
            out.append(c)
        if j is not None:
            dn = self.daynum(j)
            if dn is not None:
                out.append(Cand(dn[0], 0, ("dom", dn[1])))
        j = self.seq(i, "om")
        if j is not None:
            cnt = self.count(j)
            if cnt is not None:
                u = self.word(cnt[0], DAY_UNITS)
                if u is not None:
                    out.append(Cand(u[0], 0, ("add", cnt[1], DAY_UNITS[u[1]])))
        return out

    def weekday_phrase(self, i: int, allow_bare: bool) -> list[Cand]:
        out: list[Cand] = []
        w = self.weekday(i)
        if w is None:
            return out
        j, wd, weak = w
        if allow_bare:
            out.append(Cand(j, 0, ("wd", wd, "next"), weak))
        for k_end, k in self.relative_week(j):
            mode = {1: "next_week", 0: "this_week", -1: "last_week"}[k]
            out.append(Cand(k_end, 0, ("wd", wd, mode)))
        for start in (j, self.seq(j, "i")):
            if start is not None:
                for c in self.week_number(start):
                    out.append(Cand(c.end, 0, ("wdweek", wd, c.node[1], c.node[2])))
        k = self.opt_comma(j)
        k = self.seq(k, "den") or k
        for c in self.explicit_date(k):
            node = c.node
            hint = None
            src_tok = self.t[k]
            if src_tok.kind == "dotted" and node[1] is None:
                hint = _dotted_time(src_tok.text)
            out.append(Cand(c.end, c.prio, ("check", wd, node, hint)))
        dn = self.daynum(k)
        if dn is not None and k != j:  # "fredag den 20"
            out.append(Cand(dn[0], 0, ("check", wd, ("dom", dn[1]), None)))
        return out

    # ---- times -----------------------------------------------------------------------
    def clock(self, i: int, after_kl: bool, bare_hour: bool) -> list[tuple[int, tuple, bool]]:
        """(end, time node, has_minutes)."""
        t = self.tok(i)
        if t is None:
            return []
        if t.kind == "colon" or (t.kind == "dotted" and t.text.count(".") == 1
                                  and len(t.text.split(".")[1]) == 2):
            h, m = (int(x) for x in re.split(r"[.:]", t.text)[:2])  # seconds are dropped
            return [(i + 1, _time_node(h, m, t.orig, after_kl), True)]
        if t.kind == "num" and (after_kl or bare_hour):
            if not after_kl and self._month_follows(i + 1):
                return []  # "9-12 december": 12 is a day, not an hour
            if len(t.text) <= 2:
                return [(i + 1, _time_node(int(t.text), 0, t.orig, after_kl), False)]
            if after_kl and len(t.text) in (3, 4):
                return [(i + 1, _time_node(int(t.text[:-2]), int(t.text[-2:]), t.orig, True), True)]
        if after_kl:
            r = self.word(i, NUMBER_WORDS)
            if r is not None and NUMBER_WORDS[r[1]] <= 12:
                return [(r[0], ("t", NUMBER_WORDS[r[1]], 0, t.orig), False)]
        return []

    def kl_clock(self, i: int, bare_hour: bool) -> list[tuple[int, tuple, bool, bool]]:
        """Optionally 'kl' then a clock: (end, node, has_minutes, had_kl)."""
        out = []
        r = self.word(i, KL_WORDS)
        if r is not None:
            out += [(j, n, hm, True) for j, n, hm in self.clock(r[0], True, True)]
        out += [(j, n, hm, False) for j, n, hm in self.clock(i, False, bare_hour)]
        return [o for o in out if o[1] is not None]

    def time_point(self, i: int) -> list[Cand]:
        out = []
        for j, node, has_min, had_kl in self.kl_clock(i, bare_hour=False):
            if node[0] == "terr" and not had_kl:
                continue
            # a dotted "10.10" standing alone is a date first, a time second
            prio = 1 if (not had_kl and self.t[i].kind == "dotted") else 0
            out.append(Cand(j, prio, node))
        return out

    def time_range(self, i: int) -> list[Cand]:
        out: list[Cand] = []
        # X - Y, X till Y
        for j, t1, m1, kl1 in self.kl_clock(i, bare_hour=True):
            for k in self.range_sep(j):
                for e, t2, m2, kl2 in self.kl_clock(k, bare_hour=True):
                    strict = kl1 or m1 or kl2 or m2
                    if not strict and (self._month_follows(e) or t1[0] != "t" or t2[0] != "t"
                                       or (t2[1], t2[2]) <= (t1[1], t1[2])):
                        continue  # "3-5 december" is a date range; "12-9" is not a time
                    out.append(Cand(e, 0, ("tr", t1, t2, strict)))
        j = self.seq(i, "mellan")
        if j is not None:
            for k, t1, _m1, _kl1 in self.kl_clock(j, bare_hour=True):
                k2 = self.seq(k, "och")
                if k2 is not None:
                    for e, t2, _m2, _kl2 in self.kl_clock(k2, bare_hour=True):
                        out.append(Cand(e, 0, ("tr", t1, t2, True)))
        for words in (("till",), ("tills",), ("fram", "till")):
            j = self.seq(i, *words)
            if j is not None:
                for e, t2, m2, kl2 in self.kl_clock(j, bare_hour=False):
                    out.append(Cand(e, 0, ("tr", None, t2, True)))
        for words in (("fran",), ("fran", "och", "med")):
            j = self.seq(i, *words)
            if j is not None:
                for e, t1, m1, kl1 in self.kl_clock(j, bare_hour=False):
                    out.append(Cand(e, 0, ("tr", t1, None, True)))
                    for k in self.range_sep(e):
                        for e2, t2, _m2, _kl2 in self.kl_clock(k, bare_hour=True):
                            out.append(Cand(e2, 0, ("tr", t1, t2, True)))
        return out

    def _orig(self, i: int, j: int) -> str:
        """Tokens i..j-1 as the user wrote them (for messages)."""
        return " ".join(t.orig for t in self.t[i:j])

    def _month_follows(self, i: int) -> bool:
        return self.month(i) is not None

    # ---- date ranges ----------------------------------------------------------------
    def date_range(self, i: int) -> list[Cand]:
        out: list[Cand] = []
        # where a range starts, and the words that may separate its ends
        starts = [(i, None)]
        for opener, sep in (("fran", "till"), ("mellan", "och")):
            j = self.seq(i, opener)
            if j is not None:
                starts.append((j, sep))

        def separators(k: int, sep: str | None) -> list[int]:
            if sep is None:
                return self.range_sep(k)
            j = self.seq(k, sep)
            return [] if j is None else [j]

        for s, sep in starts:
            # 3-5 december [2026], mellan 3 och 5 december, 3-5/12
            dn = self.daynum(s)
            if dn is not None:
                for j in separators(dn[0], sep):
                    dn2 = self.daynum(j)
                    mo = self.month(dn2[0]) if dn2 is not None else None
                    if mo is not None:
                        src = self._orig(s, mo[0])
                        out.append(Cand(mo[0], 0, ("drm", None, mo[1], dn[1], dn2[1], src)))
                        yr = self.year(mo[0])
                        if yr is not None:
                            src = self._orig(s, yr[0])
                            out.append(Cand(yr[0], 0, ("drm", yr[1], mo[1], dn[1], dn2[1], src)))
                    t2 = self.tok(j)
                    if t2 is not None and t2.kind == "slash" and t2.text.count("/") == 1:
                        d2, m = (int(x) for x in t2.text.split("/"))
                        out.append(Cand(j + 1, 0, ("drm", None, m, dn[1], d2, self._orig(s, j + 1))))
            # <day> - <day>, <day> till <day>, från <day> till <day>, mellan <day> och <day>
            for c1 in self.day(s):
                for k in separators(c1.end, sep):
                    for c2 in self.day(k):
                        out.append(Cand(c2.end, c1.prio + c2.prio, ("dr", c1.node, c2.node)))
                # 3 december kl 9 - 5 december kl 12
                for t1 in self.time_point(self.opt_comma(c1.end)):
                    for k in separators(t1.end, sep):
                        for c2 in self.day(k):
                            for t2 in self.time_point(self.opt_comma(c2.end)):
                                out.append(Cand(t2.end, c1.prio + t1.prio + c2.prio + t2.prio,
                                                ("dtdt", c1.node, t1.node, c2.node, t2.node)))
        return out

    # ---- whole phrases -------------------------------------------------------------
    def phrase(self, i: int = 0) -> list[Cand]:
        out: list[Cand] = []
        for c in self.day(i):
            out.append(Cand(c.end, c.prio, ("day", c.node), c.weak))
            k = self.opt_comma(c.end)
            t = self.tok(k)
            if t is not None and t.kind == "word" and t.text == "t" and c.node[0] == "ymd":
                k += 1  # 2026-12-03T09:00
            for tp in self.time_point(k):
                out.append(Cand(tp.end, c.prio + tp.prio, ("dt", c.node, tp.node)))
            for tr in self.time_range(k):
                out.append(Cand(tr.end, c.prio + tr.prio, ("dtr", c.node, tr.node)))
        for tp in self.time_point(i):
            out.append(Cand(tp.end, tp.prio, ("time", tp.node)))
            k = self.opt_comma(tp.end)
            for c in self.day(k):
                out.append(Cand(c.end, tp.prio + c.prio, ("dt", c.node, tp.node)))
        for tr in self.time_range(i):
            out.append(tr)
            k = self.opt_comma(tr.end)
            for c in self.day(k):
                out.append(Cand(c.end, c.prio, ("dtr", c.node, tr.node)))
        r = self.word(i, ("nu",))
        if r is not None:  # "nu" also starts ordinary sentences: weak for split_when
            out.append(Cand(r[0], 0, ("now",), True))
        out.extend(self.week_number(i))
        for j, k in self.relative_week(i):
            out.append(Cand(j, 0, ("relweek", k)))
        out.extend(self.date_range(i))
        j = self.seq(i, "om")
        if j is not None:
            cnt = self.count(j)
            if cnt is not None:
                u = self.word(cnt[0], CLOCK_UNITS)
                if u is not None:
                    out.append(Cand(u[0], 0, ("in", cnt[1] * CLOCK_UNITS[u[1]])))
        return out


def _time_node(h: int, m: int, raw: str, strict: bool) -> tuple | None:
    if 0 <= h <= 23 and 0 <= m <= 59:
        return ("t", h, m, raw)
    return ("terr", raw) if strict else None


def _dotted_time(text: str) -> tuple[int, int] | None:
    h, __, m = text.partition(".")
    if len(m) == 2 and int(h) <= 23 and int(m) <= 59:
        return int(h), int(m)
    return None


def _best(toks: list[Tok], allow_weak: bool = True) -> Cand | None:
    cands = [c for c in _Parser(toks).phrase(0) if allow_weak or not c.weak]
    if not cands:
        return None
    return max(cands, key=lambda c: (c.end, -c.prio))


# --------------------------------------------------------------------------
# Resolution
# --------------------------------------------------------------------------


class _Ctx(NamedTuple):
    now: datetime  # Stockholm wall clock, aware
    today: date


def _ctx(now: datetime) -> _Ctx:
    if not isinstance(now, datetime):
        raise TypeError("now must be a datetime")
    n = local(now)
    return _Ctx(n, n.date())


def _month_name(m: int) -> str:
    return MONTHS[m - 1]


def _last_day(y: int, m: int) -> int:
    return calendar.monthrange(y, m)[1]


def _check_year(y: int) -> None:
    if not MIN_YEAR <= y <= MAX_YEAR:
        raise ValueError(
            _("Året {y} verkar fel. Skriv ett år mellan {min} och {max}, till exempel ”3 december 2026” "
              "eller ”2026-12-03”.", y=y, min=MIN_YEAR, max=MAX_YEAR))


def _ymd(y: int | None, m: int, d: int, src: str, today: date) -> date:
    if not 1 <= m <= 12:
        raise ValueError(
            _("”{src}” är inget datum: det finns ingen månad {m}. Skriv till exempel ”3 december”, ”3/12” "
              "eller ”2026-12-03”.", src=src, m=m))
    if y is not None:
        _check_year(y)
    name = _month_name(m)
    most = 29 if m == 2 else _last_day(2000, m)
    if not 1 <= d <= most:
        ys = y
        if ys is None:
            ys = today.year if date(today.year, m, _last_day(today.year, m)) >= today else today.year + 1
        last = _last_day(ys, m)
        year_txt = f" {y}" if y is not None else ""
        raise ValueError(
            _("Det finns ingen {d} {name}{year}. Skriv datumet som {last} {name}{year} eller {iso}.",
              d=d, name=name, year=year_txt, last=last, iso=date(ys, m, last).isoformat()))
    if y is None:
        y = today.year if (m, d) >= (today.month, today.day) else today.year + 1
        if m == 2 and d == 29 and not calendar.isleap(y):
            leap = next(x for x in range(y, y + 8) if calendar.isleap(x))
            raise ValueError(
                _("Nästa 29 februari är först {leap}, och {y} är inget skottår. Skriv ”28 februari” eller "
                  "”1 mars”, eller skriv året: ”29 februari {leap}”.", leap=leap, y=y))
        return date(y, m, d)
    if m == 2 and d == 29 and not calendar.isleap(y):
        raise ValueError(
            _("Det finns ingen 29 februari {y}; {y} är inget skottår. Skriv 28 februari {y} eller 1 mars {y}.",
              y=y))
    return date(y, m, d)


def _week_monday(n: int, year: int | None, today: date) -> date:
    if not 1 <= n <= 53:
        raise ValueError(
            _("Vecka {n} finns inte: veckorna har nummer 1–52 (vissa år 53). Skriv till exempel ”vecka 50”.",
              n=n))
    if year is not None:
        _check_year(year)
        y = year
    else:  # the current week counts; a week number that has passed is next year's
        iso_year, iso_week, __ = today.isocalendar()
        y = iso_year if n >= iso_week else iso_year + 1
    try:
        return date.fromisocalendar(y, n, 1)
    except ValueError:
        monday52 = date.fromisocalendar(y, 52, 1)
        raise ValueError(
            _("År {y} har ingen vecka {n}; årets sista vecka är vecka 52. Skriv till exempel ”vecka 52” "
              "eller ett datum som ”{iso}”.", y=y, n=n, iso=monday52.isoformat())) from None


def _add_months(d: date, months: int) -> date:
    total = d.year * 12 + d.month - 1 + months
    y, m = divmod(total, 12)
    m += 1
    _check_year(y)
    return date(y, m, min(d.day, _last_day(y, m)))


def _resolve_day(node: tuple, today: date, base: date | None = None) -> date:
    """A day node as a date. ``base`` replaces today for the "next" rules (the
    end of a range is read from its start)."""
    kind = node[0]
    ref = base or today
    if kind == "rel":
        return today + timedelta(days=node[1])
    if kind == "fixed":
        return node[1]
    if kind == "wd":
        __, wd, mode = node
        if mode == "next":
            return ref + timedelta(days=(wd - ref.weekday()) % 7 or 7)
        if mode == "last":
            return today - timedelta(days=(today.weekday() - wd) % 7 or 7)
        monday = today - timedelta(days=today.weekday())
        weeks = {"this_week": 0, "next_week": 1, "last_week": -1}[mode]
        return monday + timedelta(weeks=weeks, days=wd)
    if kind == "wdweek":
        __, wd, n, y = node
        return _week_monday(n, y, today) + timedelta(days=wd)
    if kind == "ymd":
        __, y, m, d, src = node
        return _ymd(y, m, d, src, ref)
    if kind == "dom":
        d = node[1]
        if not 1 <= d <= 31:
            raise ValueError(_("Det finns ingen dag {d} i någon månad. {examples}", d=d, examples=EXAMPLES))
        y, m = ref.year, ref.month
        while True:
            if d <= _last_day(y, m) and date(y, m, d) >= ref:
                return date(y, m, d)
            y, m = (y + 1, 1) if m == 12 else (y, m + 1)
    if kind == "add":
        __, n, unit = node
        if n > MAX_OFFSET:
            raise ValueError(
                _("Det är för långt fram. Skriv datumet i stället, till exempel ”3 december 2027”."))
        if unit == "d":
            return today + timedelta(days=n)
        if unit == "w":
            return today + timedelta(weeks=n)
        return _add_months(today, n if unit == "m" else 12 * n)
    if kind == "check":
        __, wd, inner, hint = node
        d = _resolve_day(inner, today, base)
        if d.weekday() != wd:
            given = inner[0] == "ymd" and inner[1] is not None
            dm = f"{d.day} {_month_name(d.month)}" + (f" {d.year}" if given else "")
            msg = _("{day} är en {weekday}, inte en {wrong}. Skriv ”{weekday} {dm}” eller bara ”{dm}”.",
                    day=" ".join((str(d.day), _month_name(d.month), str(d.year))), weekday=WEEKDAYS[d.weekday()],
                    wrong=WEEKDAYS[wd], dm=dm)
            if hint is not None:
                msg += _(" Menade du klockslaget, skriv ”{weekday} kl {clock}”.",
                         weekday=WEEKDAYS[wd], clock="%d.%02d" % (hint[0], hint[1]))
            raise ValueError(msg)
        return d
    if kind == "same":
        d1 = _resolve_day(node[1], today, base)
        d2 = _resolve_day(node[2], today, base)
        if d1 != d2:
            word = RELATIVE_WORDS.get(node[1][1], "Den dagen")
            raise ValueError(
                _("{word} är {d1}, inte {d2}. Skriv bara ”{phrase}” eller bara datumet.",
                  word=word.capitalize(), d1=format_date(d1), d2=format_date(d2), phrase=word))
        return d1
    raise AssertionError(f"unknown day node {node!r}")


def _aware(d: date, h: int, m: int) -> datetime:
    dt = datetime(d.year, d.month, d.day, h, m, tzinfo=STOCKHOLM)
    back = dt.astimezone(timezone.utc).astimezone(STOCKHOLM)
    if (back.hour, back.minute) != (h, m):
        raise ValueError(
            _("Klockan {clock} finns inte {day}: då ställs klockan fram en timme till sommartid. Skriv "
              "till exempel kl {later}.", clock="%d.%02d" % (h, m), day=format_date(d, sentence=True),
              later="%d.%02d" % ((h + 1) % 24, m)))
    return dt


def _clock(node: tuple) -> time:
    if node[0] == "terr":
        raise ValueError(
            _("Klockslaget {clock} finns inte. Skriv en tid mellan kl. 0.00 och 23.59, till exempel ”kl 9” "
              "eller ”kl 13.30”.", clock=node[1]))
    return time(node[1], node[2])


def _time_span(node: tuple) -> tuple[time | None, time | None]:
    __, n1, n2, _strict = node
    t1 = _clock(n1) if n1 is not None else None
    t2 = _clock(n2) if n2 is not None else None
    if t1 is not None and t2 is not None and t2 <= t1:
        raise ValueError(
            _("Sluttiden {end} är inte efter starttiden {start}. Skriv till exempel ”kl 9-12” eller "
              "”kl 13.30-15”.", end=format_time(t2), start=format_time(t1)))
    return t1, t2


def _resolve(node: tuple, ctx: _Ctx) -> When:
    kind = node[0]
    today = ctx.today
    if kind == "day":
        return _resolve_day(node[1], today)
    if kind == "dt":
        d = _resolve_day(node[1], today)
        t = _clock(node[2])
        return _aware(d, t.hour, t.minute)
    if kind == "time":
        t = _clock(node[1])
        d = today
        if t < ctx.now.time().replace(second=0, microsecond=0):
            d = today + timedelta(days=1)
        return _aware(d, t.hour, t.minute)
    if kind == "tr":
        t1, t2 = _time_span(node)
        return Span(t1, t2, "time_range")
    if kind == "dtr":
        d = _resolve_day(node[1], today)
        t1, t2 = _time_span(node[2])
        return Span(
            _aware(d, t1.hour, t1.minute) if t1 else None,
            _aware(d, t2.hour, t2.minute) if t2 else None,
            "range")
    if kind == "week":
        monday = _week_monday(node[1], node[2], today)
        return Span(monday, monday + timedelta(days=6), "week")
    if kind == "relweek":
        monday = today - timedelta(days=today.weekday()) + timedelta(weeks=node[1])
        return Span(monday, monday + timedelta(days=6), "week")
    if kind == "drm":
        __, y, m, d1, d2, src = node
        # the year is chosen so that the range has not ended yet
        end = _ymd(y, m, d2, src, today)
        start = _ymd(end.year, m, d1, src, today)
        return _date_range(start, end)
    if kind == "dr":
        start = _resolve_day(node[1], today)
        return _date_range(start, _range_end(node[2], today, start))
    if kind == "dtdt":
        __, dn1, tn1, dn2, tn2 = node
        d1 = _resolve_day(dn1, today)
        d2 = _range_end(dn2, today, d1)
        t1, t2 = _clock(tn1), _clock(tn2)
        start, end = _aware(d1, t1.hour, t1.minute), _aware(d2, t2.hour, t2.minute)
        if end <= start:
            raise ValueError(
                _("Slutet {end} är inte efter början {start}. Skriv till exempel ”3 december kl 9 - 5 "
                  "december kl 12”.", end=format_date(d2) + " " + format_time(t2),
                  start=format_date(d1) + " " + format_time(t1)))
        return Span(start, end, "range")
    if kind == "now":
        return ctx.now.replace(second=0, microsecond=0)
    if kind == "in":
        minutes = node[1]
        if minutes > MAX_OFFSET * 60:
            raise ValueError(
                _("Det är för långt fram. Skriv datum och tid i stället, till exempel ”3 december kl 9”."))
        instant = ctx.now.astimezone(timezone.utc) + timedelta(minutes=minutes)
        return instant.astimezone(STOCKHOLM).replace(second=0, microsecond=0)
    raise AssertionError(f"unknown node {node!r}")


def _range_end(node: tuple, today: date, start: date) -> date:
    """The end of a range is read from its start ("måndag-fredag", "28 december -
    3 januari"), but a yearless end that falls before the start in the same year
    is a mistake, not a range of almost a year ("5 december - 3 december")."""
    if node[0] == "check":  # order first, then the weekday
        __, wd, inner, hint = node
        return _resolve_day(("check", wd, ("fixed", _range_end(inner, today, start)), hint), today)
    end = _resolve_day(node, today, base=start)
    if node[0] == "ymd" and node[1] is None and end.year > start.year and end.month >= start.month:
        same_year = end.replace(year=start.year) if (end.month, end.day) != (2, 29) else end
        _date_range(start, min(same_year, start - timedelta(days=1)))  # raises: end before start
    return end


def _date_range(start: date, end: date) -> Span:
    if end < start:
        raise ValueError(
            _("Slutdatumet {end} är före startdatumet {start}. Skriv till exempel ”3-5 december” eller "
              "”3 december - 5 december”.", end=format_date(end), start=format_date(start)))
    return Span(start, end, "range")


# --------------------------------------------------------------------------
# dateparser fallback
# --------------------------------------------------------------------------

_dp_parser_cls = None


def _dateparser():
    global _dp_parser_cls
    if _dp_parser_cls is None:
        from dateparser.date import DateDataParser  # the only dateparser import in kansli

        _dp_parser_cls = DateDataParser
    return _dp_parser_cls


def _dp_settings(now_local: datetime) -> dict:
    return {
        "DATE_ORDER": "DMY",
        "PREFER_DATES_FROM": "future",
        "RELATIVE_BASE": now_local.replace(tzinfo=None),
        "RETURN_TIME_AS_PERIOD": True,
        "RETURN_AS_TIMEZONE_AWARE": False,
        "TIMEZONE": "Europe/Stockholm",
    }


def _fallback_shape(toks: list[Tok]) -> str | None:
    """dateparser reads almost anything as a date ("en" is the 1st of this
    month, "3 dagar" is in three days, "nov 18" asked on 18 November is next
    year), so it only gets the one shape of phrase that kansli's rules do not
    read: the past, "för två dagar sedan", "3 timmar sedan"."""
    if not toks or len(toks) > 8 or toks[-1].end > 80:
        return None
    if any(t.kind == "other" for t in toks):
        return None
    words = [t.text for t in toks if t.kind == "word"]
    if any(w not in _FALLBACK_VOCAB for w in words):
        return None
    if words[-1:] == ["sedan"] and any(w in _FALLBACK_UNITS for w in words):
        return "past"
    return None


# the periods whose date dateparser really knows, per shape ("3 månader sedan"
# is period "month" but an exact day)
_FALLBACK_PERIODS = {"past": ("time", "day", "week", "month", "year")}


def _fallback(text: str, toks: list[Tok], ctx: _Ctx) -> When | None:
    shape = _fallback_shape(toks)
    if shape is None:
        return None
    # dateparser's Swedish knows "två" but not "tre": give it digits
    parts, pos = [], 0
    for t in toks:
        if t.kind == "word" and t.text in NUMBER_WORDS:
            parts += [text[pos:t.start], str(NUMBER_WORDS[t.text])]
            pos = t.end
    phrase = "".join(parts) + text[pos:]
    try:
        data = _dateparser()(languages=["sv"], settings=_dp_settings(ctx.now)).get_date_data(phrase)
    except Exception:  # dateparser has failed on odd input before; never let it reach a user
        log.warning("dateparser failed on %r", phrase, exc_info=True)
        return None
    found = data.date_obj
    if found is None or data.period not in _FALLBACK_PERIODS[shape]:
        return None
    if not MIN_YEAR <= found.year <= MAX_YEAR:
        return None
    if data.period != "time":
        return found.date()
    try:
        return _aware(found.date(), found.hour, found.minute)
    except ValueError:
        return None


# --------------------------------------------------------------------------
# Public API
# --------------------------------------------------------------------------


def _unreadable(text: str) -> str:
    shown = " ".join(text.split())
    if not shown:
        return _("Jag hittar inget datum. {examples}", examples=EXAMPLES)
    if len(shown) > 40:
        shown = shown[:39] + "…"
    return _("Jag förstår inte datumet ”{shown}”. {examples}", shown=shown, examples=EXAMPLES)


_TRAILING_OK = {".", ",", "!", "?", ";", ":"}


def parse_when(text: str, now: datetime) -> When:
    """Read a Swedish date/time phrase; see the module docstring."""
    if not isinstance(text, str):
        raise ValueError(_unreadable(""))
    ctx = _ctx(now)
    toks = _tokenize(text)
    best = _best(toks)
    if best is not None:
        value = _resolve(best.node, ctx)
        rest = toks[best.end:]
        if all(t.text in _TRAILING_OK for t in rest):
            return value
    fb = _fallback(text, toks, ctx)
    if fb is not None:
        return fb
    raise ValueError(_unreadable(text))


def split_when(text: str, now: datetime) -> tuple[When | None, str]:
    """The longest date/time phrase at the start of ``text`` and the rest."""
    if not isinstance(text, str):
        return None, text
    ctx = _ctx(now)
    toks = _tokenize(text)
    best = _best(toks, allow_weak=False)
    if best is None:
        return None, text
    value = _resolve(best.node, ctx)
    return value, text[toks[best.end - 1].end:].strip()


def parse_time(text: str) -> time:
    """'kl 9', 'kl. 13.30', '9:15', '9.15', '9' -> datetime.time."""
    toks = _tokenize(text) if isinstance(text, str) else []
    p = _Parser(toks)
    for j, node, _m, _kl in p.kl_clock(0, bare_hour=True):
        if j == len(toks):
            return _clock(node)
    shown = " ".join(text.split()) if isinstance(text, str) else ""
    raise ValueError(
        _("Jag förstår inte klockslaget ”{shown}”. Skriv till exempel ”kl 9”, ”13.30” eller ”9:15”.",
          shown=shown[:40]))


def warm_up() -> None:
    """Load dateparser's Swedish data and exercise the parser once."""
    now = datetime(2026, 11, 18, 10, 0, tzinfo=STOCKHOLM)
    for phrase in {"torsdag 3 december kl 9", "vecka 50", "kl 9-12", "om två veckor"}:  # typed phrases
        parse_when(phrase, now)
    ctx = _ctx(now)
    for phrase in {"för två dagar sedan", "3 timmar sedan"}:  # typed phrases
        toks = _tokenize(phrase)
        _fallback(phrase, toks, ctx)
