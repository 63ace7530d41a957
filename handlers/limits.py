"""How much a person may type: every limit on free text, lists and numbers, in one place.

Each refusal is a Swedish sentence that names the limit, and the command changes nothing.
"""
from __future__ import annotations

from typing import Sequence, TypeVar

from handlers.base import UserError
from handlers.i18n import _

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
    return _("{what} är för {value}", what=what, value='långt' if neuter else 'lång')


def title(text: str, *, what: str = "Titeln") -> str:
    """`text` unless it is longer than TITLE_MAX characters."""
    if len(text) > TITLE_MAX:
        raise UserError(_("{what} ({chars}); skriv högst {TITLE_MAX}.",
                          what=_too_long(what), chars=_chars(len(text)), TITLE_MAX=_chars(TITLE_MAX)))
    return text


def text(value: str, *, what: str, limit: int = TEXT_MAX) -> str:
    """`value` unless it is longer than `limit` (TEXT_MAX) characters."""
    if len(value) > limit:
        raise UserError(_("{what} ({chars}); skriv högst {limit}.",
                          what=_too_long(what), chars=_chars(len(value)), limit=_chars(limit)))
    return value


def attachments(items: Sequence[T], *, already: int = 0) -> Sequence[T]:
    """The attachments to add unless the case would then hold more than ATTACHMENTS_MAX."""
    total = already + len(items)
    if total > ATTACHMENTS_MAX:
        have = _(" (ärendet har redan {already})", already=already) if already else ""
        raise UserError(_("Ett ärende kan ha högst {ATTACHMENTS_MAX} bilagor; det här skulle ge "
                          "{total}{have}. Samla underlagen i färre dokument, eller länka till en mapp.",
                          ATTACHMENTS_MAX=ATTACHMENTS_MAX, total=total, have=have))
    return items


def url(value: str) -> str:
    if len(value) > URL_MAX:
        raise UserError(_("{too_long} ({chars}); en bilaga får ha högst {URL_MAX} i adressen.",
                          too_long=_too_long('Webbadressen'), chars=_chars(len(value)), URL_MAX=_chars(URL_MAX)))
    return value


def command(value: str) -> str:
    """A whole command, before it is read."""
    if len(value) > COMMAND_MAX:
        raise UserError(_("{too_long} ({chars}); ett kommando får vara högst {COMMAND_MAX} och en text i "
                          "det högst {TEXT_MAX}.",
                          too_long=_too_long('Meddelandet'), chars=_chars(len(value)), COMMAND_MAX=_chars(COMMAND_MAX), TEXT_MAX=_chars(TEXT_MAX)))
    return value


def number(digits: str, *, what: str, hint: str) -> int:
    """A number typed as digits, refused unless it is one the store can hold (1 to NUMBER_MAX)."""
    value = int(digits) if len(digits) <= 10 else NUMBER_MAX + 1
    if not 0 < value <= NUMBER_MAX:
        shown = digits if len(digits) <= 20 else digits[:17] + "…"
        raise UserError(_("{what} {shown} finns inte; numren går från 1 till {NUMBER_MAX}. {hint}",
                          what=what, shown=shown, NUMBER_MAX=NUMBER_MAX, hint=hint))
    return value
