"""Replies as Teams shows them: Adaptive Cards 1.5 that validate and stay small, text for short answers."""
from __future__ import annotations

import json
from datetime import date

from sqlalchemy import select

from bot.render.teams import (
    CARD_BUDGET,
    MAX_PAGES,
    case_command,
    case_form_card,
    render_messages,
    submitted_command,
)
from handlers.agenda import agenda_reply
from tests.pubdata import carry_over
from handlers.base import Action, Reply, Section
from storage.models import Case, Forum, Meeting, Person
from tests.bot.test_teams import CARD_VALIDATOR, NOW, TEAMS_LIMIT, assert_card_ok


def size(card: dict) -> int:
    return len(json.dumps(card, ensure_ascii=False).encode("utf-16-le"))


def all_text(card: dict) -> str:
    return json.dumps(card, ensure_ascii=False)


def test_a_short_confirmation_is_plain_text() -> None:
    [message] = render_messages(Reply(lines=["Frånvaron är anmäld till fredag 6 mars 2020."]))
    assert message.card is None
    assert message.text == "Frånvaron är anmäld till fredag 6 mars 2020."


def test_a_refusal_is_text_too() -> None:
    [message] = render_messages(Reply(lines=["Skriv ett datum, till exempel 6 mars."], ok=False))
    assert message.card is None and message.text.startswith("Skriv ett datum")


def test_lists_with_fields_and_buttons_become_one_valid_card() -> None:
    reply = Reply(
        title="Uppdrag",
        lines=["Dina öppna uppdrag."],
        fields=[("Forum", "LCHNV")],
        sections=[Section(heading="Överenskommelse om barns hälsa", fields=[("Senast", "söndag 31 oktober 2021")],
                          actions=[Action("Förläng", "uppdrag förläng 1", style="primary")])],
        context=["Visar 1 uppdrag."],
        actions=[Action("Alla uppdrag", "uppdrag alla")],
    )
    [message] = render_messages(reply)
    assert_card_ok(message.card)
    text = all_text(message.card)
    assert "söndag 31 oktober 2021" in text
    assert message.card["actions"] == [
        {"type": "Action.Submit", "title": "Alla uppdrag", "data": {"kansli_command": "uppdrag alla"}}
    ]
    section_button = message.card["body"][-2]["items"][-1]["actions"][0]
    assert section_button["data"] == {"kansli_command": "uppdrag förläng 1"}
    assert section_button["style"] == "positive"
    assert message.summary == "Uppdrag"


def test_a_long_agenda_is_split_into_valid_cards_under_the_size_limit(network) -> None:
    """Sixty cases with long proposals: a few cards, each well under 100 KB, and a note of what was left out."""
    with network() as s:
        forum = s.scalar(select(Forum).where(Forum.key == "lchnv"))
        meeting = s.scalar(select(Meeting).where(Meeting.forum_id == forum.id).order_by(Meeting.starts_at))
        johan = s.scalar(select(Person).where(Person.handle == "johan.sjo"))
        for i in range(60):
            s.add(Case(forum_id=forum.id, number=f"2020:{100 + i}", year=2020, seq=100 + i,
                       title=f"Ärende {i + 1} om samverkan kring barns och ungas hälsa i länet",
                       purpose="beslut", status="pa_dagordning", raised_on=date(2020, 2, 1), presenter=johan,
                       meeting_id=meeting.id, agenda_order=i + 1,
                       proposal="att anta den gemensamma vägledningen " + "och följa upp den årligen " * 40))
        s.flush()
        carry_over(s.connection())  # the cases become the meeting's agenda items
        reply = agenda_reply(s, meeting, now=NOW, draft=True)  # the coordinator's working agenda
        s.rollback()

    messages = render_messages(reply)
    assert 1 < len(messages) <= MAX_PAGES
    for m in messages:
        assert_card_ok(m.card)
        assert size(m.card) <= CARD_BUDGET < TEAMS_LIMIT
    first, last = all_text(messages[0].card), all_text(messages[-1].card)
    assert "fredag 6 mars 2020" in first
    assert f"Del 1 av {len(messages)}." in first
    total = len(reply.sections)
    assert f"av {total} avsnitt" in last and "Visar " in last


def test_one_enormous_section_is_cut_with_a_note() -> None:
    reply = Reply(title="Ärenden", sections=[Section(heading="Alla", lines=[f"2020:{i} Ett ärende" for i in range(5000)])])
    [message] = render_messages(reply)
    assert_card_ok(message.card)
    assert size(message.card) <= CARD_BUDGET
    assert "av 5000 rader" in all_text(message.card)


def test_a_very_long_text_reply_is_cut_under_the_limit() -> None:
    [message] = render_messages(Reply(lines=["En rad med text som upprepas."] * 3000))
    assert len(message.text.encode("utf-16-le")) < TEAMS_LIMIT
    assert "Visar " in message.text


def test_the_case_form_validates_and_round_trips_to_the_command() -> None:
    card = case_form_card(Reply(form="case", form_values={"titel": "Ny rutin", "föredragande": "@johan.sjo"}))
    CARD_VALIDATOR.validate(card)
    inputs = {e["id"]: e for e in card["body"] if e["type"].startswith("Input.")}
    assert inputs["titel"]["value"] == "Ny rutin" and inputs["titel"]["isRequired"] is True
    assert inputs["foredragande"]["value"] == "@johan.sjo"
    data = dict(card["actions"][0]["data"], titel="Ny rutin", syfte="information", mote="", foredragande="@johan.sjo",
                bilaga="")
    assert submitted_command(data) == "anmäl ärende Ny rutin; syfte: information; föredragande: @johan.sjo"


def test_the_case_form_asks_for_the_case_text_and_proposal_as_the_typed_command_does() -> None:
    card = case_form_card(Reply(form="case", form_values={"beskrivning": "Bakgrund"}))
    CARD_VALIDATOR.validate(card)
    inputs = {e["id"]: e for e in card["body"] if e["type"].startswith("Input.")}
    assert inputs["beskrivning"]["isMultiline"] is True and inputs["beskrivning"]["value"] == "Bakgrund"
    assert inputs["forslag"]["isMultiline"] is True
    data = dict(card["actions"][0]["data"], titel="Ny rutin", syfte="beslut", foredragande="Johan Sjö",
                beskrivning="Larmrutinen ses över;\nse bilagan.", forslag="att anta rutinen")
    assert submitted_command(data) == ("anmäl ärende Ny rutin; syfte: beslut; föredragande: Johan Sjö; "
                                       "beskrivning: Larmrutinen ses över, se bilagan.; förslag: att anta rutinen")


def test_a_form_submitted_without_title_still_reads_as_the_command() -> None:
    assert case_command({"syfte": "beslut"}) == "anmäl ärende ; syfte: beslut"
    assert case_command({}) == "anmäl ärende"


def test_an_unknown_submit_is_not_a_command() -> None:
    assert submitted_command({"something": "else"}) is None
    assert submitted_command("text") is None
    assert submitted_command({"kansli_command": " möten "}) == "möten"


def test_the_help_list_is_a_valid_card(chat) -> None:
    from bot.dispatch import Identity

    outcome = chat.dispatcher.run("hjälp", identity=Identity(handle="per.ek"), platform="teams", now=NOW)
    [message] = render_messages(outcome.reply)
    assert_card_ok(message.card)
    assert "/möten" in all_text(message.card)


def test_text_with_nothing_to_escape_is_shown_as_it_stands_and_everything_else_is_escaped_as_before() -> None:
    # md_escape skips the escaping of a text that has no markdown in it (most of a long list); whatever the
    # text, the answer must be what the full escaping gives.
    from hypothesis import given, settings
    from hypothesis import strategies as st

    from bot.render.teams import _escape_markdown, md_escape

    pieces = st.sampled_from(["1. ", "12) ", " - ", "\n", "\n  3.", "#", "https://x.se/a_b", "*", "_", "[", "`",
                              "~", "<", ">", "|", "=", "+", "\\", "å", "Uppdrag 3", " 2026", "(Huvudman 50)"])
    texts = st.lists(pieces, max_size=12).map("".join) | st.text(max_size=60)

    @settings(max_examples=300, deadline=None)
    @given(texts)
    def same(text: str) -> None:
        assert md_escape(text) == _escape_markdown(text)

    same()
