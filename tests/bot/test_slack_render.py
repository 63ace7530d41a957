"""Reply → Block Kit: what Slack would show, and that Slack would accept it (slack_sdk's validators)."""
from __future__ import annotations

from typing import Any

from slack_sdk.models.blocks import Block
from slack_sdk.models.views import View

from bot.render.slack import (
    ACTION_PREFIX,
    MESSAGE_BLOCKS,
    VIEW_BLOCKS,
    fallback_text,
    render_blocks,
    render_pages,
)
from handlers.base import Action, Reply, Section


def _valid(blocks: list[dict[str, Any]], limit: int = MESSAGE_BLOCKS) -> None:
    assert 0 < len(blocks) <= limit
    for raw in blocks:
        block = Block.parse(raw)
        assert block is not None, raw
        block.validate_json()


def _texts(blocks: list[dict[str, Any]]) -> str:
    out: list[str] = []

    def walk(node: Any) -> None:
        if isinstance(node, dict):
            for k, v in node.items():
                if k == "text" and isinstance(v, str):
                    out.append(v)
                else:
                    walk(v)
        elif isinstance(node, list):
            for x in node:
                walk(x)

    walk(blocks)
    return "\n".join(out)


def test_a_reply_becomes_header_sections_fields_buttons_and_context() -> None:
    reply = Reply(
        title="Dagordning – LCHNV",
        lines=["fredag 6 mars 2020, kl. 9.30–14.00, Myntgatan 2, Falun"],
        sections=[
            Section(heading="5. Gemensam vägledning (2020:7)", lines=["Förslag till beslut: att anta vägledningen"],
                    fields=[("Syfte", "Beslut"), ("Föredragande", "Johan Sjö (Region Dalarna)")],
                    actions=[Action("Anmäl frånvaro", "anmäl frånvaro 2020-03-06", "primary")]),
        ],
        context=["Publicerad fredag 28 februari 2020."],
        actions=[Action("Åter för beredning", "beredning 2020:7 åter", "danger")],
    )
    [blocks] = render_pages(reply)
    _valid(blocks)
    # The section's one button sits beside its heading; the reply's own buttons in an actions block.
    assert [b["type"] for b in blocks] == ["header", "section", "section", "actions", "context"]
    assert blocks[0]["text"]["text"] == "Dagordning – LCHNV"
    assert blocks[2]["text"]["text"].startswith("*5. Gemensam vägledning (2020:7)*\nFörslag till beslut")
    assert blocks[2]["fields"][1]["text"] == "*Föredragande*\nJohan Sjö (Region Dalarna)"
    assert blocks[2]["accessory"]["text"]["text"] == "Anmäl frånvaro"
    buttons = [e for b in blocks for e in (b["elements"] if b["type"] == "actions" else [b.get("accessory")]) if e]
    assert [(e["text"]["text"], e["value"], e.get("style")) for e in buttons] == [
        ("Anmäl frånvaro", "anmäl frånvaro 2020-03-06", "primary"),
        ("Åter för beredning", "beredning 2020:7 åter", "danger"),
    ]
    assert len({e["action_id"] for e in buttons}) == 2
    assert all(e["action_id"].startswith(ACTION_PREFIX) for e in buttons)
    assert blocks[-1]["elements"][0]["text"] == "Publicerad fredag 28 februari 2020."


def test_a_long_list_is_split_into_pages_that_each_fit_a_message() -> None:
    sections = [
        Section(heading=f"Ärende 2020:{n}", lines=[f"Rad för ärende {n}"], fields=[("Status", "aktualiserat")],
                actions=[Action("Visa", f"ärende 2020:{n}")])
        for n in range(1, 121)
    ]
    reply = Reply(title="Ärendelista", sections=sections, context=["120 ärenden."])
    pages = render_pages(reply)
    assert len(pages) > 1
    for n, page in enumerate(pages, start=1):
        _valid(page)
        assert page[-1]["type"] == "context"
        assert page[-1]["elements"][0]["text"] == f"sida {n} av {len(pages)}"
        # a case's button sits in its own section block, so the two are never torn apart
        for block in page:
            if block["type"] == "section":
                assert block["accessory"]["value"].startswith("ärende 2020:")
    text = _texts([b for p in pages for b in p])
    positions = [text.index(f"*Ärende 2020:{n}*") for n in range(1, 121)]
    assert positions == sorted(positions)  # every case, in order
    assert "120 ärenden." in text
    assert pages[0][0]["type"] == "header"


def test_overlong_texts_are_cut_or_split_to_slacks_limits() -> None:
    reply = Reply(
        title="T" * 400,
        lines=[f"rad {i} " + "x" * 200 for i in range(40)] + ["y" * 5000],
        fields=[(f"Fält {i}", "v" * 2500) for i in range(23)],
        context=[f"c{i}" for i in range(25)],
    )
    [blocks] = render_pages(reply)
    _valid(blocks)
    assert len(blocks[0]["text"]["text"]) <= 150
    sections = [b for b in blocks if b["type"] == "section"]
    assert all(len(b.get("text", {}).get("text", "")) <= 3000 for b in sections)
    assert sum(len(b.get("fields", [])) for b in sections) == 23
    assert all(len(f["text"]) <= 2000 for b in sections for f in b.get("fields", []))
    assert "rad 39 " in _texts(blocks)  # split, not dropped


def test_user_text_cannot_become_a_mention_or_a_link() -> None:
    [blocks] = render_pages(Reply(lines=["<!channel> <@U123> & <https://evil|klicka>"]))
    assert blocks[0]["text"]["text"] == "&lt;!channel&gt; &lt;@U123&gt; &amp; &lt;https://evil|klicka&gt;"


def test_home_tab_and_modals_hold_one_page_of_at_most_a_hundred_blocks() -> None:
    sections = [Section(heading=f"Möte {n}", actions=[Action("Anmäl frånvaro", f"anmäl frånvaro {n}")])
                for n in range(150)]
    blocks = render_blocks(Reply(title="Översikt", sections=sections))
    assert len(blocks) == VIEW_BLOCKS
    View(type="home", blocks=blocks).validate_json()
    assert "får plats" in blocks[-1]["elements"][0]["text"]


def test_an_empty_reply_still_renders_and_the_fallback_text_says_what_it_is() -> None:
    [blocks] = render_pages(Reply())
    _valid(blocks)
    assert fallback_text(Reply(title="Kommande möten", lines=["två möten"])) == "Kommande möten – två möten"
    assert fallback_text(Reply(sections=[Section(heading="Rubrik")])) == "Rubrik"


def test_a_list_beyond_five_messages_is_cut_with_a_note_when_asked() -> None:
    reply = Reply(sections=[Section(heading=f"Rad {n}") for n in range(400)])
    assert len(render_pages(reply)) == 9
    pages = render_pages(reply, max_pages=5)
    assert len(pages) == 5
    last = pages[-1][-1]["elements"][0]["text"]
    assert last.startswith("sida 5 av 9. Resten får inte plats")


def _read_back(blocks: list[dict[str, Any]]) -> None:
    """Each block as slack_sdk's models read it: to_dict() runs every validator of the block and of what is
    in it (a text over its limit, too many fields or buttons raise) and must give back the very same dict."""
    for raw in blocks:
        block = Block.parse(raw)
        assert block is not None, raw
        assert block.to_dict() == raw


def test_every_kind_of_reply_is_what_slack_sdk_would_build_and_within_slacks_limits() -> None:
    # kansli builds Block Kit as dicts (bot.render.slack), not through slack_sdk's models, which were slow on
    # long lists: whatever the reply, slack_sdk must read each block back unchanged and refuse none of them.
    from hypothesis import given, settings
    from hypothesis import strategies as st

    short = st.text(alphabet=st.characters(blacklist_categories=("Cs",)), max_size=400)
    # Now and then a text over one of Slack's limits (a header 150, a field 2,000, a section 3,000).
    long = st.builds(lambda c, n: c * n, st.sampled_from(["x", "å", "<&>", "ab\n"]), st.integers(140, 3200))
    text = short | long
    actions = st.lists(st.builds(Action, label=text.filter(bool), command=text,
                                 style=st.sampled_from([None, "primary", "danger", "other"])), max_size=30)
    sections = st.lists(st.builds(Section, heading=st.none() | text, lines=st.lists(text, max_size=4),
                                  fields=st.lists(st.tuples(text, text), max_size=12), actions=actions),
                        max_size=8)
    replies = st.builds(Reply, title=st.none() | text, lines=st.lists(text, max_size=4),
                        fields=st.lists(st.tuples(text, text), max_size=24), sections=sections,
                        actions=actions, context=st.lists(text, max_size=24))

    @settings(max_examples=150, deadline=None)
    @given(replies)
    def same(reply: Reply) -> None:
        for page in render_pages(reply):
            assert 0 < len(page) <= MESSAGE_BLOCKS
            _read_back(page)
        view = render_blocks(reply, limit=VIEW_BLOCKS)
        assert 0 < len(view) <= VIEW_BLOCKS
        _read_back(view)

    same()


def test_slacks_own_models_still_refuse_what_slack_would_refuse() -> None:
    # The read-back above is only a check if slack_sdk's validators run (kansli patches nothing in it).
    import pytest
    from slack_sdk.errors import SlackObjectFormationError
    from slack_sdk.models import basic_objects

    assert basic_objects.JsonObject.validate_json.__module__ == "slack_sdk.models.basic_objects"
    with pytest.raises(SlackObjectFormationError):
        _read_back([{"text": {"text": "x" * 151, "type": "plain_text"}, "type": "header"}])
    with pytest.raises(SlackObjectFormationError):
        _read_back([{"text": {"text": "x" * 3001, "type": "mrkdwn"}, "type": "section"}])
    with pytest.raises(SlackObjectFormationError):
        _read_back([{"fields": [{"text": "f", "type": "mrkdwn"}] * 11, "type": "section"}])
    with pytest.raises(SlackObjectFormationError):
        _read_back([{"elements": [{"action_id": "a", "text": {"text": "x" * 76, "type": "plain_text"},
                                   "type": "button", "value": "v"}], "type": "actions"}])
