"""Terminology decided once (issue 23, docs/ordlista.md): a whole meeting cycle is rendered for every role
(the walk of test_commands_allowed: replies, messages and each reminder kind) and no text a user reads
uses a word the glossary rules out."""
from __future__ import annotations

import re

from storage.models import CASE_STATUSES
from tests.handlers.test_commands_allowed import walk_cycle

# (pattern, what the glossary says instead)
RULED_OUT: list[tuple[str, str]] = [
    (r"\bkoordinator", "samordnare"),
    (r"(?<!\w)anteckning(?:en|ar|arna)?\b", "notering (minnesanteckningar är mötets dokument)"),
    (r"\bmembers:|\broles\b|\bemail:", "inga fältnamn från nätverksfilen"),
    (r"@handle", "@användarnamn"),
    (r"\bföredrar\b", "är föredragande för"),
    (r"hålla koll", "ta ställning till, göra"),
    (r"\bDen är sen\b", "är försenad"),
    (r"\boch kommer\b", "deltar"),
    (r"återkalla frånvaro(?!anmälan)", "återkalla frånvaroanmälan"),
    (r"\bfrånvaro till\b", "frånvaro från"),
    (r"\borsak(?:en)?\b", "skäl"),
    (r"\barbetsordningen \d+ §", "2 § arbetsordningen"),
    (r"kl\. 0\d\.", "kl. 9.30 (utan inledande nolla)"),
    (r"\(\d+ dagar? sedan\)", "för 3 dagar sedan"),
    (r"(?<![/\w.@:-])kansli(?![\w.-])", "Kansli (med stor bokstav i löptext)"),
    (r"\b(?:%s)\b" % "|".join(s for s in CASE_STATUSES if "_" in s), "statusen i klartext"),
    (r"\b[a-z]+_[a-z_]+\b", "inga koder eller fältnamn"),
]
# Commands and the command's own argument words are typed, not read: '/återkalla frånvaro 6 mars' is the
# command's name, not the term.
COMMAND = re.compile(r"/[\wåäöÅÄÖ]+(?: [\wåäöÅÄÖ]+)?|https?://\S+")


def ruled_out(text: str) -> list[str]:
    prose = COMMAND.sub("", text)
    return [f"{m.group(0)!r} in …{prose[max(0, m.start() - 40):m.end() + 20]!r}… → {instead}"
            for pattern, instead in RULED_OUT for m in re.finditer(pattern, prose)]


def test_no_text_in_a_meeting_cycle_uses_a_word_the_glossary_rules_out(chat, network) -> None:
    problems: list[str] = []
    for where, _roles, text in walk_cycle(chat, network):
        problems += [f"{where}: {p}" for p in ruled_out(text)]
    assert problems == [], "\n".join(problems)


def test_the_check_finds_the_words() -> None:
    assert ruled_out("Du föredrar ärende 2020:8; status under_beredning; skriv @handle.") != []
    assert ruled_out("Skriv /återkalla frånvaro 6 mars för att återkalla frånvaroanmälan.") == []


def test_a_forum_names_its_members_and_its_coordinator_in_its_own_words(chat, network) -> None:
    """Default 'representant' (1 § Dalarna); `rules: {member_term: ledamot, coordinator_title: …}` (seed 004)."""
    from sqlalchemy import select

    from storage.models import Forum

    assert chat("maria.lind", "/ledamöter; forum: lchnv").reply.startswith("Representanter i LCHNV")
    with network() as s:
        forum = s.scalar(select(Forum).where(Forum.key == "lchnv"))
        forum.member_term, forum.coordinator_title = "ledamot", "Chef för RSS"
        s.commit()
    listing = chat("maria.lind", "/ledamöter; forum: lchnv").reply
    assert listing.startswith("Ledamöter i LCHNV") and "Maria Lind" in listing and "Chef för RSS" in listing
    assert "Maria Lind @maria.lind – Chef för RSS" in listing or "– Chef för RSS" in listing


def test_replies_and_refusals_use_the_forums_member_word_and_coordinator_title(chat, network) -> None:
    """member_term / coordinator_title reach every reply that names the forum's members or its coordinator."""
    from sqlalchemy import select

    from storage.models import Forum

    refused = chat("per.ek", "/ledamot ny @anna.berg Anna Berg; organisation: leksand; forum: lchnv", now="2026-11-20T09:00")
    assert not refused.ok and "Bara samordnare kan lägga till representanter." in refused.reply
    with network() as s:
        forum = s.scalar(select(Forum).where(Forum.key == "lchnv"))
        forum.member_term, forum.coordinator_title = "ledamot", "Chef för RSS"
        s.commit()
    refused = chat("per.ek", "/ledamot ny @anna.berg Anna Berg; organisation: leksand; forum: lchnv", now="2026-11-20T09:00")
    assert not refused.ok and "Bara Chef för RSS kan lägga till ledamöter." in refused.reply
    added = chat("maria.lind", "/ledamot ny @anna.berg Anna Berg; organisation: leksand; forum: lchnv",
                 now="2026-11-20T09:00")
    assert added.ok and "Anna Berg (Leksands kommun) är ledamot i LCHNV från" in added.reply
