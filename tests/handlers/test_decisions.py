"""/beslut and återremiss: what the secretary records during the meeting (seeds 000 § 4 and 002)."""
from __future__ import annotations

import pytest
from sqlalchemy import select

from tests.handlers.case_process_helpers import audit_actions, case, events, flat, snapshot
from storage.models import Decision

MEETING_DAY = "2020-03-06T10:00"


@pytest.fixture
def on_agenda(chat):  # type: ignore[no-untyped-def]
    chat("per.ek", "/anmäl ärende Beslut om ny ordförande och vice ordförande; syfte: beslut; möte: 6 mars; "
                   "föredragande: @maria.lind")
    chat("eva.strand", "/anmäl ärende Beslut om sammansättning av arbetsgrupp; syfte: beslut; forum: lchnv")
    chat("maria.lind", "/beredning 2020:8 dagordning")
    chat("maria.lind", "/beredning 2020:9 dagordning 6 mars")
    chat("maria.lind", "/publicera dagordning 6 mars", now="2020-02-27T09:00")
    return chat


def test_a_decision_with_att_lines_and_a_responsible_makes_the_case_treated(on_agenda) -> None:
    chat = on_agenda
    said = chat("maria.lind", "/beslut 2020:8 att utse Karin Berg till ordförande; att utse Lars Holm till vice "
                              "ordförande intill utgången av 2020; ansvarig: @karin.berg", now=MEETING_DAY)
    assert said.ok, said.reply
    text = flat(said.reply)
    assert "Beslut i ärende 2020:8" in text
    assert "Beslutet är infört för LCHNV:s möte fredag 6 mars 2020" in text
    assert "att utse Karin Berg till ordförande att utse Lars Holm" in text
    assert "Ansvarig: Karin Berg (Region Dalarna), som har fått besked" in text
    c = case(chat.maker, "2020:8")
    assert c.status == "behandlat"
    with chat.maker() as s:
        [d] = s.scalars(select(Decision).where(Decision.case_id == c.id))
        assert d.text.splitlines() == ["att utse Karin Berg till ordförande",
                                       "att utse Lars Holm till vice ordförande intill utgången av 2020."]
        assert d.meeting_id == c.meeting_id
    assert events(chat.maker, "2020:8")[-1] == "beslut"
    assert audit_actions(chat.maker)[-1] == "case.decision"
    assert "Du är ansvarig för ett beslut i ärende 2020:8" in said.to("karin.berg")[0]
    assert "Ditt ärende 2020:8 är behandlat" in said.to("per.ek")[0]
    # The agenda now shows what was decided under the item.
    agenda = flat(chat("karin.berg", "/dagordning", now="2020-03-06T12:00").reply)
    assert "LCHNV beslutade: att utse Karin Berg till ordförande" in agenda


def test_one_decision_per_line_also_works(on_agenda) -> None:
    said = on_agenda("maria.lind", "/beslut 2020:8 att godkänna förslaget\natt lägga informationen till handlingarna",
                     now=MEETING_DAY)
    assert said.ok
    assert "att lägga informationen till handlingarna" in said.reply


def test_aterremiss_sends_the_case_back_to_the_sender_with_the_reason(on_agenda) -> None:
    chat = on_agenda
    said = chat("maria.lind", "/beslut 2020:9 återremiss ingen samsyn om sammansättningen", now=MEETING_DAY)
    assert said.ok, said.reply
    assert "Ärende 2020:9 Beslut om sammansättning av arbetsgrupp återremitterades på mötet fredagen den 6 mars 2020" in flat(
        said.reply)
    [notice] = said.to("eva.strand")
    assert "återremitterade ditt ärende" in notice and "nådde inte samsyn" not in notice
    assert "Skäl: ingen samsyn om sammansättningen" in notice
    c = case(chat.maker, "2020:9")
    assert (c.status, c.returned_reason) == ("aterremitterat", "ingen samsyn om sammansättningen")
    assert events(chat.maker, "2020:9")[-1] == "aterremitterat"
    # Once completed, it can go on a later agenda.
    assert "fredag 12 juni 2020" in chat("maria.lind", "/beredning 2020:9 dagordning 12 juni", now="2020-04-01T09:00").reply


def test_the_short_aterremiss_command_does_the_same(on_agenda) -> None:
    said = on_agenda("maria.lind", "/återremiss 2020:9 underlaget ska kompletteras", now=MEETING_DAY)
    assert said.ok
    assert case(on_agenda.maker, "2020:9").status == "aterremitterat"


def test_a_member_cannot_record_decisions_and_is_told_who_can(on_agenda) -> None:
    before = snapshot(on_agenda.maker)
    for text in ("/beslut 2020:8 att godkänna", "/återremiss 2020:8 nej", "/beslut 2020:8 återremiss nej"):
        said = on_agenda("karin.berg", text, now=MEETING_DAY)
        assert not said.ok
        assert "Bara sekreterare kan" in said.reply
        assert "Maria Lind" in said.reply
        assert said.messages == []
    assert snapshot(on_agenda.maker) == before


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("/beslut 2020:8", "Skriv vad mötet beslutade om ärende 2020:8"),
        ("/beslut 2020:8 godkänna förslaget", "Varje beslut ska börja med ”att”"),
        ("/beslut 2020:8 att godkänna; ansvarig: @okänd", "Jag hittar ingen person ”@okänd”"),
        ("/beslut 2020:8 återremiss", "Skriv varför ärende 2020:8 återremitteras"),
        ("/beslut 2020:7 att godkänna", "står inte på någon dagordning (det är under beredning)"),
        ("/beslut 2020:77 att godkänna", "Det finns inget ärende 2020:77"),
    ],
)
def test_decision_refusals_say_what_to_type_and_change_nothing(on_agenda, text: str, expected: str) -> None:
    before = snapshot(on_agenda.maker)
    said = on_agenda("maria.lind", text, now=MEETING_DAY)
    assert not said.ok
    assert expected in flat(said.reply)
    assert said.messages == []
    assert snapshot(on_agenda.maker) == before
