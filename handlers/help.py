"""/hjälp: every command, what it does and who may use it."""
from __future__ import annotations

from handlers.base import Context, Reply, Section
from handlers.registry import command, commands


@command("hjälp", "hjalp", "help", "kommandon", usage="/hjälp", help="visar den här listan", order=0)
def show_help(ctx: Context, args: str) -> Reply:
    lines = []
    for cmd in commands():
        who = "" if cmd.who == "alla" else f" ({cmd.who})"
        lines.append(f"{cmd.usage} — {cmd.help}{who}")
    return Reply(
        title="Det här kan du skriva till kansli",
        sections=[Section(lines=lines)],
        context=[
            "Datum skriver du som du brukar: 'fredag', '3 december', '3/12', 'vecka 50', '2026-12-03'.",
            "Personer anger du som @handle, till exempel @maria.lind.",
        ],
    )
