"""Typed arguments: what a command's argument parser is given and what it says about the meeting.

A command declared with `args=PARSER` (handlers/registry.py) has its argument text read by
`PARSER(text, dates)` before its handler runs; the handler receives the value the parser returns (a frozen
dataclass) instead of the raw text. A parser is pure: it reads the text with the one option grammar
(handlers/options.py) and the date reader it is given (`dates.split`: a leading date phrase off a text, as
`Context.split` does; `dates.when`: a whole date phrase, as `Context.when`), touches no database, and refuses a
bad argument with a UserError in the same Swedish sentence the command has always used. So it can be tested
without a database.

A command declared with `meeting=` (MEETING_ARG or HELD_MEETING_ARG) is about one meeting; its parsed value
carries a `MeetingRef` in its field `meeting`, from which handlers/invoke.py chooses the meeting
(handlers/meeting_choice.py) before the handler runs.
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any, Callable

from handlers.base import UserError
from handlers.fmt import local
from handlers.i18n import _
from handlers.options import take_option



@dataclass(frozen=True)
class Dates:
    """The date reader a parser is given (handlers/invoke.py builds it from the Context, at the asker's now)."""
    # split(text) → (the leading date phrase as read, or None; the rest of the text)
    split: Callable[[str], tuple[Any, str]]
    # when(text) → the date, datetime or span a whole phrase names
    when: Callable[[str], Any]


# parser(text, dates) → the command's typed arguments
Parser = Callable[[str, Dates], Any]

_YEAR = re.compile(r"\b\d{4}\b|\b\d{6}\b|\b\d{8}\b")


@dataclass(frozen=True)
class MeetingRef:
    """Which meeting the arguments name; None everywhere means the policy's default meeting.

    `phrase`: the date phrase as typed ('6 mars', 'nästa', 'vecka 10'), read when the meeting is chosen
    (MEETING_ARG). `day`: the day a held meeting is named by, and `year_given` whether the text said the
    year (HELD_MEETING_ARG). `forum`: the '; forum: ID' as typed.
    """
    phrase: str | None = None
    forum: str | None = None
    day: date | None = None
    year_given: bool = False


@dataclass(frozen=True)
class MeetingArgs:
    """The arguments of a command about one meeting and nothing else: '[DATUM | nästa] [; forum: ID]'
    (/dagordning, /publicera dagordning)."""
    meeting: MeetingRef


def parse_meeting_args(args: str, dates: Dates) -> MeetingArgs:
    forum, rest = take_option(args, "forum")
    return MeetingArgs(meeting=MeetingRef(phrase=rest.strip() or None, forum=forum))


def leading_date(dates: Dates, text: str) -> tuple[Any, str, str]:
    """A leading date phrase off `text`: (the date as read or None, the phrase as typed, the rest)."""
    text = text.strip()
    if not text:
        return None, "", ""
    when, rest = dates.split(text)
    if when is None:
        return None, "", text
    said = text[: len(text) - len(rest)] if rest and text.endswith(rest) else text
    return when, said.strip(), rest.strip()


def day_of(when: Any) -> date:
    """The day a date phrase names (a week or a range: its first day)."""
    if isinstance(when, datetime):
        return local(when).date()
    if isinstance(when, date):
        return when
    start = getattr(when, "start", None)
    if isinstance(start, datetime):
        return local(start).date()
    if isinstance(start, date):
        return start
    raise UserError(_("Ange mötets dag, till exempel ”2020-09-25” eller ”25 september 2020”."))


def held_meeting_ref(dates: Dates, text: str, forum: str | None) -> tuple[MeetingRef, str]:
    """The held meeting a text begins with (its date, else the latest held one) and the rest of the text."""
    when, said, rest = leading_date(dates, text)
    if when is None:
        return MeetingRef(forum=forum), rest
    return MeetingRef(forum=forum, day=day_of(when), year_given=bool(_YEAR.search(said)), phrase=said), rest
