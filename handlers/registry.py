"""The command table: each command module declares its commands with `@command`.

A declaration is the one statement of a command: its names, grammar (`usage`, and `args`: the parser that
reads the argument text into a typed value, see handlers/arguments.py), what it does (`help`), the roles that
may run it (`roles`, `doing` for the refusal), how its forum is found (`forum`) and, for a command about one
meeting, how the meeting is found (`meeting`). The dispatcher runs a command through handlers/invoke.py,
which parses the arguments, finds the forum or meeting and checks the role before the handler; /hjälp
(handlers/help.py) and the docs' tables (handlers/command_docs.py) are made from it.

Names are matched case- and accent-insensitively on whole words, longest first,
so "uppdrag ny" wins over "uppdrag" and "/anmal franvaro" finds "anmäl frånvaro".
"""
from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from typing import Any, Callable

from handlers.base import Reply
from handlers.i18n import _

# handler(ctx, args); handler(ctx, forum, args) with forum=NAMED_FORUM; handler(ctx, case, args) with CASE_FORUM;
# handler(ctx, meeting, args) with a meeting policy (MEETING_POLICIES). `args` is the argument text, or the typed
# value the declared parser (`args=`) made of it.
Handler = Callable[..., Reply]
# parser(text, dates) → typed arguments; `dates` reads date phrases (handlers.arguments.Dates).
Parser = Callable[[str, Any], Any]


# How the registry finds the forum a command is about, before its handler runs:
NAMED_FORUM = "named"  # '; forum: ID', else the channel's forum, else the only forum where the asker holds `roles`;
#                        the handler is called as handler(ctx, forum, args) with the option taken out of args
ANY_FORUM = "any"  # the asker must hold one of `roles` in some forum (nothing else is forum-bound)
CASE_FORUM = "case"  # the forum of the case whose number ('2026:3', or '3' for this year) the arguments begin with;
#                      it needs a parser, which reads 'NR rest' with the case's own number ('2026:3', also when
#                      '3' was typed) and '; forum' taken out; the handler is called as handler(ctx, case, args)
# None: the handler finds the forum itself (from a case, an assignment or a meeting) and checks the declared
# roles there with handlers.common.require_command_role.
FORUM_POLICIES = (NAMED_FORUM, ANY_FORUM, CASE_FORUM, None)

# How the registry finds the meeting a command is about, from the `meeting` (a handlers.arguments.MeetingRef)
# of the value its parser returns; the declared roles (if any) are checked in the meeting's forum and the handler
# is called as handler(ctx, meeting, args):
MEETING_ARG = "meeting"  # the leading date phrase (or 'nästa') names it, in '; forum: ID' or the forums where the
#                          asker holds `roles`; without one, the next meeting of the forum ('; forum: ID', the
#                          channel's, or the only one where the asker holds `roles`)
HELD_MEETING_ARG = "held meeting"  # a meeting that has been: the day named (a day ahead without a year is also
#                                    tried a year back), else the latest one held, in '; forum: ID', the channel's
#                                    forum, or the asker's forums (those where they hold `roles` first)
CHANNEL_MEETING_ARG = "channel meeting"  # as MEETING_ARG, but the date phrase is looked for in the named forum, else
#                                          the channel's, else those where the asker holds `roles` (refused when none)
AGENDA_MEETING_ARG = "agenda meeting"  # a meeting to read (/dagordning): today's, else the next; 'nästa' the next after
#                                        today; a date phrase the meeting that day; in the named forum, the channel's,
#                                        or any of the asker's forums
MEETING_POLICIES = (MEETING_ARG, HELD_MEETING_ARG, CHANNEL_MEETING_ARG, AGENDA_MEETING_ARG, None)


@dataclass(frozen=True)
class Command:
    name: str  # the Swedish name shown to users, e.g. "anmäl frånvaro"
    handler: Handler
    usage: str
    help: str
    aliases: tuple[str, ...]
    order: int
    # The roles that may run the command; None when anyone in a forum may. The one definition: /hjälp,
    # the docs' tables, the suggestions after a mistype and the check before the handler all read it.
    roles: frozenset[str] | None = None
    # What the refusal says the asker may not do: "Bara samordnare kan {doing}."
    doing: str = ""
    forum: str | None = None  # NAMED_FORUM, ANY_FORUM, CASE_FORUM or None (see above)
    meeting: str | None = None  # one of MEETING_POLICIES (see above)
    # The argument grammar as code: parser(text, dates) → the typed value the handler receives; None: the
    # handler receives the text.
    args: Parser | None = None

    @property
    def who(self) -> str:
        """Who may run it, in Swedish ("alla", "samordnare, sekreterare", …)."""
        if self.roles is None:
            return "alla"
        return ", ".join(ROLE_NAMES[r] for r in ROLE_ORDER if r in self.roles)

    def allowed_for(self, roles: set[str]) -> bool:
        """Whether someone holding `roles` (in any forum) may run it."""
        wanted = self.roles
        return wanted is None or bool(wanted & roles)


# The roles by their Swedish names, as users read them.
ROLE_NAMES = {
    "member": "representant",
    "chair": "ordförande",
    "vice_chair": _("vice ordförande"),
    "coordinator": "samordnare",
    "absence_recipient": "frånvaromottagare",
    "secretary": "sekreterare",
}

# The order roles are named in: the forum's officers first.
ROLE_ORDER = ("coordinator", "secretary", "chair", "vice_chair", "absence_recipient", "member")

_COMMANDS: list[Command] = []
_INDEX: dict[tuple[str, ...], Command] = {}


def normalise(text: str) -> str:
    """Lower case, no diacritics (å→a, ä→a, ö→o), single spaces."""
    decomposed = unicodedata.normalize("NFKD", text.lower())
    stripped = "".join(ch for ch in decomposed if not unicodedata.combining(ch))
    return " ".join(stripped.split())


def command(
    name: str, *aliases: str, usage: str, help: str, roles: "set[str] | frozenset[str] | None" = None,
    doing: str = "", forum: str | None = None, meeting: str | None = None, args: Parser | None = None,
    order: int = 100,
) -> Callable[[Handler], Handler]:
    """Declare a command: its names, grammar (`usage`, and `args`, the parser that makes the typed value the
    handler receives), what it does (`help`), the roles that may run it (`roles`, None for anyone in a
    forum), what a refused asker may not do (`doing`), how its forum is found (`forum`, one of
    FORUM_POLICIES) and, for a command about one meeting, how the meeting is found (`meeting`, one of
    MEETING_POLICIES; the parsed value's `meeting` field names it)."""
    if forum not in FORUM_POLICIES:
        raise ValueError(f"unknown forum policy {forum!r} for {name!r}")
    if meeting not in MEETING_POLICIES:
        raise ValueError(f"unknown meeting policy {meeting!r} for {name!r}")
    if meeting is not None and (forum is not None or args is None):
        raise ValueError(f"{name!r}: a meeting policy needs a parser, and no forum policy")
    if roles is not None and not doing:
        raise ValueError(f"{name!r} limits its roles and needs `doing` for the refusal")
    if forum is not None and roles is None:
        raise ValueError(f"{name!r}: a forum policy needs roles to check")
    if forum == CASE_FORUM and args is None:
        raise ValueError(f"{name!r}: the case policy needs a parser")

    def register(fn: Handler) -> Handler:
        cmd = Command(name=name, handler=fn, usage=usage, help=help, aliases=aliases, order=order,
                      roles=frozenset(roles) if roles is not None else None, doing=doing, forum=forum,
                      meeting=meeting, args=args)
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


# ------------------------------------------------------------------------------------ mistypes

# Common English words and their Swedish command words, for the suggestion after a mistype.
ENGLISH = {
    "report": "anmäl", "absence": "frånvaro", "absences": "frånvaro", "agenda": "dagordning", "help": "hjälp",
    "tasks": "uppdrag", "task": "uppdrag", "assignments": "uppdrag", "assignment": "uppdrag",
    "meetings": "möten", "cases": "ärenden", "case": "ärende", "decision": "beslut", "overview": "översikt",
    "publish": "publicera", "withdraw": "återkalla", "minutes": "minnesanteckningar", "new": "ny",
    "all": "alla", "overdue": "försenade", "next": "nästa", "meeting": "möte", "today": "idag",
    "tomorrow": "imorgon", "monday": "måndag", "tuesday": "tisdag", "wednesday": "onsdag",
    "thursday": "torsdag", "friday": "fredag", "saturday": "lördag", "sunday": "söndag", "week": "vecka",
    "january": "januari", "february": "februari", "march": "mars", "may": "maj", "june": "juni",
    "july": "juli", "october": "oktober", "whole": "hela",
}


def swedish(text: str) -> str | None:
    """`text` with its English words put in Swedish ('report absence friday' → 'anmäl frånvaro fredag'),
    or None when there was nothing to translate or the result is no command."""
    stripped = text.strip().lstrip("/").strip()
    changed = False

    def one(m: re.Match[str]) -> str:
        nonlocal changed
        word = ENGLISH.get(m.group(0).lower())
        if word is None:
            return m.group(0)
        changed = True
        return word

    # Only the command and its date words: options and notes (from the first ';' or ':') are left out, so a
    # personal note is never repeated.
    cut = re.search(r"[;:]", stripped)
    head = (stripped[: cut.start()] if cut else stripped).strip()
    translated = re.sub(r"[A-Za-z]+", one, head)
    if not changed or match(translated) is None:
        return None
    return translated


def _distance(a: str, b: str) -> int:
    """Edit distance with adjacent transpositions ('uppdarg' is one step from 'uppdrag')."""
    prev2: list[int] = []
    prev = list(range(len(b) + 1))
    for i, ca in enumerate(a, 1):
        cur = [i] + [0] * len(b)
        for j, cb in enumerate(b, 1):
            cur[j] = min(prev[j] + 1, cur[j - 1] + 1, prev[j - 1] + (ca != cb))
            if i > 1 and j > 1 and ca == b[j - 2] and a[i - 2] == cb:
                cur[j] = min(cur[j], prev2[j - 2] + 1)
        prev2, prev = prev, cur
    return prev[-1]


def suggest(text: str, allowed: Callable[[Command], bool] = lambda c: True) -> list[str]:
    """What the asker probably meant by a text that is no command: whole commands to type, with the
    rest of the text kept. Tried in turn: English words put in Swedish, the commands a prefix begins,
    the nearest commands by spelling (case and accents ignored)."""
    stripped = text.strip().lstrip("/").strip()
    # Options and notes (from the first ';' or ':') are not repeated in a suggestion.
    cut = re.search(r"[;:]", stripped)
    words = (stripped[: cut.start()] if cut else stripped).split()
    if not words:
        return []
    translated = swedish(stripped)
    if translated is not None:
        found = match(translated)
        if found is not None and allowed(found[0]):
            return [f"/{translated}"]
    norm = [normalise(w) for w in words]
    # A prefix: '/anmäl' → anmäl frånvaro, anmäl ärende; '/publ' → publicera dagordning.
    prefixed: list[str] = []
    for cmd in commands():
        for name in (cmd.name, *cmd.aliases):
            parts = normalise(name).split()
            n = len(norm)
            if n <= len(parts) and parts[: n - 1] == norm[: n - 1] and parts[n - 1].startswith(norm[n - 1]) \
                    and (n < len(parts) or parts[n - 1] != norm[n - 1]):
                if allowed(cmd) and f"/{cmd.name}" not in prefixed:
                    prefixed.append(f"/{cmd.name}")
                break
    if prefixed:
        return prefixed
    # The nearest spelling of the command's words; the rest of the text is kept.
    best: dict[str, int] = {}
    rest_of: dict[str, str] = {}
    for cmd in commands():
        if not allowed(cmd):
            continue
        for name in (cmd.name, *cmd.aliases):
            parts = normalise(name).split()
            if len(parts) > len(norm):
                continue
            typed = " ".join(norm[: len(parts)])
            target = " ".join(parts)
            d = _distance(typed, target)
            limit = 1 if len(target) <= 4 else 2
            if d <= limit and d < best.get(cmd.name, 99):
                best[cmd.name] = d
                rest_of[cmd.name] = " ".join(words[len(parts):])
    if not best:
        return []
    nearest = min(best.values())
    more = " …" if cut else ""
    return [f"/{name} {rest_of[name]}".rstrip() + more for name, d in best.items() if d == nearest]


def or_list(items: list[str]) -> str:
    """'a', 'a eller b', 'a, b eller c'."""
    if len(items) <= 1:
        return "".join(items)
    return f"{', '.join(items[:-1])} eller {items[-1]}"
