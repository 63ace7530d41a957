"""The command table: each handler module registers its commands with `@command`.

Names are matched case- and accent-insensitively on whole words, longest first,
so "uppdrag ny" wins over "uppdrag" and "/anmal franvaro" finds "anmäl frånvaro".
"""
from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from typing import Callable

from handlers.base import Context, Reply

Handler = Callable[[Context, str], Reply]


@dataclass(frozen=True)
class Command:
    name: str  # the Swedish name shown to users, e.g. "anmäl frånvaro"
    handler: Handler
    usage: str
    help: str
    who: str  # who may use it, in Swedish ("alla", "samordnare", …)
    aliases: tuple[str, ...]
    order: int


_COMMANDS: list[Command] = []
_INDEX: dict[tuple[str, ...], Command] = {}


def normalise(text: str) -> str:
    """Lower case, no diacritics (å→a, ä→a, ö→o), single spaces."""
    decomposed = unicodedata.normalize("NFKD", text.lower())
    stripped = "".join(ch for ch in decomposed if not unicodedata.combining(ch))
    return " ".join(stripped.split())


def command(
    name: str, *aliases: str, usage: str, help: str, who: str = "alla", order: int = 100
) -> Callable[[Handler], Handler]:
    def register(fn: Handler) -> Handler:
        cmd = Command(name=name, handler=fn, usage=usage, help=help, who=who, aliases=aliases, order=order)
        for n in (name, *aliases):
            words = tuple(normalise(n).split())
            if words in _INDEX and _INDEX[words].handler is not fn:
                raise RuntimeError(f"command {n!r} registered twice")
            _INDEX[words] = cmd
        _COMMANDS.append(cmd)
        return fn

    return register


def match(text: str) -> tuple[Command, str] | None:
    """Find the command `text` starts with; return it and the rest of the text (original spelling)."""
    stripped = text.strip().lstrip("/").strip()
    # A ';' ends a word too, so "/ärenden; forum: x" finds "ärenden".
    found = list(re.finditer(r"[^\s;]+", stripped))
    norm = [normalise(m.group(0)) for m in found]
    for n in range(min(len(found), 4), 0, -1):
        cmd = _INDEX.get(tuple(norm[:n]))
        end = found[n - 1].end()
        if cmd is None and norm[n - 1][-1:] in (":", ","):
            # "/anmäl frånvaro: sjuk" – punctuation glued to the last command word belongs to the arguments
            cmd = _INDEX.get((*norm[: n - 1], norm[n - 1][:-1]))
            end -= 1
        if cmd is not None:
            return cmd, stripped[end:].strip()
    return None


def commands() -> list[Command]:
    return sorted(_COMMANDS, key=lambda c: (c.order, c.name))


def load_all() -> None:
    """Import every handler module so that its commands register."""
    import importlib
    import pkgutil

    import handlers

    for mod in pkgutil.iter_modules(handlers.__path__):
        if mod.name not in {"base", "registry", "fmt", "calendar"} and not mod.name.startswith("_"):
            importlib.import_module(f"handlers.{mod.name}")
