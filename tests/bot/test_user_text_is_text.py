"""User text is text: each renderer escapes every user-supplied string for its own markup.

A member who names a case `[Logga in här](https://evil.example/login)` or `<!channel>` sees exactly that
text wherever it is shown; it never becomes a live link, an @channel or a disguised link label.
"""
from __future__ import annotations

import asyncio
import re
from typing import Any

from sqlalchemy import select

from bot.render.slack import fallback_text, render_pages
from bot.render.teams import render_messages
from handlers.base import Reply
from storage.models import Outbox
from tests.bot.slack_standin import SLACK_IDS, give_slack_ids, slack_app
from tests.conftest import Chat

PHISH = "[Logga in här](https://evil.example/login)"
SLACK_TRAPS = "<!channel> <@U0MARIA> <https://evil.example|Kallelse>"
TITLE = f"{PHISH} {SLACK_TRAPS} **viktigt**"
# Markdown a Teams client would turn into a link, emphasis or HTML.
LIVE_MARKDOWN = re.compile(r"(?<!\\)\[[^\]]*(?<!\\)\]\(|(?<!\\)\*\*|(?<!\\)<[!@a-z]")


def card_texts(node: Any) -> list[str]:
    out: list[str] = []
    if isinstance(node, dict):
        for key in ("text", "value", "title"):
            if isinstance(node.get(key), str) and node.get("type") != "Action.Submit":
                out.append(node[key])
        for v in node.values():
            out += card_texts(v)
    elif isinstance(node, list):
        for v in node:
            out += card_texts(v)
    return out


def mrkdwn_texts(node: Any) -> list[str]:
    """The Block Kit texts Slack reads as mrkdwn (plain_text, as in headers and buttons, is never parsed)."""
    out: list[str] = []
    if isinstance(node, dict):
        if node.get("type") == "mrkdwn":
            out.append(node["text"])
        for v in node.values():
            out += mrkdwn_texts(v)
    elif isinstance(node, list):
        for v in node:
            out += mrkdwn_texts(v)
    return out


def published_agenda(chat: Chat) -> Reply:
    """The agenda kansli posts to the forum channel, with a member's case on it."""
    raised = chat("per.ek", f"/anmäl ärende {TITLE}; syfte: beslut; forum: lchnv")
    assert raised.ok, raised.reply
    number = re.search(r"Ärende (\d{4}:\d+)", raised.reply).group(1)  # type: ignore[union-attr]
    assert chat("maria.lind", f"/beredning {number} dagordning 6 mars").ok
    assert chat("maria.lind", "/publicera dagordning 6 mars").ok
    with chat.maker() as s:
        row = s.scalars(select(Outbox).where(Outbox.kind == "agenda", Outbox.forum_id.is_not(None))).one()
        return Reply.from_dict(row.payload)


def test_a_case_title_is_no_live_markdown_in_the_teams_agenda_card(chat) -> None:
    agenda = published_agenda(chat)
    [message] = render_messages(agenda)
    texts = card_texts(message.card)
    shown = [t for t in texts if "Logga in här" in t]
    assert shown, texts
    for text in texts:
        assert not LIVE_MARKDOWN.search(text), text
    assert any("\\[Logga in här\\](https://evil.example/login)" in t for t in shown)
    # kansli's own words stay readable: the agenda items keep their numbers.
    assert any(t.startswith("5\\. ") for t in texts)


def test_a_short_teams_text_message_escapes_user_text_too() -> None:
    [message] = render_messages(Reply(title="Ärende 2020:8 anmält", lines=[f"Titel: {TITLE}", "# rubrik", "- lista"]))
    assert message.text is not None and message.card is None
    assert message.text.startswith("**Ärende 2020:8 anmält**")  # kansli's bold title stays bold
    body = message.text.split("\n\n", 1)[1]
    assert not LIVE_MARKDOWN.search(body)
    assert "\\# rubrik" in body and "\\- lista" in body


def test_slack_blocks_and_fallback_text_never_carry_a_members_mention_or_link(chat) -> None:
    agenda = published_agenda(chat)
    raw = ("<!channel>", "<@U0MARIA>", "<https://evil.example|")
    for reply in (agenda, Reply(title=TITLE), Reply(lines=[TITLE])):
        text = fallback_text(reply)
        blocks = "\n".join(mrkdwn_texts(render_pages(reply)))
        for trap in raw:
            assert trap not in text and trap not in blocks
    assert "&lt;!channel&gt;" in fallback_text(Reply(lines=[TITLE]))


def test_slack_fallback_text_of_a_command_answer_is_escaped(network, engine) -> None:
    give_slack_ids(network)

    async def go() -> str:
        async with slack_app(network, engine) as h:
            await h.slash("/anmal", f"ärende {SLACK_TRAPS}; forum: lchnv", user=SLACK_IDS["per.ek"])
            [answer] = await h.standin.wait_for(lambda: h.standin.of("response_url"))
            return answer.args["text"]

    text = asyncio.run(go())
    assert "<!channel>" not in text and "<https://evil.example|" not in text and "<@U0MARIA>" not in text
    assert "&lt;@U0MARIA&gt;" in text  # (Slack's own <!channel> was already read as the text "@channel")
