"""Slack message text → the command text the dispatcher reads, as typed in the terminal chat.

Slack wraps mentions, channels and links in angle brackets (`<@U123|maria>`,
`<#C1|lchnv>`, `<https://…|…>`) and escapes `&`, `<` and `>`. People are named
by `@handle` in commands, so a mention of someone kansli knows becomes their
handle; a mention of someone it does not know is left as Slack wrote it, and
the handler then says it cannot find that person.
"""
from __future__ import annotations

import re
from typing import Mapping

from handlers.base import CHANNEL, GROUP, PERSONAL
from handlers.registry import normalise

USER_MENTION = re.compile(r"<@([UW][A-Z0-9]+)(?:\|[^>]*)?>")
CHANNEL_MENTION = re.compile(r"<#([CG][A-Z0-9]+)(?:\|([^>]*))?>")
LINK = re.compile(r"<((?:https?|mailto|tel):[^>|]+)(?:\|([^>]*))?>")
SPECIAL = re.compile(r"<!([^>|]+)(?:\|([^>]*))?>")
LEADING_MENTION = r"^\s*<@{bot}(?:\|[^>]*)?>[\s:,]*"

# Slash commands the app registers (ASCII: Slack promises nothing for other names) …
SLASH_COMMANDS = (
    "/anmal",
    "/dagordning",
    "/uppdrag",
    "/arenden",
    "/arende",
    "/moten",
    "/beredning",
    "/publicera",
    "/beslut",
    "/aterkoppling",
    "/kansli",
    "/franvaro",
    "/hjalp",
    "/oversikt",
    "/minnesanteckningar",
    "/punkt",
    "/mote",
    "/ledamot",
    "/ledamoter",
    "/roll",
    "/organisation",
    "/aviseringar",
)
# … and the Swedish spellings, accepted when a workspace delivers them.
SLASH_ALIASES = ("/anmäl", "/ärenden", "/ärende", "/möten", "/återkoppling", "/frånvaro", "/hjälp", "/översikt",
                 "/möte", "/ledamöter")
# `/kansli TEXT` runs TEXT as it is: `/kansli möten` is `/möten`.
UMBRELLA = "kansli"


def slash_to_text(command: str, text: str) -> str:
    """'/anmal' + 'frånvaro 17 december' → 'anmal frånvaro 17 december'; '/kansli möten' → 'möten'."""
    name = command.strip().lstrip("/").strip()
    text = (text or "").strip()
    if normalise(name) == UMBRELLA:
        return text
    return f"{name} {text}".strip()


def conversation_kind(channel: str | None, *, name: str | None = None, channel_type: str | None = None) -> str:
    """PERSONAL, GROUP or CHANNEL for a Slack conversation.

    `channel_type` is the Events API's (im, mpim, channel, group); `name` a slash command's or an action's
    channel name ("directmessage", "mpdm-…", "privategroup", a channel's name). Without a channel (the App
    Home tab) the conversation is the person's own. Anything not known to be a DM counts as a channel.
    """
    if channel_type == "im" or (channel_type is None and (not channel or str(channel).startswith("D"))):
        return PERSONAL
    if channel_type == "mpim" or (name or "").startswith("mpdm-"):
        return GROUP
    return CHANNEL


def mentioned_users(text: str) -> set[str]:
    return set(USER_MENTION.findall(text or ""))


def strip_bot_mention(text: str, bot_user_id: str | None) -> str:
    """Drop the leading `<@BOT>` of an @mention (and a ':' or ',' after it)."""
    if not text:
        return ""
    bot = re.escape(bot_user_id) if bot_user_id else r"[UW][A-Z0-9]+"
    return re.sub(LEADING_MENTION.format(bot=bot), "", text, count=1)


def to_command_text(text: str, handles: Mapping[str, str]) -> str:
    """Slack's markup → plain command text; known user mentions become '@handle'."""

    def user(m: re.Match[str]) -> str:
        handle = handles.get(m.group(1))
        return f"@{handle}" if handle else m.group(0)

    def channel(m: re.Match[str]) -> str:
        return f"#{m.group(2)}" if m.group(2) else m.group(0)

    def link(m: re.Match[str]) -> str:
        target, label = m.group(1), m.group(2)
        if target.startswith(("mailto:", "tel:")):
            return label or target.split(":", 1)[1]
        return target

    def special(m: re.Match[str]) -> str:
        return m.group(2) or f"@{m.group(1).split('^')[0]}"

    out = USER_MENTION.sub(user, text or "")
    out = CHANNEL_MENTION.sub(channel, out)
    out = LINK.sub(link, out)
    out = SPECIAL.sub(special, out)
    out = out.replace("&lt;", "<").replace("&gt;", ">").replace("&amp;", "&").replace("\u00a0", " ")
    return out.strip()
