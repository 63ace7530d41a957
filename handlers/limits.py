"""How much a person may type: every limit on free text, lists and numbers, in one place.

Each refusal is a Swedish sentence that names the limit, and the command changes nothing.
"""
from __future__ import annotations

from typing import Sequence, TypeVar

from handlers.base import UserError

# Titles of cases and assignments; attachment names.
TITLE_MAX = 300
# Longer texts: förslag till beslut, beskrivning, decisions, minutes notes, reasons.
TEXT_MAX = 10_000
# An absence note is health data: kept short on purpose.
ABSENCE_NOTE_MAX = 1_000
# Attachments on one case.
ATTACHMENTS_MAX = 20
# A web address (the store's column holds 1,000 characters).
URL_MAX = 1_000
# A whole command: the longest text and room for the rest of the command around it.
COMMAND_MAX = TEXT_MAX + 2_000
# Ids and item numbers: the store holds 32-bit integers.
NUMBER_MAX = 2_147_483_647

T = TypeVar("T")


def _chars(n: int) -> str:
    return f"{n:,}".replace(",", " ") + " tecken"


def _too_long(what: str) -> str:
    """'Titeln är för lång', 'Förslaget är för långt': the adjective agrees with the noun (neuter in -et,
    and 'namn')."""
    head = what.split()[0].lower()
    neuter = head.endswith("et") or what.lower().endswith("namn")
    return f"{what} är för {'långt' if neuter else 'lång'}"


def title(text: str, *, what: str = "Titeln") -> str:
    """`text` unless it is longer than TITLE_MAX characters."""
    if len(text) > TITLE_MAX:
        raise UserError(f"{_too_long(what)} ({_chars(len(text))}); skriv högst {_chars(TITLE_MAX)}.")
    return text


def text(value: str, *, what: str, limit: int = TEXT_MAX) -> str:
    """`value` unless it is longer than `limit` (TEXT_MAX) characters."""
    if len(value) > limit:
        raise UserError(f"{_too_long(what)} ({_chars(len(value))}); skriv högst {_chars(limit)}.")
    return value


def attachments(items: Sequence[T], *, already: int = 0) -> Sequence[T]:
    """The attachments to add unless the case would then hold more than ATTACHMENTS_MAX."""
    total = already + len(items)
    if total > ATTACHMENTS_MAX:
        have = f" (ärendet har redan {already})" if already else ""
        raise UserError(f"Ett ärende kan ha högst {ATTACHMENTS_MAX} bilagor; det här skulle ge {total}{have}. "
                        "Samla underlagen i färre dokument, eller länka till en mapp.")
    return items


def url(value: str) -> str:
    if len(value) > URL_MAX:
        raise UserError(f"{_too_long('Webbadressen')} ({_chars(len(value))}); en bilaga får ha högst "
                        f"{_chars(URL_MAX)} i adressen.")
    return value


def command(value: str) -> str:
    """A whole command, before it is read."""
    if len(value) > COMMAND_MAX:
        raise UserError(f"{_too_long('Meddelandet')} ({_chars(len(value))}); ett kommando får vara högst "
                        f"{_chars(COMMAND_MAX)} och en text i det högst {_chars(TEXT_MAX)}.")
    return value


def number(digits: str, *, what: str, hint: str) -> int:
    """A number typed as digits, refused unless it is one the store can hold (1 to NUMBER_MAX)."""
    value = int(digits) if len(digits) <= 10 else NUMBER_MAX + 1
    if not 0 < value <= NUMBER_MAX:
        shown = digits if len(digits) <= 20 else digits[:17] + "…"
        raise UserError(f"{what} {shown} finns inte; numren går från 1 till {NUMBER_MAX}. {hint}")
    return value
