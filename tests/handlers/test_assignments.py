"""/uppdrag: recording, extending with history (seed 002 § 9), listing and closing; imported ones alike."""
from __future__ import annotations

import re

import pytest
from sqlalchemy import select

from tests.handlers.case_process_helpers import audit_actions, flat, snapshot
from storage.models import Assignment, AssignmentExtension

MEETING = "2020-09-25T11:00"


def number(said) -> int:  # type: ignore[no-untyped-def]
    """The assignment number a reply names (ids are not reset between tests on PostgreSQL)."""
    m = re.search(r"Uppdrag (\d+)", said.reply)
    assert m, said.reply
    return int(m.group(1))


@pytest.fixture
def imported(chat) -> int:  # type: ignore[no-untyped-def]
    """The example network's assignment to johan.sjo, already extended once."""
    with chat.maker() as s:
        return s.scalar(select(Assignment.id).where(Assignment.title.startswith("Ta fram länsövergripande")))


def test_a_new_assignment_is_recorded_and_the_assignee_told(chat) -> None:
    said = chat("maria.lind", "/uppdrag ny @per.ek Bereda ärendet om gemensam vägledning för familjecentraler; "
                              "senast 6 november 2020; forum: lchnv", now=MEETING)
    assert said.ok, said.reply
    n = number(said)
    assert f"Uppdrag {n} till Per Ek (Borlänge kommun): Bereda ärendet om gemensam vägledning" in said.reply
    assert "Senast fredag 6 november 2020" in said.reply
    [notice] = said.to("per.ek")
    assert f"Du har fått uppdrag {n}" in notice and "senast fredagen den 6 november 2020" in notice
    with chat.maker() as s:
        a = s.get(Assignment, n)
        assert (a.due.isoformat(), a.closed_at, a.decided_on.isoformat()) == ("2020-11-06", None, "2020-09-25")
    assert audit_actions(chat.maker)[-1] == "assignment.create"


def test_an_assignment_tied_to_a_case_takes_the_case_forum_and_shows_in_its_history(chat) -> None:
    said = chat("maria.lind", "/uppdrag ny @johan.sjo Ta fram underlag; senast 2020-11-06; ärende 2020:7", now=MEETING)
    assert said.ok, said.reply
    assert "Ärende: 2020:7 Gemensam vägledning för familjecentraler" in flat(said.reply)
    history = flat(chat("maria.lind", "/ärende 2020:7", now=MEETING).reply)
    assert f"Uppdrag {number(said)} till Johan Sjö: Ta fram underlag, senast fredagen den 6 november 2020" in history


def test_extending_keeps_the_history_with_reason_and_deciding_meeting(chat) -> None:
    n = number(chat("maria.lind", "/uppdrag ny @johan.sjo Revidera ÖK vuxen; senast 31 december 2020; forum: lchnv",
                    now="2020-06-12T10:00"))
    said = chat("maria.lind", f"/uppdrag förläng {n}; senast 30 juni 2021; skäl: utdragen nomineringsprocess och "
                              "Covid-situationen", now=MEETING)
    assert said.ok, said.reply
    text = flat(said.reply)
    assert f"Uppdrag {n} förlängt till onsdag 30 juni 2021" in text
    assert "i stället för torsdagen den 31 december 2020" in text
    assert "Beslutat på mötet fredagen den 25 september 2020" in text
    assert "Ny sista dag: onsdag 30 juni 2021 (tidigare torsdag 31 december 2020)" in said.to("johan.sjo")[0]
    with chat.maker() as s:
        a = s.get(Assignment, n)
        assert a.due.isoformat() == "2021-06-30"
        [x] = a.extensions
        assert (x.previous_due.isoformat(), x.new_due.isoformat(), x.decided_on.isoformat()) == (
            "2020-12-31", "2021-06-30", "2020-09-25")
        assert x.meeting_id is not None and "Covid" in x.reason
    mine = flat(chat("johan.sjo", "/uppdrag", now="2020-10-01T09:00").reply)
    assert ("Förlängt från torsdag 31 december 2020 till onsdag 30 juni 2021, beslutat på mötet fredag 25 "
            "september 2020 – skäl: utdragen nomineringsprocess") in mine
    assert "audit" not in mine and "assignment.extend" in audit_actions(chat.maker)


def test_the_imported_assignment_behaves_like_one_recorded_in_chat(chat, imported: int) -> None:
    mine = flat(chat("johan.sjo", "/uppdrag", now="2020-10-01T09:00").reply)
    assert f"Uppdrag {imported}: Ta fram länsövergripande överenskommelse" in mine
    assert "Förlängt från söndag 7 februari 2021 till söndag 31 oktober 2021" in mine
    said = chat("maria.lind", f"/uppdrag förläng {imported}; senast 2021-12-31; skäl: remissförfarandet; "
                              "möte: 2020-09-25", now="2020-10-01T09:00")
    assert said.ok, said.reply
    with chat.maker() as s:
        exts = list(s.scalars(select(AssignmentExtension).where(AssignmentExtension.assignment_id == imported)
                              .order_by(AssignmentExtension.id)))
        assert [x.new_due.isoformat() for x in exts] == ["2021-10-31", "2021-12-31"]
    closed = chat("maria.lind", f"/uppdrag klar {imported}", now="2021-11-01T09:00")
    assert closed.ok and "är klart måndagen den 1 november 2021" in closed.reply
    assert "Du har inga öppna uppdrag" in chat("johan.sjo", "/uppdrag", now="2021-11-02T09:00").reply


def test_an_extension_outside_a_meeting_day_must_name_the_meeting(chat, imported: int) -> None:
    before = snapshot(chat.maker)
    said = chat("maria.lind", f"/uppdrag förläng {imported}; senast 2021-12-31; skäl: x", now="2020-10-01T09:00")
    assert not said.ok
    assert "LCHNV har inget möte i dag" in said.reply
    assert "”; möte: DATUM”" in said.reply and "fredag 25 september 2020" in said.reply
    assert snapshot(chat.maker) == before


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("/uppdrag ny per.ek Bereda; senast 6 november; forum: lchnv", "Börja med den som får uppdraget som @användarnamn"),
        ("/uppdrag ny @per.ek; senast 6 november; forum: lchnv", "Skriv vad uppdraget gäller"),
        ("/uppdrag ny @per.ek Bereda; forum: lchnv", "Ange sista dag för uppdraget med ”; senast DATUM”"),
        ("/uppdrag ny @per.ek Bereda; senast 1 september 2020; forum: lchnv", "Dagen du angav, tisdagen den 1 september 2020, har redan varit"),
        ("/uppdrag ny @nisse Bereda; senast 6 november; forum: lchnv", "Jag hittar ingen person ”@nisse”"),
        ("/uppdrag ny @per.ek Bereda; senast 6 november", "Du sitter i flera forum"),
        ("/uppdrag förläng 999999; senast 2021-12-31; skäl: x", "Det finns inget uppdrag 999999"),
        ("/uppdrag förläng {imported}; senast 2021-12-31", "Ange skälet till förlängningen"),
        ("/uppdrag förläng {imported}; skäl: x", "Ange den nya sista dagen"),
        ("/uppdrag förläng {imported}; senast 2021-03-01; skäl: x",
         "ska redan vara klart senast söndagen den 31 oktober 2021; en förlängning behöver ett senare datum"),
        ("/uppdrag förläng; senast 2021-12-31; skäl: x", "Ange uppdragets nummer"),
        ("/uppdrag klar 999999", "Det finns inget uppdrag 999999"),
        ("/uppdrag kanske", "Jag förstår inte ”kanske”"),
    ],
)
def test_assignment_refusals_say_what_to_type_and_change_nothing(chat, imported: int, text: str,
                                                                 expected: str) -> None:
    before = snapshot(chat.maker)
    said = chat("maria.lind", text.format(imported=imported), now=MEETING)
    assert not said.ok, said.reply
    assert expected in flat(said.reply)
    assert said.messages == []
    assert snapshot(chat.maker) == before


def test_members_cannot_record_extend_or_close_assignments(chat, imported: int) -> None:
    before = snapshot(chat.maker)
    for text in ("/uppdrag ny @per.ek Bereda; senast 6 november; forum: lchnv",
                 f"/uppdrag förläng {imported}; senast 2021-12-31; skäl: x", f"/uppdrag klar {imported}"):
        said = chat("eva.strand", text, now=MEETING)
        assert not said.ok
        assert "Bara s" in said.reply and "Maria Lind" in said.reply
    assert snapshot(chat.maker) == before


def test_lists_own_all_overdue_and_by_person(chat, imported: int) -> None:
    a = number(chat("maria.lind", "/uppdrag ny @per.ek Bereda vägledning; senast 6 november 2020; forum: lchnv",
                    now=MEETING))
    b = number(chat("maria.lind", "/uppdrag ny @per.ek Sondera arbetsgrupp; senast 2021-06-01; "
                                  "forum: styrgrupp-lchnv", now=MEETING))
    own = flat(chat("per.ek", "/uppdrag", now="2020-11-10T09:00").reply)
    assert f"Uppdrag {a}: Bereda vägledning" in own and f"Uppdrag {b}: Sondera arbetsgrupp" in own
    assert "fredag 6 november 2020 (försenat 4 dagar)" in own
    assert "2 öppna uppdrag, varav 1 försenat." in own
    assert "Johan" not in own

    everything = flat(chat("maria.lind", "/uppdrag alla", now="2020-11-10T09:00").reply)
    assert all(f"Uppdrag {n}:" in everything for n in (imported, a, b))
    assert "Ansvarig: Johan Sjö (Region Dalarna)" in everything
    assert f"[Klart] → uppdrag klar {a}" in chat("maria.lind", "/uppdrag alla", now="2020-11-10T09:00").reply

    overdue = flat(chat("maria.lind", "/uppdrag försenade", now="2020-11-10T09:00").reply)
    assert f"Uppdrag {a}:" in overdue and f"Uppdrag {b}:" not in overdue and f"Uppdrag {imported}:" not in overdue
    assert f"Uppdrag {a}:" in flat(chat("per.ek", "/uppdrag försenade", now="2020-11-10T09:00").reply)

    by_person = flat(chat("karin.berg", "/uppdrag @per.ek", now="2020-11-10T09:00").reply)
    assert "Öppna uppdrag – Per Ek" in by_person and f"Uppdrag {a}:" in by_person
    assert f"Uppdrag {imported}:" in flat(chat("maria.lind", f"/uppdrag {imported}", now="2020-11-10T09:00").reply)


def test_a_member_sees_only_their_own(chat) -> None:
    for text in ("/uppdrag alla", "/uppdrag @johan.sjo"):
        said = chat("eva.strand", text)
        assert not said.ok
        assert "Bara " in said.reply and "I LCHNV är det" in said.reply
    assert "Du har inga öppna uppdrag" in chat("eva.strand", "/uppdrag @eva.strand").reply


def test_closing_an_assignment_tells_the_assignee_and_a_second_close_is_refused(chat) -> None:
    n = number(chat("maria.lind", "/uppdrag ny @per.ek Bereda vägledning; senast 6 november 2020; forum: lchnv",
                    now=MEETING))
    said = chat("maria.lind", f"/uppdrag klar {n}", now="2020-11-06T15:00")
    assert said.ok
    assert f"Uppdrag {n}: Bereda vägledning är klart fredagen den 6 november 2020" in said.reply
    assert "markerat som klart" in said.to("per.ek")[0]
    again = chat("maria.lind", f"/uppdrag klar {n}", now="2020-11-07T15:00")
    assert not again.ok and "redan klart" in again.reply
    assert "assignment.close" in audit_actions(chat.maker)
