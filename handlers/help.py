"""/hjälp: every command, what it does and who may use it."""
from __future__ import annotations

from handlers.base import Context, Reply, Section
from handlers.registry import command, commands

# Modules whose commands only coordinators can use: listed to coordinators only, the rest get one line.
ADMIN_MODULES = ("handlers.admin_meetings", "handlers.admin_members")


def _is_coordinator(ctx: Context) -> bool:
    from storage import queries

    return any("coordinator" in ctx.roles_in(f) for f in queries.forums_of(ctx.session, ctx.person, on=ctx.today))


@command("hjälp", "hjalp", "help", "kommandon", usage="/hjälp", help="visar den här listan", order=0)
def show_help(ctx: Context, args: str) -> Reply:
    coordinator = _is_coordinator(ctx)
    lines = []
    for cmd in commands():
        if cmd.handler.__module__ in ADMIN_MODULES and cmd.who != "alla" and not coordinator:
            continue
        who = "" if cmd.who == "alla" else f" ({cmd.who})"
        lines.append(f"{cmd.usage} — {cmd.help}{who}")
    context = [
        "Datum skriver du som du brukar: 'fredag', '3 december', '3/12', 'vecka 50', '2026-12-03'.",
        "Personer anger du som @handle, till exempel @maria.lind.",
    ]
    if not coordinator:
        context.append("Samordnaren planerar möten (/möte ny) och sköter ledamöter och roller (/ledamot, /roll).")
    return Reply(title="Det här kan du skriva till kansli", sections=[Section(lines=lines)], context=context)
