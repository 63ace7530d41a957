"""/hjälp: the commands the asker may run, made from the command declarations (handlers/registry.py).

The docs' command tables are made from the same declarations by handlers/command_docs.py.
"""
from __future__ import annotations

from dataclasses import dataclass

from handlers.arguments import Dates
from handlers.base import Context, Reply, Section
from handlers.registry import Command, command, commands
from storage import queries
from handlers.i18n import _


def help_line(cmd: Command) -> str:
    """'/uppdrag ny … — för in ett uppdrag … (samordnare, sekreterare)'."""
    who = "" if cmd.roles is None else f" ({cmd.who})"
    return f"{cmd.usage} — {cmd.help}{who}"


@dataclass(frozen=True)
class ShowHelp:
    """/hjälp: nothing to say; whatever follows the command word is passed over."""


def parse_show_help(args: str, dates: Dates) -> ShowHelp:
    return ShowHelp()


@command("hjälp", "hjalp", "help", "kommandon", usage="/hjälp", help=_("visar den här listan"),
         args=parse_show_help, order=0)
def show_help(ctx: Context, args: ShowHelp) -> Reply:
    """The commands the asker may run (with the roles of those they hold in some forum)."""
    roles: set[str] = set()
    for forum in queries.forums_of(ctx.session, ctx.person, sitting=ctx.today) or []:
        roles |= ctx.roles_in(forum)
    lines = []
    hidden = 0
    for cmd in commands():
        if not cmd.allowed_for(roles):
            hidden += 1
            continue
        lines.append(help_line(cmd))
    return Reply(
        title=_("Det här kan du skriva till Kansli"),
        sections=[Section(lines=lines)],
        context=[
            _("Datum skriver du som du brukar: ”fredag”, ”3 december”, ”3/12”, ”vecka 50”, ”2026-12-03”."),
            _("Personer anger du som @användarnamn eller med namn, till exempel @maria.lind eller Maria Lind."),
        ] + ([_("{hidden} kommandon till finns för andra roller (samordnare, sekreterare, "
                "ordförande).",
                hidden=hidden)]
             if hidden else []),
    )
