"""The command tables of README.md and docs/reference.md, made from the command declarations.

    python -m handlers.command_docs

writes the table between the markers below in both documents; tests/handlers/test_command_docs.py fails
when a document's table differs from the declarations (a command added, its grammar, roles or help changed).
"""
from __future__ import annotations

import re
import sys
from pathlib import Path

from handlers.registry import commands, load_all

ROOT = Path(__file__).resolve().parent.parent
DOCUMENTS = (ROOT / "README.md", ROOT / "docs" / "reference.md")
BEGIN = "<!-- commands: made by `python -m handlers.command_docs` from the command declarations; do not edit -->"
END = "<!-- /commands -->"
REGENERATE = "python -m handlers.command_docs"


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


def table_in(text: str) -> str | None:
    """The table between the markers of a document, or None when it has none."""
    m = re.search(re.escape(BEGIN) + r"\n(.*?)\n" + re.escape(END), text, re.S)
    return m.group(1) if m else None


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
