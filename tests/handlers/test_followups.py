"""/återkoppling: the follow-up date and owner on the case list (seed 001 step 5c)."""
from __future__ import annotations

import pytest
from sqlalchemy import select

from tests.handlers.case_process_helpers import audit_actions, case, events, flat, snapshot
from storage.models import FollowUp

NOW = "2020-09-25T11:00"


def follow_ups(chat, number: str) -> list[tuple[str, str, bool]]:  # type: ignore[no-untyped-def]
    c = case(chat.maker, number)
    with chat.maker() as s:
        return [(f.due.isoformat(), f.responsible.handle, f.done_at is not None)
                for f in s.scalars(select(FollowUp).where(FollowUp.case_id == c.id).order_by(FollowUp.id))]


def test_a_follow_up_is_set_and_the_responsible_told(chat) -> None:
    said = chat("maria.lind", "/återkoppling 2020:7 20 november @per.ek", now=NOW)
    assert said.ok, said.reply
    assert "Ärende 2020:7 Gemensam vägledning för familjecentraler ska återkopplas till LCHNV senast fredagen den 20 " \
           "november 2020" in flat(said.reply)
    assert "Du ansvarar för att återkoppla ärende 2020:7" in said.to("per.ek")[0]
    assert ("2020-11-20", "per.ek", False) in follow_ups(chat, "2020:7")
    assert events(chat.maker, "2020:7")[-1] == "aterkoppling"
    assert audit_actions(chat.maker)[-1] == "follow_up.set"


def test_the_person_may_come_first_and_a_repeat_moves_the_date_instead_of_adding(chat) -> None:
    chat("maria.lind", "/återkoppling 2020:7 @per.ek 20 november", now=NOW)
    said = chat("maria.lind", "/återkoppling 2020:7 4 december @per.ek", now=NOW)
    assert "flyttad till fredagen den 4 december 2020 (var fredag 20 november 2020)" in flat(said.reply)
    assert [f for f in follow_ups(chat, "2020:7") if f[1] == "per.ek"] == [("2020-12-04", "per.ek", False)]


def test_the_imported_follow_up_shows_on_the_case_list_and_can_be_closed(chat) -> None:
    listing = flat(chat("maria.lind", "/ärenden", now=NOW).reply)
    assert "2020:7 Gemensam vägledning för familjecentraler" in listing
    assert "återkoppling fredag 20 november 2020 (Maria Lind)" in listing
    said = chat("maria.lind", "/återkoppling 2020:7 klar rapporterat på mötet", now="2020-11-20T10:00")
    assert said.ok, said.reply
    assert "Maria Lind (Region Dalarna) har återkopplat ärende 2020:7" in flat(said.reply)
    assert follow_ups(chat, "2020:7") == [("2020-11-20", "maria.lind", True)]
    assert "återkoppling" not in flat(chat("maria.lind", "/ärenden", now="2020-11-21T10:00").reply).split("2020:7")[1]


def test_with_two_open_follow_ups_closing_names_the_person(chat) -> None:
    chat("maria.lind", "/återkoppling 2020:7 4 december @per.ek", now=NOW)
    said = chat("maria.lind", "/återkoppling 2020:7 klar", now=NOW)
    assert not said.ok and "flera öppna återkopplingar" in said.reply
    assert chat("maria.lind", "/återkoppling 2020:7 klar @per.ek", now=NOW).ok
    assert ("2020-12-04", "per.ek", True) in follow_ups(chat, "2020:7")


@pytest.mark.parametrize(
    ("who", "text", "expected"),
    [
        ("per.ek", "/återkoppling 2020:7 20 november @per.ek", "Bara s"),
        ("maria.lind", "/återkoppling 2020:7 20 november", "Ange vem som ska återkoppla som @användarnamn"),
        ("maria.lind", "/återkoppling 2020:7 @per.ek", "Ange datumet för återkopplingen"),
        ("maria.lind", "/återkoppling 2020:7 1 september 2020 @per.ek", "Dagen du angav, tisdagen den 1 september 2020, har redan varit"),
        ("maria.lind", "/återkoppling 2020:7 vecka 47 @per.ek", "som en dag"),
        ("maria.lind", "/återkoppling 2020:7 20 november @okänd", "Jag hittar ingen person ”@okänd”"),
        ("maria.lind", "/återkoppling 2020:7 klar @per.ek", "har ingen öppen återkoppling för @per.ek"),
        ("maria.lind", "/återkoppling 20 november @per.ek", "Ange ärendets nummer som ÅÅÅÅ:N"),
    ],
)
def test_follow_up_refusals_change_nothing(chat, who: str, text: str, expected: str) -> None:
    before = snapshot(chat.maker)
    said = chat(who, text, now=NOW)
    assert not said.ok
    assert expected in flat(said.reply)
    assert said.messages == []
    assert snapshot(chat.maker) == before
