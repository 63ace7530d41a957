"""A refusal about another forum's case says only that the case is not the asker's: no title, no forum,
no role holders of a forum the asker has no part in."""
from __future__ import annotations

import pytest

SECRET_TITLE = "Hemlig styrgruppsfråga om nedläggning"
COMMANDS = (
    "/ärende {nr}",
    "/beredning {nr} dagordning",
    "/beredning {nr} åter underlaget saknas",
    "/beslut {nr} att godkänna",
    "/beslut {nr} återremiss ingen samsyn",
    "/återkoppling {nr} 1 maj @per.ek",
    "/uppdrag ny @per.ek Utred; senast 1 maj; ärende {nr}",
    "/avsluta {nr}",
)


@pytest.mark.parametrize("command", COMMANDS)
def test_a_case_of_a_forum_one_is_not_in_is_refused_without_naming_anything_of_it(chat, command) -> None:
    raised = chat("per.ek", f"/anmäl ärende {SECRET_TITLE}; forum: styrgrupp-lchnv")
    assert raised.ok
    number = raised.reply.split("Ärende ", 1)[1].split()[0]
    said = chat("eva.strand", command.format(nr=number))  # eva.strand sits in LCHNV only
    assert not said.ok
    assert f"Ärende {number} är inte ditt" in said.reply
    for leak in (SECRET_TITLE, "Styrgrupp", "Maria Lind", "Karin Berg", "Lars Holm"):
        assert leak not in said.reply, said.reply


def test_the_member_who_raised_a_case_elsewhere_still_sees_it(chat) -> None:
    said = chat("johan.sjo", "/ärende 2020:7")  # raised 2020:7 in LCHNV without sitting in it
    assert said.ok and "Gemensam vägledning för familjecentraler" in said.reply


def test_a_member_who_has_left_the_forum_no_longer_reads_its_cases(chat) -> None:
    raised = chat("per.ek", "/anmäl ärende Omorganisation av länsstödet; forum: lchnv")
    number = raised.reply.split("Ärende ", 1)[1].split()[0]
    assert chat("eva.strand", f"/ärende {number}").ok  # a member reads the forum's cases
    assert chat("maria.lind", "/ledamot slutar @eva.strand 20 februari 2020; forum: lchnv").ok
    for text in (f"/ärende {number}", f"/ärende {number}; forum: lchnv", f"/ärende {number.split(':')[1]}"):
        said = chat("eva.strand", text, now="2020-03-01T09:00")
        assert not said.ok, said.reply
        assert "Omorganisation" not in said.reply
    # A case she raised herself stays hers.
    own = chat("eva.strand", "/anmäl ärende Eget ärende; forum: lchnv")
    own_number = own.reply.split("Ärende ", 1)[1].split()[0]
    assert chat("eva.strand", f"/ärende {own_number}", now="2020-03-01T09:00").ok
