"""The guides' screenshots, taken by headless Chromium from the demo network of `make run`.

Each test checks what a reader sees on the page and keeps a screenshot in tests/artifacts/. With
KANSLI_DOCS_IMAGES=1 the screenshots are also written to docs/img/ (small palette PNGs), so the pictures in the
guides are regenerated, not drawn:

    KANSLI_DOCS_IMAGES=1 .venv/bin/python -m pytest tests/bot/test_docs_screenshots.py -q
"""
from __future__ import annotations

import html
import os
import re
from pathlib import Path
from typing import Any, Iterator

import pytest

from tests.bot.test_pages_browser import ARGS, ARTIFACTS, Served, chromium_or_skip
from tests.bot.test_web import pages_app, services_for
from tests.conftest import ROOT, Chat, at

DOCS_IMG = ROOT / "docs" / "img"
TODAY = "2026-11-30T09:00"
WIDTH = 820


@pytest.fixture
def demo_pages(db, engine, backend) -> Iterator[tuple[Served, Any]]:  # type: ignore[no-untyped-def]
    if backend != "sqlite":
        pytest.skip("the screenshots are taken once, from the SQLite demo")
    from bot.cli import EXAMPLE_NETWORK, import_network
    from bot.demo import seed_demo

    services = services_for(db, engine, now=at(TODAY))
    import_network(services, str(EXAMPLE_NETWORK))
    seed_demo(services)
    with Served(pages_app(services)) as served:
        yield served, db


def keep(png: bytes, name: str) -> Path:
    """Save the screenshot as an artifact and, when asked, as a small palette PNG for the guides."""
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    artifact = ARTIFACTS / name
    artifact.write_bytes(png)
    if os.environ.get("KANSLI_DOCS_IMAGES") == "1":
        from PIL import Image

        DOCS_IMG.mkdir(parents=True, exist_ok=True)
        with Image.open(artifact) as img:
            img.convert("RGB").quantize(colors=64).save(DOCS_IMG / name, optimize=True)
    return artifact


def shoot(url_or_html: str, *, height: int, check: list[str], start_at: str | None = None) -> bytes:
    """A screenshot `height` pixels high; from the heading that holds `start_at` when given, else the top."""
    executable = chromium_or_skip()
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=executable, args=ARGS)
        try:
            page = browser.new_page(viewport={"width": WIDTH, "height": height}, java_script_enabled=False)
            if url_or_html.startswith("http"):
                response = page.goto(url_or_html)
                assert response is not None and response.status == 200
            else:
                page.set_content(url_or_html)
            text = page.locator("body").inner_text()
            for fact in check:
                assert fact in text, f"{fact!r} is not on the page"
            if start_at is None:
                return page.screenshot()
            box = page.locator("h2, h3", has_text=start_at).first.bounding_box()
            assert box is not None, start_at
            top = max(0, int(box["y"]) - 16)
            return page.screenshot(full_page=True, clip={"x": 0, "y": top, "width": WIDTH, "height": height})
        finally:
            browser.close()


def test_the_seed_003_meeting_page_shows_the_late_items_with_proposals_and_attachments(demo_pages) -> None:  # type: ignore[no-untyped-def]
    served, _ = demo_pages
    png = shoot(f"http://127.0.0.1:{served.port}/forum/lchnv/mote/2020-03-06", height=1400, check=[
        "Version 2, publicerad måndag 2 mars 2020", "5. Rapporter från representanter i nationella nätverk",
        "Tillkommande ärenden", "12. Beslut om justerat uppdragsdirektiv", "13. Beslut om sammansättning",
        "14. Utvärdering av avtal avseende tillnyktringsplatser", "Styrgruppen föreslår", "Bilaga 15",
        "Bilaga 18a–18f", "Föredragande: Johan Sjö",
    ], start_at="9. Lägesrapport")
    keep(png, "mote-2020-03-06.png")


def test_the_seed_002_meeting_page_shows_sub_items_decisions_and_sent_minutes(demo_pages) -> None:  # type: ignore[no-untyped-def]
    served, _ = demo_pages
    url = f"http://127.0.0.1:{served.port}/forum/lchnv/mote/2020-09-25"
    png = shoot(url, height=1400, check=[
        "4.1 Referensbrev", "10.1 Överenskommelse om samverkan kring barn och ungas hälsa", "10.2 Vecka 41",
        "10.3 Styrgrupp God och nära vård", "10.4 LAG samsjuklighet", "Minnesanteckningar",
        "att utse Karin Berg till ordförande", "att godkänna dagordningen.", "30 juni 2021", "SHA-256",
        "Inga rapporter lämnades.",
    ], start_at="9. Beslut om förlängd")
    keep(png, "mote-2020-09-25.png")


# ---------------------------------------------------------------------------- Slack App Home


def _mrkdwn(text: str) -> str:
    out = html.escape(text)
    out = re.sub(r"\*([^*\n]+)\*", r"<b>\1</b>", out)
    out = re.sub(r"_([^_\n]+)_", r"<i>\1</i>", out)
    return out.replace("\n", "<br>")


def home_tab_html(blocks: list[dict[str, Any]]) -> str:
    """The App Home blocks laid out as Slack lays out these block types (header, section, actions, context,
    divider), so the picture shows exactly the text and buttons kansli publishes."""
    parts = []
    for block in blocks:
        kind = block["type"]
        if kind == "header":
            parts.append(f"<h2>{html.escape(block['text']['text'])}</h2>")
        elif kind == "section":
            body = _mrkdwn(block["text"]["text"]) if "text" in block else ""
            fields = "".join(f"<div>{_mrkdwn(f['text'])}</div>" for f in block.get("fields", []))
            accessory = block.get("accessory") or {}
            button = (f"<span class='button aside'>{html.escape(accessory['text']['text'])}</span>"
                      if accessory.get("type") == "button" else "")
            parts.append(f"<div class=section>{button}{body}{fields}</div>")
        elif kind == "actions":
            buttons = "".join(f"<span class=button>{html.escape(e['text']['text'])}</span>" for e in block["elements"])
            parts.append(f"<div class=actions>{buttons}</div>")
        elif kind == "context":
            parts.append("<div class=context>" + " ".join(_mrkdwn(e.get("text", "")) for e in block["elements"])
                         + "</div>")
        elif kind == "divider":
            parts.append("<hr>")
    return (
        "<!doctype html><html lang=sv><meta charset=utf-8><style>"
        "body{font-family:'DejaVu Sans',Arial,sans-serif;font-size:15px;color:#1d1c1d;margin:0;background:#fff}"
        ".bar{background:#3f0e40;color:#fff;padding:10px 20px;font-weight:700}"
        ".tabs{border-bottom:1px solid #ddd;padding:8px 20px;color:#616061}.tabs b{color:#1d1c1d;"
        "border-bottom:2px solid #1264a3;padding-bottom:6px}"
        "main{padding:8px 20px}h2{font-size:20px;margin:12px 0}.section{margin:10px 0;line-height:1.45}"
        ".actions{margin:6px 0 12px}.button{display:inline-block;border:1px solid #bbb;border-radius:4px;"
        "padding:4px 12px;margin-right:8px;font-weight:700;font-size:13px}.aside{float:right}.context{color:#616061;font-size:12px}"
        "hr{border:0;border-top:1px solid #ddd}</style>"
        "<div class=bar>kansli</div><div class=tabs><b>Hem</b> &nbsp; Meddelanden &nbsp; Om</div>"
        f"<main>{''.join(parts)}</main></html>"
    )


def test_the_slack_app_home_shows_a_members_next_meetings_with_buttons(demo_pages) -> None:  # type: ignore[no-untyped-def]
    from bot.render.slack import VIEW_BLOCKS, render_blocks
    from bot.slack.app import HOME_COMMAND

    _, maker = demo_pages
    chat = Chat(maker)
    chat("eva.strand", "/anmäl frånvaro nästa möte punkt 5: tandläkare", now=TODAY)
    said = chat("eva.strand", f"/{HOME_COMMAND}", now=TODAY)
    blocks = render_blocks(said.outcome.reply, limit=VIEW_BLOCKS)  # type: ignore[attr-defined]
    png = shoot(home_tab_html(blocks), height=900, check=[
        "Översikt för Eva Strand", "fredag 8 januari 2027", "Anmäl frånvaro", "Dagordning", "punkt 5",
    ])
    keep(png, "slack-app-home.png")


# ---------------------------------------------------------------------------- Teams agenda card


def _card_element(el: dict[str, Any]) -> str:
    kind = el.get("type")
    if kind == "TextBlock":
        classes = " ".join(c for c, on in (("bold", el.get("weight") == "Bolder"), ("title", el.get("size") == "Medium"),
                                           ("subtle", el.get("isSubtle"))) if on)
        return f"<p class='{classes}'>{_mrkdwn(el['text']).replace(chr(92), '')}</p>"
    if kind == "FactSet":
        rows = "".join(f"<tr><th>{html.escape(f['title'])}</th><td>{html.escape(f['value'])}</td></tr>"
                       for f in el["facts"])
        return f"<table>{rows}</table>"
    if kind == "Container":
        sep = " sep" if el.get("separator") else ""
        return f"<div class='container{sep}'>" + "".join(_card_element(i) for i in el["items"]) + "</div>"
    if kind == "ActionSet":
        return _card_actions(el["actions"])
    return ""


def _card_actions(actions: list[dict[str, Any]]) -> str:
    return "<div class=actions>" + "".join(f"<span class=button>{html.escape(a['title'])}</span>"
                                           for a in actions) + "</div>"


def adaptive_card_html(card: dict[str, Any]) -> str:
    """The Adaptive Card laid out as Teams lays out the elements kansli uses (TextBlock, FactSet, Container,
    ActionSet), inside a chat bubble, so the picture shows exactly the card kansli posts."""
    body = "".join(_card_element(el) for el in card["body"]) + _card_actions(card.get("actions", []))
    return (
        "<!doctype html><html lang=sv><meta charset=utf-8><style>"
        "body{font-family:'DejaVu Sans','Segoe UI',Arial,sans-serif;font-size:14px;color:#242424;margin:0;"
        "background:#f5f5f5}.bar{background:#464775;color:#fff;padding:10px 20px;font-weight:700}"
        ".who{margin:14px 24px 4px;color:#616161;font-size:12px}"
        ".card{background:#fff;margin:0 24px 20px;padding:14px 16px;border-radius:6px;max-width:700px;"
        "box-shadow:0 1px 2px rgba(0,0,0,.15)}p{margin:4px 0;line-height:1.4}.bold{font-weight:700}"
        ".title{font-size:17px}.subtle{color:#616161;font-size:12px}.container.sep{border-top:1px solid #e0e0e0;"
        "margin-top:10px;padding-top:8px}table{border-collapse:collapse;margin:6px 0}th{text-align:left;"
        "padding:1px 14px 1px 0;font-weight:700;vertical-align:top}td{padding:1px 0}"
        ".actions{margin-top:10px}.button{display:inline-block;border:1px solid #c7c7c7;border-radius:4px;"
        "padding:5px 12px;margin-right:8px;font-weight:600;font-size:13px}</style>"
        "<div class=bar>LCHNV · Allmänt</div><div class=who>kansli</div>"
        f"<div class=card>{body}</div></html>"
    )


def test_the_teams_agenda_card_shows_the_seed_002_agenda(demo_pages) -> None:  # type: ignore[no-untyped-def]
    from bot.render.teams import render_cards

    _, maker = demo_pages
    said = Chat(maker)("eva.strand", "/dagordning 25 september 2020", now=TODAY)
    assert said.ok
    card = render_cards(said.outcome.reply)[0]  # type: ignore[attr-defined]
    png = shoot(adaptive_card_html(card), height=1100, check=[
        "Dagordning", "fredag 25 september 2020", "4.1 Referensbrev", "6. Beslut om ny ordförande",
    ])
    keep(png, "teams-dagordning.png")
