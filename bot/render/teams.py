"""Reply → what Teams shows: Adaptive Cards (version 1.5) for lists, text for short confirmations.

Plain JSON only: nothing here imports the Bot Framework SDK, so the adapter in
`bot.teams` is the one module that knows it. A reply with sections, fields or
buttons becomes a card; a reply of a few lines becomes a text message.

Teams refuses a message above its size limit (measured on the UTF-16 encoded
payload; 100 KB today, 40 KB in older tenants). Every card is kept under
`CARD_BUDGET` bytes: a long reply is split over a few cards ("del 1 av 3"), and
what does not fit in `MAX_PAGES` cards is left out with a "Visar X av Y" note.
"""
from __future__ import annotations

import json
import re
from dataclasses import dataclass
from typing import Any

from handlers.base import Action, Reply, Section
from handlers.i18n import _

CARD_VERSION = "1.5"
CARD_SCHEMA = "http://adaptivecards.io/schemas/adaptive-card.json"
CARD_CONTENT_TYPE = "application/vnd.microsoft.card.adaptive"
# Bytes of UTF-16 per card: well under Teams' 100 KB and under the older 40 KB limit, leaving room for the envelope.
CARD_BUDGET = 30_000
TEXT_BUDGET = 20_000
MAX_PAGES = 3
# Keys of the data an Action.Submit sends back.
COMMAND_KEY = "kansli_command"
FORM_KEY = "kansli_form"

PURPOSES = (("information", "Information"), ("diskussion", "Diskussion"), ("beslut", "Beslut"))
# The case form's inputs: (input id, label, placeholder). The ids are what the submit sends back.
CASE_FIELDS = (
    ("titel", "Titel", _("Vad ärendet gäller")),
    ("syfte", "Syfte", ""),
    ("mote", _("Möte (datum)"), _("till exempel 6 mars eller nästa")),
    ("foredragande", _("Föredragande"), _("@användarnamn, till exempel @johan.sjo")),
    ("bilaga", _("Bilaga (länk)"), "https://…"),
    ("beskrivning", _("Beskrivning"), _("Bakgrund och vad ärendet gäller")),
    ("forslag", _("Förslag till beslut"), _("När syftet är beslut: det forumet föreslås besluta")),
)
# Free texts: several lines in the form, one paragraph in the command.
LONG_FIELDS = ("beskrivning", "forslag")


@dataclass
class TeamsMessage:
    """One message to post: either text or a card (with a text summary for notifications)."""

    text: str | None = None
    card: dict[str, Any] | None = None
    summary: str = ""


def payload_size(obj: Any) -> int:
    """Size in bytes as Teams counts it: the JSON encoded as UTF-16."""
    return len(json.dumps(obj, ensure_ascii=False).encode("utf-16-le"))


def wants_card(reply: Reply) -> bool:
    return bool(reply.sections or reply.fields or reply.actions or reply.form)


def render_messages(reply: Reply) -> list[TeamsMessage]:
    """The messages that show `reply` in Teams (one, or a few when a card must be split)."""
    if reply.form == "case":
        return [TeamsMessage(card=case_form_card(reply), summary=_("Anmäl ärende"))]
    if not wants_card(reply):
        return [TeamsMessage(text=render_text(reply))]
    return [TeamsMessage(card=card, summary=_summary(reply)) for card in render_cards(reply)]


# ------------------------------------------------------------------------------------------ text


def render_text(reply: Reply) -> str:
    """A short reply as Teams text (markdown): bold title, one paragraph per line."""
    parts: list[str] = []
    if reply.title:
        parts.append(f"**{_md(reply.title)}**")
    parts += [_md(line) for line in reply.lines]
    parts += [_md(line) for line in reply.context]
    text = "\n\n".join(parts) or " "
    if payload_size(text) > TEXT_BUDGET:
        kept = []
        for i, part in enumerate(parts):
            if payload_size("\n\n".join([*kept, part])) > TEXT_BUDGET - 400:
                kept.append(_("_Visar {i} av {parts} rader; resten får inte plats i ett Teams-meddelande._",
                              i=i, parts=len(parts)))
                break
            kept.append(part)
        text = "\n\n".join(kept)
    return text


# Markdown that Teams reads in text messages and in card TextBlocks and FactSets: emphasis, links, code,
# strike-through, raw HTML and autolinks in angle brackets. A bare URL is left as it is (it shows itself,
# so it can hide nothing; escaping it would break the link), but it never holds brackets.
_MD_INLINE = re.compile(r"([\\*_\[\]`~<>])")
_BARE_URL = re.compile(r"https?://[^\s<>\[\]()*_`~\\]+")
# What turns a line into a heading, quote, list item or rule.
_MD_LINE_START = re.compile(r"^(\s*)(?:([#>+=|-])|(\d+)([.)]))", re.MULTILINE)


# A text with none of these has nothing to escape (most of a long list: names, dates, numbers).
_MD_ANY = re.compile(r"[\\*_\[\]`~<>#+=|-]|^\s*\d+[.)]", re.MULTILINE)


def md_escape(text: str) -> str:
    """The one escaping rule of this renderer, for every string of a reply (text messages and cards):
    user text shows as typed and never becomes a link, emphasis, a heading or a list. kansli's replies
    carry no markup of their own; the renderer adds the little it uses (the bold title) around escaped text."""
    text = str(text)
    if _MD_ANY.search(text) is None:
        return text
    return _escape_markdown(text)


def _escape_markdown(text: str) -> str:
    out: list[str] = []
    last = 0
    for url in _BARE_URL.finditer(text):
        out.append(_MD_INLINE.sub(r"\\\1", text[last:url.start()]))
        out.append(url.group(0))
        last = url.end()
    out.append(_MD_INLINE.sub(r"\\\1", text[last:]))
    return _MD_LINE_START.sub(_escape_line_start, "".join(out))


def _escape_line_start(m: re.Match[str]) -> str:
    if m.group(2):  # '#', '-', '>' …: the mark itself
        return f"{m.group(1)}\\{m.group(2)}"
    return f"{m.group(1)}{m.group(3)}\\{m.group(4)}"  # '1.': the punctuation after the number


def _md(text: str) -> str:
    return md_escape(text)


def _summary(reply: Reply) -> str:
    return reply.title or (reply.lines[0] if reply.lines else "kansli")


# ------------------------------------------------------------------------------------------ cards


def _text(text: str, **style: Any) -> dict[str, Any]:
    return {"type": "TextBlock", "text": md_escape(text), "wrap": True, **style}


def _facts(fields: list[tuple[str, str]]) -> dict[str, Any]:
    return {"type": "FactSet", "facts": [{"title": md_escape(k), "value": md_escape(v)} for k, v in fields]}


def submit_action(action: Action) -> dict[str, Any]:
    """A button that runs `action.command` as the user who presses it."""
    out: dict[str, Any] = {"type": "Action.Submit", "title": action.label, "data": {COMMAND_KEY: action.command}}
    style = {"primary": "positive", "danger": "destructive"}.get(action.style or "")
    if style:
        out["style"] = style
    return out


def _section(section: Section, *, max_lines: int | None = None) -> dict[str, Any]:
    items: list[dict[str, Any]] = []
    if section.heading:
        items.append(_text(section.heading, weight="Bolder"))
    lines = section.lines if max_lines is None else section.lines[:max_lines]
    items += [_text(line, spacing="Small") for line in lines]
    if max_lines is not None and len(section.lines) > max_lines:
        items.append(_text(f"Visar {max_lines} av {len(section.lines)} rader.", isSubtle=True, size="Small"))
    if section.fields:
        items.append(_facts(section.fields))
    if section.actions:
        items.append({"type": "ActionSet", "actions": [submit_action(a) for a in section.actions]})
    if not items:
        items.append(_text(" "))
    return {"type": "Container", "separator": True, "spacing": "Medium", "items": items}


def _card(body: list[dict[str, Any]], actions: list[dict[str, Any]] | None = None,
          fallback: str = "") -> dict[str, Any]:
    card: dict[str, Any] = {
        "type": "AdaptiveCard",
        "$schema": CARD_SCHEMA,
        "version": CARD_VERSION,
        "body": body or [_text(" ")],
    }
    if actions:
        card["actions"] = actions
    if fallback:
        card["fallbackText"] = fallback[:200]
    return card


def _fit_section(section: Section, room: int) -> tuple[dict[str, Any], int]:
    """The section as a container, its lines cut until it takes at most `room` bytes; and its size."""
    block = _section(section)
    size = payload_size(block)
    if size <= room:
        return block, size
    low, high = 0, len(section.lines)
    while low < high:  # the most lines that still fit
        mid = (low + high + 1) // 2
        if payload_size(_section(section, max_lines=mid)) <= room:
            low = mid
        else:
            high = mid - 1
    block = _section(section, max_lines=low)
    if payload_size(block) > room:  # a huge heading or huge fields: keep only the heading, shortened
        block = _section(Section(heading=(section.heading or "")[:500], lines=[
            _("Avsnittet är för långt för ett Teams-meddelande.")]))
    return block, payload_size(block)


def render_cards(reply: Reply) -> list[dict[str, Any]]:
    """The reply as one or more Adaptive Cards, each under CARD_BUDGET bytes."""
    head: list[dict[str, Any]] = []
    title_style = {"weight": "Bolder", "size": "Medium"}
    if not reply.ok:
        title_style["color"] = "Attention"
    if reply.title:
        head.append(_text(reply.title, **title_style))
    head += [_text(line, spacing="Small") for line in reply.lines]
    if reply.fields:
        head.append(_facts(reply.fields))
    tail = [_text(line, isSubtle=True, size="Small", spacing="Medium") for line in reply.context]
    actions = [submit_action(a) for a in reply.actions]
    fallback = _summary(reply)

    reserve = 1_500  # room for the "del 1 av 2" and "visar X av Y" notes
    fixed = payload_size(_card(head + tail, actions, fallback)) + reserve
    if fixed > CARD_BUDGET:  # the lines above the sections alone are too long: cut them
        head = head[:1] + [_text(_("Texten är för lång för ett Teams-meddelande; bara rubriken visas."))]
        fixed = payload_size(_card(head + tail, actions, fallback)) + reserve
    room = CARD_BUDGET - fixed

    pages: list[list[dict[str, Any]]] = [[]]
    used = 0
    shown = 0
    total = len(reply.sections)
    for section in reply.sections:
        block, size = _fit_section(section, room)
        size += 2
        if used + size > room and pages[-1]:
            if len(pages) == MAX_PAGES:
                break
            pages.append([])
            used = 0
        pages[-1].append(block)
        used += size
        shown += 1

    cards = []
    count = len(pages)
    for i, blocks in enumerate(pages):
        body = list(head) if i == 0 else [_text(f"{reply.title or 'kansli'} (forts.)", **title_style)]
        body += blocks
        if count > 1:
            body.append(_text(f"Del {i + 1} av {count}.", isSubtle=True, size="Small", spacing="Medium"))
        last = i == count - 1
        if last and shown < total:
            body.append(_text(
                _("Visar {shown} av {total} avsnitt. Resten får inte plats i Teams; begränsa "
                  "urvalet, till exempel med ett datum, en status eller ett forum.",
                  shown=shown, total=total),
                isSubtle=True, size="Small", spacing="Medium"))
        if last:
            body += tail
        cards.append(_card(body, actions if last else None, fallback))
    return cards


# ------------------------------------------------------------------------------------------ forms


def case_form_card(reply: Reply | None = None) -> dict[str, Any]:
    """The form behind `anmäl ärende` without text: the same fields as the command's options."""
    values = _form_values(reply.form_values if reply else {})
    body: list[dict[str, Any]] = [
        _text(reply.title if reply and reply.title else _("Anmäl ärende"), weight="Bolder", size="Medium"),
    ]
    if reply is not None:
        body += [_text(line, spacing="Small") for line in reply.lines]
    for key, label, placeholder in CASE_FIELDS:
        if key == "syfte":
            body.append({
                "type": "Input.ChoiceSet",
                "id": key,
                "label": label,
                "style": "compact",
                "value": values.get(key) or "information",
                "choices": [{"title": title, "value": value} for value, title in PURPOSES],
            })
            continue
        field: dict[str, Any] = {"type": "Input.Text", "id": key, "label": label}
        if placeholder:
            field["placeholder"] = placeholder
        if values.get(key):
            field["value"] = values[key]
        if key in LONG_FIELDS:
            field["isMultiline"] = True
        if key == "titel":
            field["isRequired"] = True
            field["errorMessage"] = _("Skriv en titel på ärendet.")
        body.append(field)
    actions = [{"type": "Action.Submit", "title": _("Anmäl ärendet"), "style": "positive", "data": {FORM_KEY: "case"}}]
    return _card(body, actions, _("Anmäl ärende"))


def _form_values(raw: dict[str, str]) -> dict[str, str]:
    """Accept the form values under their Swedish names with or without å/ä/ö."""
    from handlers.registry import normalise

    aliases = {"titel": "titel", "title": "titel", "syfte": "syfte", "purpose": "syfte", "mote": "mote",
               "meeting": "mote", "foredragande": "foredragande", "presenter": "foredragande",
               "bilaga": "bilaga", "attachment": "bilaga", "beskrivning": "beskrivning", "description": "beskrivning",
               "forslag": "forslag", "proposal": "forslag"}
    out = {}
    for k, v in (raw or {}).items():
        key = aliases.get(normalise(str(k)))
        if key and v:
            out[key] = str(v)
    return out


def case_command(values: dict[str, Any]) -> str:
    """A submitted case form → the command text, exactly as a member would type it."""
    v = {k: " ".join(str(values.get(k) or "").replace(";", ",").split()) for k, __, __ in CASE_FIELDS}
    # Without a title the options still follow the command words ("anmäl ärende ; syfte: …").
    parts = [_("anmäl ärende {value}", value=v['titel']) if v["titel"] else _("anmäl ärende ")]
    if v["syfte"]:
        parts.append(f"syfte: {v['syfte']}")
    if v["mote"]:
        parts.append(_("möte: {value}", value=v['mote']))
    if v["foredragande"]:
        who = v["foredragande"]
        # a handle gets its '@'; a name ("Johan Sjö") is looked up as written
        parts.append(_("föredragande: {value}", value=who if who.startswith('@') or ' ' in who else '@' + who))
    if v["bilaga"]:
        parts.append(f"bilaga: {v['bilaga']}")
    if v["beskrivning"]:
        parts.append(f"beskrivning: {v['beskrivning']}")
    if v["forslag"]:
        parts.append(f"förslag: {v['forslag']}")
    return "; ".join(parts).strip()


def submitted_command(data: Any) -> str | None:
    """The command a card submit stands for: a button's command or a filled-in form; None if neither."""
    if not isinstance(data, dict):
        return None
    command = data.get(COMMAND_KEY)
    if isinstance(command, str) and command.strip():
        return command.strip()
    if data.get(FORM_KEY) == "case":
        return case_command(data)
    return None
