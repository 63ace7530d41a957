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
