"""Reply → plain text, for the terminal chat and the console delivery."""
from __future__ import annotations

from handlers.base import Reply


def render_text(reply: Reply) -> str:
    out: list[str] = []
    if reply.title:
        out.append(reply.title)
        out.append("=" * min(len(reply.title), 72))
    out += reply.lines
    width = max((len(k) for k, __ in reply.fields), default=0)
    out += [f"{k + ':':<{width + 1}} {v}" for k, v in reply.fields]
    for section in reply.sections:
        if out:
            out.append("")
        if section.heading:
            out.append(section.heading)
        out += [f"  {line}" if section.heading else line for line in section.lines]
        sw = max((len(k) for k, __ in section.fields), default=0)
        out += [f"  {k + ':':<{sw + 1}} {v}" for k, v in section.fields]
        out += [f"  [{a.label}] → {a.command}" for a in section.actions]
    if reply.actions:
        out.append("")
        out += [f"[{a.label}] → {a.command}" for a in reply.actions]
    if reply.context:
        out.append("")
        out += reply.context
    return "\n".join(out)
