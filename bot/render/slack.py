"""Reply → Slack Block Kit, as the dicts Slack receives.

A reply becomes a header (the title), sections (text and up to ten fields
each), actions (every `Action` is a button whose value is the command text;
a section's only button sits beside its heading) and a context line. Texts are cut to Slack's limits, and a reply longer than
one message allows (50 blocks; 100 in a modal or the App Home tab) is split
into pages, each page marked "sida N av M", so a long list is never refused.

The blocks are built as plain dicts, in the form slack_sdk's block models give (`Block.to_dict()`): building
the models and converting them took a sixth of the processor time of a Slack command that lists a
coordinator's assignments. Every limit Slack sets on these blocks is held here by construction (`cut`, the
counts per block and per page); tests/bot/test_slack_render.py reads every kind of reply back through
slack_sdk's models, which must give the same dicts and find nothing to refuse.
"""
from __future__ import annotations

from typing import Any, Iterable

from handlers.base import Action, Reply, Section
from handlers.i18n import _

Block = dict[str, Any]

MESSAGE_BLOCKS = 50  # chat.postMessage, chat.postEphemeral, response_url
VIEW_BLOCKS = 100  # modals and the App Home tab
SECTION_TEXT = 3000
FIELD_TEXT = 2000
FIELDS_PER_SECTION = 10
CONTEXT_ELEMENTS = 10
CONTEXT_TEXT = 2000
HEADER_TEXT = 150
BUTTON_TEXT = 75
BUTTON_VALUE = 2000
BUTTONS_PER_BLOCK = 25
FALLBACK_TEXT = 3000
# Buttons carry this action_id prefix; the Slack app routes every click on one of them back to the dispatcher.
ACTION_PREFIX = "kansli_cmd_"
TOO_MANY_PAGES = _("Resten får inte plats i Slack; avgränsa kommandot, till exempel med ett datum eller en status.")
TOO_LONG = _("Listan är längre än vad som får plats här. Skriv kommandot till Kansli i ett "
             "meddelande för att se allt.")


def escape(text: str) -> str:
    """Slack's three control characters, so user text never turns into a mention or a link by accident.

    The one escaping rule of this renderer, applied to every string of a reply (blocks and fallback text):
    kansli's replies carry no markup of their own, so everything in them is text."""
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def cut(text: str, limit: int) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "…"


def _chunks(lines: Iterable[str], limit: int, *, first: str | None = None) -> list[str]:
    """Join lines into texts of at most `limit` characters; an overlong line is cut."""
    out: list[str] = []
    current = first or ""
    for raw in lines:
        line = cut(escape(raw), limit)
        candidate = f"{current}\n{line}" if current else line
        if len(candidate) > limit:
            out.append(current)
            current = line
        else:
            current = candidate
    if current:
        out.append(current)
    return out


def _text(kind: str, text: str) -> dict[str, str]:
    # Keys in the order slack_sdk writes them; an empty text is left out, as slack_sdk leaves it out.
    return {"text": text, "type": kind} if text else {"type": kind}


def _mrkdwn(text: str) -> dict[str, str]:
    return _text("mrkdwn", text)


def _section_block(text: str | None, fields: list[dict[str, str]] | None) -> Block:
    block: Block = {}
    if fields:
        block["fields"] = fields
    if text is not None:
        block["text"] = _mrkdwn(text)
    block["type"] = "section"
    return block


def _field(label: str, value: str) -> dict[str, str]:
    return _mrkdwn(cut(f"*{escape(label)}*\n{escape(value) or '–'}", FIELD_TEXT))


class _Buttons:
    """Numbers the buttons of one reply so every action_id in a message is unique."""

    def __init__(self) -> None:
        self.count = 0

    def button(self, action: Action) -> Block:
        self.count += 1
        button: Block = {"action_id": f"{ACTION_PREFIX}{self.count}"}
        if action.style in ("primary", "danger"):
            button["style"] = action.style
        button["text"] = _text("plain_text", cut(action.label, BUTTON_TEXT))
        button["type"] = "button"
        value = cut(action.command, BUTTON_VALUE)
        if value:
            button["value"] = value
        return button

    def blocks(self, actions: list[Action]) -> list[Block]:
        return [{"elements": [self.button(a) for a in actions[start : start + BUTTONS_PER_BLOCK]], "type": "actions"}
                for start in range(0, len(actions), BUTTONS_PER_BLOCK)]


def _text_and_fields(heading: str | None, lines: list[str], fields: list[tuple[str, str]]) -> list[Block]:
    first = f"*{cut(escape(heading), SECTION_TEXT - 2)}*" if heading else None
    texts = _chunks(lines, SECTION_TEXT, first=first)
    field_objs = [_field(k, v) for k, v in fields]
    blocks: list[Block] = []
    for i, text in enumerate(texts):
        # The first ten fields sit under the last text block of the section.
        with_fields = field_objs[:FIELDS_PER_SECTION] if i == len(texts) - 1 else None
        blocks.append(_section_block(text, with_fields))
    rest = field_objs[FIELDS_PER_SECTION:] if texts else field_objs
    for start in range(0, len(rest), FIELDS_PER_SECTION):
        blocks.append(_section_block(None, rest[start : start + FIELDS_PER_SECTION]))
    return blocks


def _context(elements: list[dict[str, str]]) -> Block:
    return {"elements": elements, "type": "context"}


def _groups(reply: Reply) -> list[list[Block]]:
    """The reply as groups of blocks that belong together (kept on one page when they fit)."""
    buttons = _Buttons()
    groups: list[list[Block]] = []
    top: list[Block] = []
    if reply.title:
        top.append({"text": _text("plain_text", cut(reply.title, HEADER_TEXT)), "type": "header"})
    top += _text_and_fields(None, reply.lines, reply.fields)
    if top:
        groups.append(top)
    for section in reply.sections:
        group = _section(section, buttons)
        if group:
            groups.append(group)
    tail: list[Block] = buttons.blocks(reply.actions)
    if reply.context:
        texts = _chunks(reply.context, CONTEXT_TEXT)
        for start in range(0, len(texts), CONTEXT_ELEMENTS):
            tail.append(_context([_mrkdwn(t) for t in texts[start : start + CONTEXT_ELEMENTS]]))
    if tail:
        groups.append(tail)
    if not groups:
        groups.append([_section_block("–", None)])
    return groups


def _section(section: Section, buttons: _Buttons) -> list[Block]:
    """A section's text and fields; its one button, when it has one, sits beside its heading (the section's
    accessory, as Slack shows a single action), so a list of items with a button each takes one block an
    item, not two; several buttons go in an actions block below."""
    blocks = _text_and_fields(section.heading, section.lines, section.fields)
    if len(section.actions) == 1 and blocks and blocks[0]["type"] == "section":
        blocks[0] = {"accessory": buttons.button(section.actions[0]), **blocks[0]}
        return blocks
    blocks += buttons.blocks(section.actions)
    return blocks


def _paginate(groups: list[list[Block]], room: int) -> list[list[Block]]:
    """Fill pages of at most `room` blocks, starting a group on a fresh page when it would not fit."""
    pages: list[list[Block]] = [[]]
    for group in groups:
        if pages[-1] and len(pages[-1]) + len(group) > room:
            pages.append([])
        for block in group:
            if len(pages[-1]) >= room:
                pages.append([])
            pages[-1].append(block)
    return pages


def render_pages(reply: Reply, *, limit: int = MESSAGE_BLOCKS, max_pages: int | None = None) -> list[list[dict[str, Any]]]:
    """The reply as one or more lists of block dicts, each within `limit` blocks.

    With more than one page every page ends with a context block "sida N av M". With `max_pages` (a
    response_url takes five messages) the pages after that are left out and the last one says so.
    """
    groups = _groups(reply)
    if sum(len(g) for g in groups) <= limit:
        pages = [[b for g in groups for b in g]]
    else:
        pages = _paginate(groups, limit - 1)  # keep one block for the page marker
        total = len(pages)
        if max_pages is not None and total > max_pages:
            pages = pages[:max_pages]
        for n, page in enumerate(pages, start=1):
            marker = f"sida {n} av {total}"
            if n == len(pages) and n < total:
                marker += f". {TOO_MANY_PAGES}"
            page.append(_context([_mrkdwn(marker)]))
    return pages


def render_blocks(reply: Reply, *, limit: int = VIEW_BLOCKS) -> list[dict[str, Any]]:
    """One list of blocks for a surface that holds a single page (modal, App Home); the rest is cut with a note."""
    groups = _groups(reply)
    if sum(len(g) for g in groups) <= limit:
        return [b for g in groups for b in g]
    page = _paginate(groups, limit - 1)[0]
    page.append(_context([_mrkdwn(TOO_LONG)]))
    return page


def fallback_text(reply: Reply) -> str:
    """The message's `text`: what notifications and screen readers show (Slack reads it as mrkdwn too)."""
    parts = [p for p in (reply.title, *(reply.lines[:1])) if p]
    if not parts and reply.sections:
        s = reply.sections[0]
        parts = [p for p in (s.heading, *(s.lines[:1])) if p]
    return cut(escape(" – ".join(parts)) or "kansli", FALLBACK_TEXT)
