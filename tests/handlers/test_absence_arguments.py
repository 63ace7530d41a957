"""Typed arguments of the absence commands (issue 21): /anmäl frånvaro, /återkalla frånvaro and /frånvaro read
their text without a database.

The parser reads the meeting's date phrase (or 'nästa'), the part of the meeting, the substitute, the note and
'; forum' as typed; the handler then finds the forum and the meeting. A bad argument gets the sentence it always
got; text the grammar has no place for is refused by the handler with examples dated by the asker's next
meeting, made here from a given day.
"""
from __future__ import annotations

from datetime import date, time

from handlers.absence import AbsenceRequest, Part, unread_refusal
from tests.handlers.test_arguments import parse, refusal


def test_a_report_reads_its_day_part_substitute_and_note() -> None:
    assert parse("/anmäl frånvaro") == AbsenceRequest()
    assert parse("/anmäl frånvaro nästa möte") == AbsenceRequest()
    assert parse("/anmäl frånvaro 6 mars punkt 4-6; ersättare: @per.ek: tandläkare") == AbsenceRequest(
        select="day", day=date(2020, 3, 6), part=Part(item_from=4, item_to=6), part_given=True,
        substitute="@per.ek", note="tandläkare")
    # The colon of '10:30' is no note; the option's colon may be left out.
    assert parse("/anmäl frånvaro nästa till kl 10:30; forum lchnv") == AbsenceRequest(
        part=Part(time_to=time(10, 30)), part_given=True, forum="lchnv")
    assert parse("/anmäl frånvaro 6 mars kl 9") == AbsenceRequest(select="day", day=date(2020, 3, 6), at=time(9))
    assert parse("/anmäl frånvaro 6 mars hela mötet: sjuk; ersättare: @per.ek") == AbsenceRequest(
        select="day", day=date(2020, 3, 6), part_given=True, substitute="@per.ek", note="sjuk")
    # 'ingen' removes what an earlier report said.
    assert parse("/anmäl frånvaro 6 mars; ersättare: ingen; notering: ingen") == AbsenceRequest(
        select="day", day=date(2020, 3, 6), substitute="ingen", note="")


def test_a_week_names_the_meetings_in_it() -> None:
    said = parse("/anmäl frånvaro vecka 10")
    assert said.select == "span" and said.span is not None
    assert said.span[0] <= date(2020, 3, 6) <= said.span[1]


def test_a_bad_report_gets_the_sentence_it_always_got() -> None:
    assert refusal("/anmäl frånvaro 6 mars punkt 6-4") == (
        "Punkterna 6-4 går baklänges. Skriv den lägsta först, till exempel ”punkt 4-6”.")
    assert refusal("/anmäl frånvaro 6 mars punkt fem") == (
        "Skriv punkterna med siffror, till exempel ”punkt 5” eller ”punkt 4-6”.")
    assert refusal("/anmäl frånvaro 6 mars till lunch") == (
        "Jag förstår inte vilken del av mötet du menar. Skriv ”till kl 10.30”, ”från kl 11” eller ”punkt 4-6”, "
        "eller inget alls för hela mötet.")
    assert refusal("/anmäl frånvaro 6 mars; färg: blå") == (
        "Tillägget ”färg” finns inte här. Du kan skriva ”; ersättare: @användarnamn”, ”; forum: ID” eller "
        "”; notering: text”.")
    assert refusal("/anmäl frånvaro 6 mars; blått") == (
        "Jag förstår inte ”; blått”. Tillägg skrivs ”; ersättare: @användarnamn”, ”; forum: ID” eller "
        "”; notering: text”.")
    assert refusal("/anmäl frånvaro 31 juni") == "Det finns ingen 31 juni. Skriv datumet som 30 juni eller 2020-06-30."
    assert refusal("/anmäl frånvaro 6 mars: " + "x" * 2001).startswith("Noteringen är för lång")


def test_a_note_without_its_colon_is_refused_with_examples() -> None:
    said = parse("/anmäl frånvaro 6 mars sjuk")
    assert said.unread == "sjuk"
    assert str(unread_refusal(said, example="6 mars")) == (
        "Jag förstår inte ”sjuk”. Skriv en notering efter ett kolon, till exempel ”: tandläkare”. Skriv till "
        "exempel ”/anmäl frånvaro”, ”/anmäl frånvaro 6 mars”, ”/anmäl frånvaro nästa möte punkt 5-6” eller "
        "”/anmäl frånvaro 6 mars till kl 10.30: tandläkare”.")
    assert unread_refusal(parse("/anmäl frånvaro 6 mars: sjuk"), example="6 mars") is None


def test_withdrawing_and_listing_name_only_the_meeting() -> None:
    assert parse("/återkalla frånvaro") == AbsenceRequest()
    assert parse("/återkalla frånvaro 6 mars; forum: lchnv") == AbsenceRequest(
        select="day", day=date(2020, 3, 6), forum="lchnv")
    assert parse("/frånvaro nästa; forum lchnv") == AbsenceRequest(forum="lchnv")
    # A part of the meeting: refused before anything else, with the day to write instead.
    said = parse("/återkalla frånvaro 6 mars till kl 10")
    assert str(unread_refusal(said, example="6 mars", with_part=False)) == (
        "Ange bara datumet, till exempel ”/återkalla frånvaro 6 mars”.")
    assert refusal("/återkalla frånvaro 6 mars; ersättare: @per.ek") == (
        "Tillägget ”ersättare” finns inte här. Du kan skriva ”; forum: ID”.")
    # No note here: text after a colon is not read.
    said = parse("/frånvaro 6 mars: alla")
    assert str(unread_refusal(said, example="13 mars", with_part=False, command="/frånvaro")) == (
        "Jag förstår inte ”: alla”. Skriv till exempel ”/frånvaro” eller ”/frånvaro 13 mars”.")
