"""Typed arguments of the case process (issue 21): /ärenden, /ärende, /beredning, /avsluta, /beslut,
/återremiss and /återkoppling read their text into values without a database.

Each command's declared parser is run on what a user types after the command words, with the real date reader
(the helpers of tests/handlers/test_arguments.py). A command that finds its case before the parser runs
(/beredning, /avsluta, /återremiss, /återkoppling) gives the parser 'NR rest' with the case's own number, which
is what a user types with the full number. A bad argument gets the Swedish sentence the command has always
given, saying what to type.
"""
from __future__ import annotations

from datetime import date

import pytest

from handlers.arguments import MeetingRef
from handlers.base import UserError
from handlers.case_edit import EDIT_USAGE, EditCase, OffAgenda
from handlers.case_model import CaseRef
from handlers.cases import CloseCase, ListCases, OnAgenda, SendBack, ViewCase
from handlers.decisions import DecideCase, DecideItem, DecisionText, Remit, RemitCase
from handlers.followups import USAGE as FOLLOW_USAGE
from handlers.followups import FollowUpDone, SetFollowUp
from tests.handlers.test_arguments import parse, refusal


def refused(typed: str) -> UserError:
    with pytest.raises(UserError) as err:
        parse(typed)
    return err.value


# ------------------------------------------------------------------------------------ /ärenden


def test_the_case_list_reads_which_statuses_and_the_forum() -> None:
    listed = parse("/ärenden")
    assert listed == ListCases(forum=None)
    assert "avslutat" not in listed.statuses and listed.scope == "öppna"
    assert parse("/ärenden pågående") == listed
    assert parse("/ärenden behandlade; forum: lchnv") == ListCases(statuses=("behandlat",), forum="lchnv")
    assert parse("/ärendelista forum: lchnv") == ListCases(forum="lchnv")
    everything = parse("/ärenden alla")
    assert "avslutat" in everything.statuses and everything.scope == "alla, även avslutade"
    assert parse("/ärenden på dagordningen").scope == "på dagordningen"
    assert refusal("/ärenden kanske") == (
        "Jag känner inte igen statusen ”kanske”. Skriv /ärenden, eller /ärenden följt av aktualiserade, beredning, "
        "dagordning, behandlade, återremitterade, avslutade eller alla.")


# ------------------------------------------------------------------------------------ /ärende


def test_a_case_is_named_by_its_number_and_then_shown_closed_or_corrected() -> None:
    assert parse("/ärende 2020:7") == ViewCase(case=CaseRef(number="2020:7"))
    # The short number of this year's case, with '#', and the forum without its colon.
    assert parse("/ärende #7; forum lchnv") == ViewCase(case=CaseRef(number="7", forum="lchnv"))
    assert parse("/ärende 2020:7 avsluta klart  enligt beslut") == ViewCase(
        case=CaseRef(number="2020:7"), then=CloseCase(note="klart enligt beslut"))
    assert parse("/ärende 2020:7 stäng") == ViewCase(case=CaseRef(number="2020:7"), then=CloseCase())
    # An empty description clears it; fields not named are left alone.
    assert parse("/ärende 2020:7 ändra; titel: Ny  rubrik; syfte: beslut; beskrivning:") == ViewCase(
        case=CaseRef(number="2020:7"), then=EditCase(title="Ny rubrik", purpose="beslut", description=""))
    assert parse("/ärende 2020:7 ändra förslag: att anta vägledningen") == ViewCase(
        case=CaseRef(number="2020:7"), then=EditCase(proposal="att anta vägledningen"))


def test_a_bad_case_argument_says_what_to_type() -> None:
    assert refusal("/ärende sju") == (
        "Ange ärendets nummer som ÅÅÅÅ:N, till exempel 2020:7 (”sju” är inget ärendenummer). Skriv: /ärende NR, "
        "till exempel /ärende 2020:7. /ärenden visar ärendelistan.")
    assert refusal("/ärende 2020:7 visa") == (
        "Jag förstår inte ”visa”. Skriv /ärende 2020:7 eller /ärende 2020:7 avsluta.")
    assert refusal("/ärende 2020:7 ändra") == (
        f"Skriv vad som ändras, till exempel ”/ärende 2020:7 ändra; titel: Ny rubrik”. Skriv: {EDIT_USAGE}")
    assert refusal("/ärende 2020:7 ändra; titel:") == f"Skriv den nya titeln efter ”titel:”. Skriv: {EDIT_USAGE}"
    assert refusal("/ärende 2020:7 ändra; färg: blå").startswith("Jag förstår inte ”färg: blå”. Efter ”;” kan du "
                                                                  "skriva beskrivning, förslag, syfte, titel.")
    assert refusal("/ärende 2020:7 ändra; syfte: avgörande") == (
        "Syftet ”avgörande” känner jag inte igen; skriv syfte: information, diskussion eller beslut.")
    assert refusal(f"/ärende 2020:7 ändra; titel: {'x' * 301}").startswith("Ärendets titel är för lång (301 tecken)")


# ------------------------------------------------------------------------------------ /beredning, /avsluta


def test_beredning_puts_on_the_agenda_sends_back_or_takes_off() -> None:
    assert parse("/beredning 2020:8 dagordning") == OnAgenda()
    assert parse("/beredning 2020:8 dagordning 6 mars; föredragande: @maria.lind; syfte: beslut; förslag: att "
                 "anta; förslagsställare: Per Ek; bilaga: https://example.se/a.pdf Underlag") == OnAgenda(
        meeting="6 mars", presenter="@maria.lind", purpose="beslut", proposal="att anta", proposer="Per Ek",
        attachments=(("https://example.se/a.pdf", "Underlag"),))
    assert parse("/bered 2020:8 möte: nästa") == OnAgenda(meeting="nästa")
    assert parse("/beredning 2020:8 åter underlaget  behöver förankras") == SendBack(
        reason="underlaget behöver förankras")
    assert parse("/beredning 2020:8 av: krockar med länsdagen") == OffAgenda(reason="krockar med länsdagen")
    assert parse("/beredning 2020:8 bort") == OffAgenda()
    assert parse("/avsluta 2020:8 klart  enligt beslut") == CloseCase(note="klart enligt beslut")
    assert parse("/avsluta ärende 2020:8") == CloseCase()


def test_a_bad_beredning_argument_says_what_to_type() -> None:
    assert refusal("/beredning 2020:8 kanske") == (
        "Skriv vad beredningen beslutar om ärende 2020:8: /beredning 2020:8 dagordning [DATUM] för att lägga det "
        "på ett möte, eller /beredning 2020:8 åter SKÄL för att skicka det tillbaka.")
    assert refusal("/beredning 2020:8 dagordning; syfte: avgörande").startswith("Syftet ”avgörande” känner jag")
    assert refusal("/beredning 2020:8 dagordning; färg: blå").startswith("Jag förstår inte ”färg: blå”.")
    # Sending back without a reason asks for it: in Slack and Teams a form with the command filled in.
    asked = refused("/beredning 2020:8 åter")
    assert str(asked).startswith("Skriv varför ärende 2020:8 går åter för beredning, så att den som anmält det får "
                                 "veta: /beredning 2020:8 åter SKÄL")
    assert asked.reply is not None and asked.reply.form == "reason"
    assert asked.reply.form_values["command"] == "beredning 2020:8 åter"


# ------------------------------------------------------------------------------------ /beslut, /återremiss


def test_a_decision_reads_its_att_lines_and_who_is_responsible() -> None:
    assert parse("/beslut 2020:8 att utse Karin Berg till ordförande; att utse Lars Holm till vice ordförande; "
                 "ansvarig: @karin.berg") == DecideCase(
        case=CaseRef(number="2020:8"),
        decision=DecisionText(lines=("att utse Karin Berg till ordförande",
                                     "att utse Lars Holm till vice ordförande."), responsible="@karin.berg"))
    assert parse("/beslut 2020:8 att godkänna förslaget\natt lägga informationen till handlingarna.") == DecideCase(
        case=CaseRef(number="2020:8"),
        decision=DecisionText(lines=("att godkänna förslaget", "att lägga informationen till handlingarna.")))
    assert parse("/beslut 2020:9 Återremiss: ingen  samsyn; forum: lchnv") == RemitCase(
        case=CaseRef(number="2020:9", forum="lchnv"), reason="ingen samsyn")
    assert parse("/återremiss 2020:9 underlaget ska kompletteras") == Remit(reason="underlaget ska kompletteras")


def test_a_decision_on_an_item_names_its_meeting_by_a_date_or_the_latest_held() -> None:
    assert parse("/beslut punkt 2 att godkänna dagordningen") == DecideItem(
        label="2", meeting=MeetingRef(), decision=DecisionText(lines=("att godkänna dagordningen.",)))
    assert parse("/beslut punkt 4.1 6 mars att lägga informationen till handlingarna; forum: lchnv") == DecideItem(
        label="4.1", meeting=MeetingRef(phrase="6 mars", forum="lchnv"),
        decision=DecisionText(lines=("att lägga informationen till handlingarna.",)))


def test_a_bad_decision_says_what_to_type() -> None:
    assert refusal("/beslut 2020:8 godkänna förslaget") == (
        "Varje beslut ska börja med ”att”, som i minnesanteckningarna: ”godkänna förslaget” gör inte det. Skriv "
        "till exempel /beslut 2020:8 att utse Ulf Björnfot till ordförande; ansvarig: @maria.lind.")
    assert refusal("/beslut godkänna").startswith(
        "Ange ärendets nummer som ÅÅÅÅ:N, till exempel 2020:7 (”godkänna” är inget ärendenummer). Skriv: /beslut NR")
    assert refusal("/beslut punkt 2 31 juni att godkänna") == (
        "Det finns ingen 31 juni. Skriv datumet som 30 juni eller 2020-06-30.")
    for typed in ("/beslut 2020:9 återremiss", "/återremiss 2020:9"):
        asked = refused(typed)
        assert str(asked) == (
            "Skriv varför ärende 2020:9 återremitteras, så att den som anmält det får veta: /beslut 2020:9 "
            "återremiss SKÄL, till exempel ”underlaget ska kompletteras”.")
        assert asked.reply is not None and asked.reply.form_values["command"] == "beslut 2020:9 återremiss"


# ------------------------------------------------------------------------------------ /återkoppling


def test_a_follow_up_reads_its_day_and_who_reports_back() -> None:
    assert parse("/återkoppling 2020:7 20 november @maria.lind") == SetFollowUp(
        responsible="@maria.lind", due=date(2020, 11, 20))
    assert parse("/återkoppling 2020:7 @maria.lind 2020-11-20") == SetFollowUp(
        responsible="@maria.lind", due=date(2020, 11, 20))
    # A name at the end is looked up among people when the command runs.
    assert parse("/återkoppling 2020:7 20 november Maria Lind") == SetFollowUp(text="20 november Maria Lind")
    assert parse("/återkoppling 2020:7 klar @per.ek rapporten  lämnad") == FollowUpDone(
        responsible="@per.ek", note="rapporten lämnad")
    assert parse("/återkoppling 2020:7 klart") == FollowUpDone()


def test_a_bad_follow_up_says_what_to_type() -> None:
    assert refusal("/återkoppling 2020:7 @per.ek") == (
        f"Ange datumet för återkopplingen. Skriv: {FOLLOW_USAGE}, till exempel /återkoppling 2020:7 20 november "
        "@per.ek.")
    assert refusal("/återkoppling 2020:7 vecka 47 @per.ek") == (
        "Ange datumet för återkopplingen som en dag, till exempel ”20 november” eller ”2020-11-20”, inte "
        "”vecka 47”.")
    assert refusal("/återkoppling 2020:7 30 februari @per.ek") == (
        "Det finns ingen 30 februari. Skriv datumet som 29 februari eller 2020-02-29.")
