"""/anmäl ärende: numbering, the coordinator's notice with its buttons, the form, and every refusal."""
from __future__ import annotations

import pytest

from tests.handlers.case_process_helpers import audit_actions, case, events, flat, snapshot

RAISE = (
    "/anmäl ärende Utvärdering av avtal avseende tillnyktringsplatser; syfte: beslut; möte: 6 mars; "
    "föredragande: @eva.strand; bilaga: https://example.se/bilaga18a.pdf Utvärdering; "
    "förslag: att förlänga avtalet t.o.m. 2021-11-30"
)


def test_a_raised_case_gets_the_next_number_and_the_coordinator_is_told_at_once(chat) -> None:
    said = chat("per.ek", RAISE)
    assert said.ok, said.reply
    # The example network already holds the imported 2020:7, so the count continues after it.
    assert "Ärende 2020:8 är anmält till LCHNV" in said.reply
    assert "fredag 6 mars 2020" in said.reply
    c = case(chat.maker, "2020:8")
    assert (c.status, c.purpose, c.year, c.seq) == ("aktualiserat", "beslut", 2020, 8)
    assert c.proposal == "att förlänga avtalet t.o.m. 2021-11-30"
    assert [(a.url, a.title) for a in c.attachments] == [("https://example.se/bilaga18a.pdf", "Utvärdering")]
    assert events(chat.maker, "2020:8") == ["aktualiserat"]
    assert audit_actions(chat.maker)[-1] == "case.raise"

    [notice] = said.to("maria.lind")
    text = flat(notice)
    assert "Nytt ärende 2020:8 till LCHNV" in text
    assert "Per Ek har anmält ärende 2020:8 Utvärdering av avtal avseende tillnyktringsplatser" in text
    assert "Syfte: Beslut" in text
    assert "Önskat möte: fredag 6 mars 2020, kl. 9.30–14.00" in text
    assert "[Lägg på dagordningen] → beredning 2020:8 dagordning" in text
    assert "[Åter för beredning] → beredning 2020:8 åter" in text
    assert [who for who, _ in said.messages] == ["maria.lind"]


def test_numbers_count_per_forum_and_per_year(chat) -> None:
    assert "2020:8" in chat("per.ek", "/anmäl ärende Första; forum: lchnv").reply
    assert "2020:9" in chat("per.ek", "/anmäl ärende Andra; forum: lchnv").reply
    assert "Ärende 2020:1 är anmält till Styrgrupp LCHNV" in chat("per.ek", "/anmäl ärende Tredje; forum: styrgrupp-lchnv").reply
    said = chat("per.ek", "/anmäl ärende Nytt år; forum: lchnv", now="2021-01-11T09:00")
    assert "Ärende 2021:1 är anmält till LCHNV" in said.reply


def test_the_coordinators_button_without_a_reason_asks_for_the_reason_and_changes_nothing(chat) -> None:
    chat("per.ek", RAISE)
    before = snapshot(chat.maker)
    said = chat("maria.lind", "beredning 2020:8 åter")
    assert not said.ok
    assert "Skriv varför ärende 2020:8 går åter för beredning" in flat(said.reply)
    assert said.outcome.reply.form == "reason"
    assert said.outcome.reply.form_values["command"] == "beredning 2020:8 åter"
    assert said.messages == []
    assert snapshot(chat.maker) == before


def test_without_text_the_case_form_is_offered_with_the_fields_explained(chat) -> None:
    said = chat("per.ek", "/anmäl ärende")
    reply = said.outcome.reply
    assert reply.form == "case"
    text = flat(said.reply)
    for field in ("TITEL", "syfte:", "möte:", "föredragande:", "bilaga:", "forum:"):
        assert field in text
    assert "information, diskussion eller beslut" in text
    assert said.messages == []


def test_a_person_in_one_meeting_forum_need_not_name_it_when_the_meeting_day_decides(chat) -> None:
    # per.ek sits in both LCHNV and the steering group, but only LCHNV meets on 6 March.
    said = chat("per.ek", "/anmäl ärende Vägledning; möte: 6 mars")
    assert "anmält till LCHNV" in said.reply


def test_someone_outside_every_forum_names_the_forum(chat) -> None:
    said = chat("johan.sjo", "/anmäl ärende Familjecentraler")
    assert not said.ok
    assert "forum: lchnv" in said.reply and "forum: styrgrupp-lchnv" in said.reply
    ok = chat("johan.sjo", "/anmäl ärende Familjecentraler; forum: LCHNV; syfte: diskussion")
    assert "Ärende 2020:8 är anmält till LCHNV" in ok.reply
    assert case(chat.maker, "2020:8").raised_by_id is not None
    assert ok.to("maria.lind")


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("/anmäl ärende ; syfte: beslut; forum: lchnv", "Ärendet behöver en titel"),
        ("/anmäl ärende Vägledning; forum: lchnv; möte: 13 mars",
         "LCHNV har inget möte fredagen den 13 mars 2020. Kommande möten: fredag 6 mars 2020; fredag 12 juni 2020"),
        ("/anmäl ärende Vägledning; forum: lchnv; föredragande: @nisse.hult",
         "Jag hittar ingen person ”@nisse.hult”. Skriv föredragande som @användarnamn"),
        ("/anmäl ärende Vägledning", "Du sitter i flera forum"),
        ("/anmäl ärende Vägledning; forum: lchnv; syfte: avgörande", "skriv syfte: information, diskussion eller beslut"),
        ("/anmäl ärende Vägledning; forum: lchnv; bilaga: bilaga 15", "Skriv bilagan som en länk"),
        ("/anmäl ärende Vägledning; forum: lchnv; prioritet: hög", "Jag förstår inte ”prioritet: hög”"),
        ("/anmäl ärende Vägledning; forum: nätverket", "Det finns inget forum som heter ”nätverket”"),
        ("/anmäl ärende Vägledning; forum: lchnv; möte: 31 februari", "februari"),
        ("/anmäl ärende Vägledning; forum: lchnv; möte: 2020-02-21", "LCHNV har inget möte fredagen den 21 februari 2020"),
    ],
)
def test_bad_input_is_explained_in_swedish_and_nothing_is_written_or_sent(chat, text: str, expected: str) -> None:
    before = snapshot(chat.maker)
    said = chat("per.ek", text)
    assert not said.ok
    assert expected in flat(said.reply)
    assert said.messages == []
    assert snapshot(chat.maker) == before


def test_a_meeting_that_has_been_cannot_be_wished_for(chat) -> None:
    before = snapshot(chat.maker)
    said = chat("per.ek", "/anmäl ärende Vägledning; forum: lchnv; möte: 2020-03-06", now="2020-03-10T09:00")
    assert not said.ok
    assert "LCHNV:s möte fredagen den 6 mars 2020 har redan varit" in said.reply
    assert "fredag 12 juni 2020" in said.reply
    assert snapshot(chat.maker) == before


def test_a_case_raised_after_the_agenda_deadline_is_told_it_can_come_as_a_late_item(chat) -> None:
    said = chat("per.ek", "/anmäl ärende Sent ärende; möte: 6 mars", now="2020-03-03T09:00")
    assert "Dagordningen skulle vara klar fredagen den 28 februari 2020" in flat(said.reply)
    assert "tillkommande ärende" in said.reply


def test_a_coordinator_raising_a_case_is_not_told_about_it_twice(chat) -> None:
    said = chat("maria.lind", "/anmäl ärende Eget ärende; forum: lchnv")
    assert said.ok
    assert said.messages == []
    assert "Du är själv samordnare" in said.reply


def test_the_next_meeting_can_be_wished_for_as_nasta(chat) -> None:
    said = chat("eva.strand", "/anmäl ärende Vägledning; möte: nästa")
    assert said.ok, said.reply
    assert "Önskat möte: fredag 6 mars 2020" in flat(said.reply)
    asked = chat("per.ek", "/anmäl ärende Vägledning; möte: nästa")
    assert not asked.ok and "forum: lchnv" in asked.reply
