"""Typed arguments (issue 21) of /uppdrag ny, /uppdrag förläng and /uppdrag, and of the lists that take only
'; forum' (/möten, /ledamöter) or nothing (/hjälp, /översikt): read without a database.

The handler finds the people, the assignment, the case and the forum the value names, and refuses a last day
that has been (it knows today); a bad argument gets the sentence it always got.
"""
from __future__ import annotations

from datetime import date

from handlers.assignments import (
    EXTEND_USAGE,
    NEW_USAGE,
    ExtendAssignment,
    ListAssignments,
    NewAssignment,
)
from tests.handlers.test_arguments import parse, refusal


def test_a_new_assignment_reads_assignee_title_due_day_and_case() -> None:
    assert parse("/uppdrag ny @per.ek Bereda  underlaget; senast 6 mars; ärende 2020:3; forum lchnv") == (
        NewAssignment(assignee="@per.ek", title="Bereda underlaget", due=date(2020, 3, 6), case="2020:3",
                      forum="lchnv"))
    # A name instead of @handle: where the name ends is the handler's to find (it knows the people).
    assert parse("/nytt uppdrag Per Ek Bereda; deadline: fredag") == NewAssignment(
        assignee=None, title="Per Ek Bereda", due=date(2020, 2, 21))


def test_a_bad_new_assignment_gets_the_sentence_it_always_got() -> None:
    assert refusal("/uppdrag ny @Per.Ek; senast 6 mars") == (
        f"Skriv vad uppdraget gäller efter @per.ek. Skriv: {NEW_USAGE}.")
    assert refusal("/uppdrag ny @per.ek Bereda") == (
        f"Ange sista dag för uppdraget med ”; senast DATUM”. Skriv: {NEW_USAGE}.")
    assert refusal("/uppdrag ny @per.ek Bereda; senast 31 juni") == (
        "Det finns ingen 31 juni. Skriv datumet som 30 juni eller 2020-06-30.")
    assert refusal("/uppdrag ny @per.ek Bereda; senast 6 mars; ärende avtalet").startswith(
        "Ange ärendets nummer som ÅÅÅÅ:N, till exempel 2020:7 (”avtalet” är inget ärendenummer).")
    assert refusal("/uppdrag ny @per.ek Bereda; senast 6 mars; färg: blå").startswith(
        "Jag förstår inte ”färg: blå”. Efter ”;” kan du skriva ")


def test_an_extension_reads_the_new_day_the_reason_and_the_meeting() -> None:
    assert parse("/uppdrag förläng 3; senast 1 juni; skäl: väntar på länets beslut; möte: 6 mars") == (
        ExtendAssignment(number=3, due=date(2020, 6, 1), reason="väntar på länets beslut", meeting="6 mars"))
    assert parse("/förläng uppdrag #3 till 1 juni; orsak: sjukdom") == ExtendAssignment(
        number=3, due=date(2020, 6, 1), reason="sjukdom")


def test_a_bad_extension_gets_the_sentence_it_always_got() -> None:
    assert refusal("/uppdrag förläng; senast 1 juni; skäl: x").startswith("Ange uppdragets nummer")
    assert refusal("/uppdrag förläng 3; skäl: x") == (
        f"Ange den nya sista dagen med ”; senast DATUM”. Skriv: {EXTEND_USAGE}.")
    assert refusal("/uppdrag förläng 3; senast 1 juni") == (
        f"Ange skälet till förlängningen med ”; skäl: …”, så att det finns kvar. Skriv: {EXTEND_USAGE}.")
    assert refusal("/uppdrag förläng 3 kanske; senast 1 juni; skäl: x") == (
        f"Jag förstår inte ”kanske”. Skriv: {EXTEND_USAGE}.")


def test_the_assignment_lists() -> None:
    assert parse("/uppdrag") == ListAssignments(which="mine")
    assert parse("/uppdrag mina") == ListAssignments(which="mine")
    assert parse("/uppdrag alla; forum: lchnv") == ListAssignments(which="all", forum="lchnv")
    assert parse("/uppdrag försenade") == ListAssignments(which="overdue")
    assert parse("/uppdrag #12") == ListAssignments(which="other", number=12)
    assert parse("/uppdrag @per.ek; forum lchnv") == ListAssignments(which="other", person="@per.ek", forum="lchnv")
    assert parse("/uppdrag Per Ek") == ListAssignments(which="other", person="Per Ek")
    assert refusal("/uppdrag 99999999999").startswith("Uppdrag 99999999999 finns inte; numren går från 1 till")


def test_lists_that_take_a_forum_or_nothing() -> None:
    from handlers.admin_members import ListMembers
    from handlers.help import ShowHelp
    from handlers.home import Overview
    from handlers.meetings import ListMeetings

    assert parse("/möten") == ListMeetings()
    assert parse("/möten; forum: lchnv") == ListMeetings(forum="lchnv")
    assert parse("/ledamöter forum: lchnv") == ListMembers(forum="lchnv")
    # Text besides the forum, and any text after /hjälp or /översikt, is passed over as it always was.
    assert parse("/ledamöter alla") == ListMembers()
    assert parse("/hjälp uppdrag") == ShowHelp()
    assert parse("/översikt idag") == Overview()
