"""/hjälp and the docs' command tables, both made from the command declarations (handlers/registry.py).

`python -m handlers.help` writes the table into README.md and docs/reference.md (between the
`<!-- commands -->` and `<!-- /commands -->` markers); tests/handlers/test_help_table.py fails when they differ.
"""
from __future__ import annotations

import re
import sys
from pathlib import Path

from handlers.base import Context, Reply, Section
from handlers.registry import Command, command, commands, load_all
from storage import queries
from handlers.i18n import _

ROOT = Path(__file__).resolve().parent.parent
DOCUMENTS = (ROOT / "README.md", ROOT / "docs" / "reference.md")
BEGIN = "<!-- commands: made by `python -m handlers.help` from the command declarations; do not edit -->"
END = "<!-- /commands -->"


def help_line(cmd: Command) -> str:
    """'/uppdrag ny … — för in ett uppdrag … (samordnare, sekreterare)'."""
    who = "" if cmd.roles is None else f" ({cmd.who})"
    return f"{cmd.usage} — {cmd.help}{who}"


@command("hjälp", "hjalp", "help", "kommandon", usage="/hjälp", help=_("visar den här listan"), order=0)
def show_help(ctx: Context, args: str) -> Reply:
    """The commands the asker may run (with the roles of those they hold in some forum)."""
    roles: set[str] = set()
    for forum in queries.forums_of(ctx.session, ctx.person) or []:
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
            _("Datum skriver du som du brukar: 'fredag', '3 december', '3/12', 'vecka 50', '2026-12-03'."),
            _("Personer anger du som @användarnamn eller med namn, till exempel @maria.lind eller Maria Lind."),
        ] + ([_("{hidden} kommandon till finns för andra roller (samordnare, sekreterare, "
                "ordförande).",
                hidden=hidden)]
             if hidden else []),
    )


# ------------------------------------------------------------------------------------ the docs' table


def _cell(text: str) -> str:
    return text.replace("|", "\\|")


def command_table() -> str:
    """Every command as a Markdown table: what to type, who may, what it does."""
    load_all()
    rows = ["| command | who | what it does |", "| --- | --- | --- |"]
    for cmd in commands():
        rows.append(f"| `{_cell(cmd.usage)}` | {cmd.who} | {_cell(cmd.help)} |")
    return "\n".join(rows)


def with_table(text: str) -> str:
    """`text` with the generated table between its markers (unchanged when it has none)."""
    block = re.compile(re.escape(BEGIN) + r"\n.*?" + re.escape(END), re.S)
    return block.sub(lambda m: f"{BEGIN}\n{command_table()}\n{END}", text)


def main() -> int:
    for path in DOCUMENTS:
        text = path.read_text(encoding="utf-8")
        if BEGIN not in text:
            print(f"{path}: no {BEGIN!r} marker", file=sys.stderr)
            return 1
        new = with_table(text)
        if new != text:
            path.write_text(new, encoding="utf-8")
            print(f"updated {path.relative_to(ROOT)}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
