"""Someone who has left a forum (/ledamot slutar) is no longer one of its members: after the day their
membership ends they read none of its meetings, agendas, cases or assignments, as if they had never sat in it
(as /ärende NR and /anmäl frånvaro already refuse them). Someone whose membership has not ended yet still does."""
from __future__ import annotations

import pytest

AFTER = "2020-03-01T09:00"  # Eva Strand left LCHNV on 20 February 2020


@pytest.fixture
def left(chat):  # type: ignore[no-untyped-def]
    assert chat("maria.lind", "/publicera dagordning 6 mars; forum: lchnv").ok
    assert chat("maria.lind", "/ledamot slutar @eva.strand 20 februari 2020; forum: lchnv").ok
    return chat


def test_a_member_still_reads_the_forums_meetings_and_agenda(chat) -> None:
    assert chat("maria.lind", "/publicera dagordning 6 mars; forum: lchnv").ok
    assert "Myntgatan 2" in chat("eva.strand", "/möten", now=AFTER).reply
    assert "Mötets öppnande" in chat("eva.strand", "/dagordning 6 mars", now=AFTER).reply
    assert "Myntgatan 2" in chat("eva.strand", "/översikt", now=AFTER).reply


@pytest.mark.parametrize("text", [
    "/möten",
    "/möten; forum: lchnv",
    "/dagordning",
    "/dagordning 6 mars",
    "/dagordning 6 mars; forum: lchnv",
    "/dagordning nästa",
    "/översikt",
    "/uppdrag",
])
def test_a_former_member_reads_nothing_of_the_forum(left, text) -> None:
    said = left("eva.strand", text, now=AFTER)
    assert "Myntgatan" not in said.reply and "Mötets öppnande" not in said.reply, said.reply
    assert "Länsnätverket" not in said.reply and "LCHNV" not in said.reply, said.reply
    assert said.messages == []


def test_a_former_member_is_told_what_to_do(left) -> None:
    said = left("eva.strand", "/möten", now=AFTER)
    assert not said.ok and "Be samordnaren lägga till dig" in said.reply, said.reply
    # She has sat in a forum: told she no longer does, not that she is not in one "yet".
    assert "inte längre i något forum" in said.reply and "ännu" not in said.reply, said.reply


def test_the_forums_channel_does_not_make_a_former_member_one_again(left) -> None:
    said = left("eva.strand", "/dagordning 6 mars", now=AFTER, channel="#lchnv")
    assert "Mötets öppnande" not in said.reply, said.reply


def test_before_the_end_date_the_member_still_reads_the_meetings(left) -> None:
    assert "Myntgatan 2" in left("eva.strand", "/möten", now="2020-02-20T09:00").reply


@pytest.mark.parametrize("text", ["/möten; forum: lchnv", "/ledamöter; forum: lchnv", "/dagordning 6 mars; forum: lchnv"])
def test_a_former_member_naming_the_forum_is_told_what_to_do_not_an_empty_list(left, text) -> None:
    said = left("eva.strand", text, now=AFTER)
    assert not said.ok and "Be samordnaren lägga till dig" in said.reply, said.reply
    assert "Dina forum: ." not in said.reply, said.reply
