"""The one option grammar of every command: 'HEAD; namn: värde; namn värde …'.

After the head (the text before the first ';'), each ';'-separated part is 'namn: värde', or 'namn värde'
when its first word is a name the command knows (`; senast 6 november`, `; forum lchnv`). Names are
case- and accent-insensitive. Commands read their options with `read_options` (a fixed set of names,
unknown ones refused) or `split_options` (any names, for commands that refuse unknown names in their own
words); '; forum: ID' is taken out by `take_option`, which handlers.common.pop_forum_option uses.
"""
from __future__ import annotations

import re
from typing import Iterable

from handlers.base import UserError
from handlers.i18n import _
from handlers.registry import normalise


def named(part: str, names: Iterable[str]) -> tuple[str, str] | None:
    """One ';'-separated part as (normalised name, value) when it begins with one of `names`, with or without
    its colon ('ansvarig: @x', 'ansvarig @x'); else None."""
    known = {normalise(n) for n in names}
    key, sep, value = part.strip().partition(":")
    if sep and normalise(key) in known:
        return normalise(key), value.strip()
    first, __, rest = part.strip().partition(" ")
    word = normalise(first).rstrip(":")
    if word in known:
        return word, rest.strip()
    return None


def option_parts(text: str, names: Iterable[str] = ()) -> tuple[str, list[tuple[str, str]]]:
    """The head and each option as (normalised name, value); a part without a name has the name ''.

    'TITEL; syfte: beslut; senast 3 dec' with names {'senast'} → ('TITEL', [('syfte', 'beslut'),
    ('senast', '3 dec')]). Without `names`, only 'namn: värde' parts are named."""
    names = tuple(names)
    parts = text.split(";")
    head = parts[0].strip()
    out: list[tuple[str, str]] = []
    for part in parts[1:]:
        part = part.strip()
        if not part:
            continue
        found = named(part, names) if names else None
        if found is None:
            key, sep, value = part.partition(":")
            found = (normalise(key), value.strip()) if sep else ("", part)
        out.append(found)
    return head, out


def split_options(args: str, names: Iterable[str] = ()) -> tuple[str, dict[str, str]]:
    """'TITEL; syfte: beslut; möte 3 dec' → ('TITEL', {'syfte': 'beslut', 'mote': '3 dec'}) with 'möte' among
    `names`; keys normalised; a part with no name is kept under ''."""
    head, parts = option_parts(args, names)
    options: dict[str, str] = {}
    for name, value in parts:
        if name:
            options[name] = value
        else:
            options.setdefault("", value)
    return head, options


def read_options(text: str, allowed: dict[str, str], *, usage: str) -> tuple[str, dict[str, str]]:
    """'TITEL; syfte: beslut; senast 3 dec' → ('TITEL', {'syfte': 'beslut', 'senast': '3 dec'}).

    Each option's name is one of `allowed` (normalised spelling → canonical name). Unknown names are
    refused, naming the known ones. Several 'bilaga' parts are joined; any other name given twice is refused.
    """
    parts = text.split(";")
    head = parts[0].strip()
    options: dict[str, str] = {}
    for part in parts[1:]:
        part = part.strip()
        if not part:
            continue
        found = named(part, allowed)
        if found is None:
            names = ", ".join(sorted(set(allowed.values())))
            raise UserError(_("Jag förstår inte ”{part}”. Efter ”;” kan du skriva {names}. Så här: {usage}.",
                              part=part, names=names, usage=usage))
        name, value = allowed[found[0]], found[1]
        if name in options:
            if name != "bilaga":
                raise UserError(_("”{name}” står två gånger; skriv det en gång. Så här: {usage}.", name=name, usage=usage))
            value = f"{options[name]} {value}"
        options[name] = value
    return head, options


def take_option(args: str, name: str) -> tuple[str | None, str]:
    """Take the option `name` ('; forum: X' or '; forum X') out of `args`: its value (None when absent)
    and the rest of the text."""
    word = re.escape(name)
    # At the very start only 'forum: X' (a title may begin with the word); after ';' the colon may be left out.
    m = re.search(r"(?:^\s*" + word + r"\s*:\s*|;\s*" + word + r"(?:\s*:\s*|\s+))([^;]+)", args, re.IGNORECASE)
    if not m or not m.group(1).strip():
        return None, args
    rest = (args[: m.start()] + args[m.end():]).strip().strip(";").strip()
    return m.group(1), rest
