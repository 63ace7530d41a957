"""/minnesanteckningar in chat: the draft from the meeting, the secretary's notes, marking them sent."""
from __future__ import annotations

from sqlalchemy import select

from handlers.minutes import dump_notes, parse_notes
from storage.models import AuditLog, Meeting
from tests.pubdata import (
    ASSIGNMENT_TITLE,
    DECISION_LINE,
    LATE_CASE,
    PUBLISHED_CASE,
    SECRET_NOTE,
    SECRET_NOTE_2,
    add_published_meeting,
)

AFTER = "2020-03-09T09:00"


def minutes_text(chat, meeting_id: int) -> str | None:  # type: ignore[no-untyped-def]
    with chat.maker() as s:
        return s.get(Meeting, meeting_id).minutes_text


def test_draft_has_attendance_items_decisions_assignments_and_follow_ups(chat) -> None:  # type: ignore[no-untyped-def]
    add_published_meeting(chat.maker)
    said = chat("maria.lind", "/minnesanteckningar 2020-03-06", now=AFTER)
    assert said.ok, said.reply
    r = said.reply
    assert "Minnesanteckningar – LCHNV, fredag 6 mars 2020 (utkast)" in r
    assert "Dnr: RD20/01035" in r
    # Present: the members minus whole-meeting absences, part-time absence noted, the substitute shown.
    present = next(line for line in r.splitlines() if line.startswith("Närvarande:"))
    assert "Karin Berg" in present and "Lars Holm" in present and "Maria Lind" in present
    assert "Per Ek (frånvarande punkt 5–6)" in present
    assert "Johan Sjö (ersättare för Eva Strand)" in present
    assert "Eva Strand," not in present.replace("för Eva Strand", "")
    absent = next(line for line in r.splitlines() if line.startswith("Frånvarande:"))
    assert "Eva Strand" in absent
    # Items in the agenda's numbering, with presenters, the "att" decisions and what follows from them.
    assert "2. Godkännande av dagordning" in r and "att godkänna dagordningen." in r
    assert f"5. {PUBLISHED_CASE} (2020:3)" in r
    assert "Föredragande: Per Ek (Borlänge kommun)" in r
    assert "LCHNV beslutade:" in r and DECISION_LINE in r
    assert f"Uppdrag: Eva Strand: {ASSIGNMENT_TITLE}, senast måndag 30 november 2020" in r
    assert "Återkoppling: Lars Holm, senast fredag 25 september 2020" in r
    assert f"6. {LATE_CASE} (2020:4)" in r
    # The personal notes of the absence reports never appear.
    assert SECRET_NOTE not in r and SECRET_NOTE_2 not in r


def test_only_secretary_or_coordinator_sees_the_draft(chat) -> None:  # type: ignore[no-untyped-def]
    add_published_meeting(chat.maker)
    said = chat("per.ek", "/minnesanteckningar 2020-03-06", now=AFTER)
    assert not said.ok
    assert "Bara samordnare eller sekreterare" in said.reply and "Maria Lind" in said.reply


def test_without_a_date_the_latest_held_meeting_is_meant(chat) -> None:  # type: ignore[no-untyped-def]
    add_published_meeting(chat.maker)
    said = chat("maria.lind", "/minnesanteckningar ; forum: lchnv", now=AFTER)
    assert said.ok and "fredag 6 mars 2020" in said.reply


def test_a_date_without_year_after_the_meeting_finds_the_past_meeting(chat) -> None:  # type: ignore[no-untyped-def]
    add_published_meeting(chat.maker)
    said = chat("maria.lind", "/minnesanteckningar 6 mars", now="2020-03-09T09:00")
    assert said.ok and "fredag 6 mars 2020" in said.reply


def test_a_day_without_meeting_is_refused_with_the_day_in_full(chat) -> None:  # type: ignore[no-untyped-def]
    add_published_meeting(chat.maker)
    said = chat("maria.lind", "/minnesanteckningar 2020-03-05", now=AFTER)
    assert not said.ok
    assert "inget möte torsdagen den 5 mars 2020" in said.reply
    assert "LCHNV 2020-03-06" in said.reply  # the recent meetings are named


def test_append_and_replace_notes_under_an_item(chat) -> None:  # type: ignore[no-untyped-def]
    ids = add_published_meeting(chat.maker)
    said = chat("maria.lind", "/minnesanteckningar tillägg 2020-03-06 punkt 5: Anna Kjällängs redogjorde för utvärderingen.",
                now=AFTER)
    assert said.ok, said.reply
    assert "punkt 5" in said.reply and "fredag 6 mars 2020" in said.reply
    chat("maria.lind", "/minnesanteckningar tillägg 2020-03-06 punkt 5: Frågan diskuterades.", now=AFTER)
    chat("maria.lind", "/minnesanteckningar tillägg 2020-03-06: Mötet hölls i lokal Siljan.", now=AFTER)
    draft = chat("maria.lind", "/minnesanteckningar 2020-03-06", now=AFTER).reply
    item5 = draft.split("5. ")[1].split("6. ")[0]
    assert "Anna Kjällängs redogjorde för utvärderingen." in item5 and "Frågan diskuterades." in item5
    assert "Mötet hölls i lokal Siljan." in draft.split("1. Mötets öppnande")[0]

    said = chat("maria.lind", "/minnesanteckningar redigera 2020-03-06 punkt 5: Endast detta.", now=AFTER)
    assert said.ok and "Ersatte" in said.reply
    draft = chat("maria.lind", "/minnesanteckningar 2020-03-06", now=AFTER).reply
    assert "Endast detta." in draft and "Frågan diskuterades." not in draft
    assert parse_notes(minutes_text(chat, ids.march_id))[5] == "Endast detta."

    said = chat("maria.lind", "/minnesanteckningar redigera 2020-03-06 punkt 5:", now=AFTER)
    assert said.ok and "Tog bort" in said.reply
    assert 5 not in parse_notes(minutes_text(chat, ids.march_id))


def test_bad_edits_change_nothing(chat) -> None:  # type: ignore[no-untyped-def]
    ids = add_published_meeting(chat.maker)
    said = chat("maria.lind", "/minnesanteckningar tillägg 2020-03-06 punkt 12: Text", now=AFTER)
    assert not said.ok and "punkterna 1–6" in said.reply
    said = chat("maria.lind", "/minnesanteckningar tillägg 2020-03-06 punkt 5 utan kolon", now=AFTER)
    assert not said.ok and "kolon" in said.reply
    said = chat("per.ek", "/minnesanteckningar tillägg 2020-03-06: Jag skriver också", now=AFTER)
    assert not said.ok
    assert minutes_text(chat, ids.march_id) is None


def test_marking_sent_posts_the_minutes_to_the_forum_channel_once(chat) -> None:  # type: ignore[no-untyped-def]
    ids = add_published_meeting(chat.maker)
    said = chat("maria.lind", "/minnesanteckningar skickade 2020-03-06", now="2020-03-10T15:00")
    assert said.ok, said.reply
    assert "markerade som skickade tisdagen den 10 mars 2020" in said.reply
    posted = said.to("#lchnv")
    assert len(posted) == 1
    assert "Minnesanteckningar – LCHNV, fredag 6 mars 2020" in posted[0] and "(utkast)" not in posted[0]
    assert DECISION_LINE in posted[0]
    assert SECRET_NOTE not in said.sent and SECRET_NOTE_2 not in said.sent
    with chat.maker() as s:
        assert s.get(Meeting, ids.march_id).minutes_sent_at is not None
        assert s.scalar(select(AuditLog).where(AuditLog.action == "minutes_sent")) is not None

    again = chat("maria.lind", "/minnesanteckningar skickade 2020-03-06", now="2020-03-11T09:00")
    assert again.ok and "redan markerade som skickade" in again.reply and again.messages == []
    edit = chat("maria.lind", "/minnesanteckningar tillägg 2020-03-06: sent tillägg", now="2020-03-11T09:00")
    assert not edit.ok and "ändras inte längre" in edit.reply


def test_minutes_cannot_be_sent_before_the_meeting(chat) -> None:  # type: ignore[no-untyped-def]
    add_published_meeting(chat.maker)
    said = chat("maria.lind", "/minnesanteckningar skickade 2020-03-06", now="2020-03-01T09:00")
    assert not said.ok and "har inte hållits ännu" in said.reply


def test_notes_round_trip() -> None:
    notes = {None: "Allmänt.", 5: "Om punkt fem.\n\nAndra stycket.", 7: "Sju."}
    assert parse_notes(dump_notes(notes)) == notes
    assert parse_notes(None) == {}
    assert dump_notes({}) is None


def test_subcommands_work_with_a_colon_right_after_them(chat) -> None:  # type: ignore[no-untyped-def]
    add_published_meeting(chat.maker)
    said = chat("maria.lind", "/minnesanteckningar tillägg: Mötet hölls i lokal Siljan.", now=AFTER)
    assert said.ok, said.reply
    assert "den allmänna texten" in said.reply and "fredag 6 mars 2020" in said.reply
    said = chat("maria.lind", "/minnesanteckningar skickade; forum: lchnv", now=AFTER)
    assert said.ok and "markerade som skickade" in said.reply
