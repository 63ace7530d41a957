"""The coordinator runs the network from chat: plans a year, moves and cancels meetings, adds a member, rotates
the chair, corrects a case and takes one off the agenda. Driven through the terminal chat's dispatcher and
the scheduler pass, on SQLite and PostgreSQL."""
from __future__ import annotations

import pytest
from icalendar import Calendar
from sqlalchemy import func, select

from storage.models import AuditLog, Forum, Meeting, Membership, Person
from tests.bot.reminder_support import Recorder, tick
from tests.conftest import at

NOW = "2026-11-20T09:00"
YEAR = ("/möte ny 4 februari, 1 april, 3 juni, 16 september och 2 december 2027 kl 9.00–12.00; "
        "plats: Myntgatan 2, Falun; forum: lchnv")


def said_ok(chat, who: str, text: str, now: str = NOW):  # type: ignore[no-untyped-def]
    said = chat(who, text, now=now)
    assert said.ok, said.reply
    return said


def lchnv_meetings(maker) -> list[Meeting]:  # type: ignore[no-untyped-def]
    with maker() as s:
        forum = s.scalar(select(Forum).where(Forum.key == "lchnv"))
        return list(s.scalars(select(Meeting).where(Meeting.forum_id == forum.id).order_by(Meeting.starts_at)))


def feed(maker, now: str) -> dict[str, object]:  # type: ignore[no-untyped-def]
    from bot.ics import forum_calendar

    with maker() as s:
        forum = s.scalar(select(Forum).where(Forum.key == "lchnv"))
        cal = Calendar.from_ical(forum_calendar(s, forum, base_url="https://kansli.example", now=at(now)))
    return {str(ev["UID"]): ev for ev in cal.walk("VEVENT")}


def test_a_coordinator_plans_a_year_and_moves_and_cancels_meetings(network, chat) -> None:
    said = said_ok(chat, "maria.lind", YEAR)
    assert "5 möten planerade för LCHNV" in said.reply
    for day in ("torsdag 4 februari 2027, kl. 9.00–12.00", "torsdag 1 april 2027", "torsdag 2 december 2027"):
        assert day in said.reply
    assert "dagordning senast torsdag 28 januari 2027" in said.reply  # 5 working days before (seed 000 § 4)
    assert len([m for m in lchnv_meetings(network) if m.starts_at.year == 2027]) == 5
    first_feed = feed(network, NOW)

    said = said_ok(chat, "maria.lind", "/möte flytta 1 april till 8 april; forum: lchnv")
    assert "Mötet torsdag 1 april 2027, kl. 9.00–12.00, Myntgatan 2, Falun är flyttat till torsdag 8 april 2027, " \
           "kl. 9.00–12.00" in said.reply
    told = {who for who, _ in said.messages}
    assert {"per.ek", "eva.strand", "karin.berg", "lars.holm"} <= told and "maria.lind" not in told
    assert "flyttat till torsdag 8 april 2027" in said.to("per.ek")[0]

    said = said_ok(chat, "maria.lind", "/möte ställ in 16 september: krockar med länets krisövning; forum: lchnv")
    assert "Mötet torsdag 16 september 2027, kl. 9.00–12.00, Myntgatan 2, Falun är inställt. Skäl: krockar med " \
           "länets krisövning" in said.to("eva.strand")[0]

    said = said_ok(chat, "maria.lind", "/möte ändra 3 juni; plats: Teams; dnr: RD 2027/17; forum: lchnv")
    assert "plats Teams, dnr RD 2027/17" in said.reply and "Nu: torsdag 3 juni 2027, kl. 9.00–12.00, Teams" \
        in said.reply

    # The one option grammar: the colon may be left out after a name the command knows.
    said = said_ok(chat, "maria.lind", "/möte ändra 3 juni; plats Myntgatan 2, Falun; forum lchnv")
    assert "Nu: torsdag 3 juni 2027, kl. 9.00–12.00, Myntgatan 2, Falun" in said.reply
    said = said_ok(chat, "maria.lind", "/möte ändra 3 juni; plats: Teams; forum: lchnv")

    meetings = said_ok(chat, "per.ek", "/möten; forum: lchnv", now="2027-01-10T09:00").reply
    assert "LCHNV: torsdag 8 april 2027" in meetings and "LCHNV: torsdag 1 april 2027" not in meetings
    assert "16 september 2027" not in meetings

    # The calendar feed keeps each event's UID; the moved one has a higher SEQUENCE, the cancelled one is CANCELLED.
    after = feed(network, NOW)
    assert set(after) == set(first_feed)
    by_start = {ev.decoded("DTSTART").date().isoformat(): (uid, ev) for uid, ev in after.items()}
    moved_uid, moved = by_start["2027-04-08"]
    assert int(moved["SEQUENCE"]) > int(first_feed[moved_uid]["SEQUENCE"])
    cancelled_uid, cancelled = by_start["2027-09-16"]
    assert str(cancelled["STATUS"]) == "CANCELLED"
    assert int(cancelled["SEQUENCE"]) > int(first_feed[cancelled_uid]["SEQUENCE"])

    audit = [a for a in _audit(network) if a.startswith("meeting.")]
    assert audit.count("meeting.create") == 5 and "meeting.move" in audit and "meeting.cancel" in audit


def _audit(maker) -> list[str]:  # type: ignore[no-untyped-def]
    with maker() as s:
        return list(s.scalars(select(AuditLog.action).order_by(AuditLog.id)))


def test_reminders_follow_a_moved_meeting_and_are_not_repeated_for_a_new_time_the_same_day(network, chat) -> None:
    said_ok(chat, "maria.lind", "/möte ny 4 februari 2027 kl 9–12; forum: lchnv")
    said_ok(chat, "maria.lind", "/möte flytta 4 februari till 11 februari; forum: lchnv", now="2027-01-20T09:00")
    rec = Recorder()
    # The old agenda deadline (28 January) passes without a reminder; the new one (4 February) gets them.
    old = [m for m in tick(network, rec, at("2027-01-28T08:00")) if "agenda_deadline" in m.kinds]
    assert old == []
    new = [m for m in tick(network, rec, at("2027-02-04T08:00")) if "agenda_deadline" in m.kinds]
    assert [m.to for m in new] == ["maria.lind"]
    assert "torsdagen den 11 februari 2027" in new[0].text
    # A new time the same day is no new occasion: the reminder already sent is not sent again.
    said_ok(chat, "maria.lind", "/möte ändra 11 februari; tid: 13–15; forum: lchnv", now="2027-02-04T09:00")
    again = [m for m in tick(network, rec, at("2027-02-04T10:00")) if "agenda_deadline" in m.kinds]
    assert again == []
    # Nothing about the cancelled or moved-away day on the morning of it.
    assert [m for m in tick(network, rec, at("2027-02-04T07:31")) if "chair_agenda" in m.kinds] == []


def test_a_new_member_reports_absence_and_the_chair_rotates_on_new_year(network, chat) -> None:
    said_ok(chat, "maria.lind", YEAR)
    said = said_ok(chat, "maria.lind", "/organisation ny falun Falu kommun; typ: kommun")
    assert "Organisationen Falu kommun är tillagd" in said.reply
    said = said_ok(chat, "maria.lind", "/ledamot ny @anna.berg Anna Berg; organisation: falun; titel: Socialchef; "
                                       "e-post: anna.berg@falun.se; forum: lchnv")
    assert "Anna Berg (Falu kommun) är representant i LCHNV från fredagen den 20 november 2026." in said.reply
    assert "Välkommen till LCHNV" in said.to("anna.berg")[0]

    # The new member can use kansli at once: her absence goes to the absence recipient.
    said = said_ok(chat, "anna.berg", "/anmäl frånvaro 4 februari 2027: utbildning", now="2026-12-01T10:00")
    assert "torsdag 4 februari 2027" in said.reply
    assert any("Anna Berg" in body for body in said.to("maria.lind"))

    # Everyone sees the list; only the coordinator sees e-mail addresses.
    listing = said_ok(chat, "per.ek", "/ledamöter; forum: lchnv").reply
    assert "Anna Berg (Falu kommun) @anna.berg, Socialchef" in listing and "@falun.se" not in listing
    assert "anna.berg@falun.se" in said_ok(chat, "maria.lind", "/ledamöter; forum: lchnv").reply

    said = said_ok(chat, "maria.lind", "/roll ordförande @lars.holm från 1 januari 2027; forum: lchnv")
    assert "Lars Holm är ordförande i LCHNV från fredagen den 1 januari 2027." in said.reply
    assert "Karin Berg är ordförande till och med torsdagen den 31 december 2026." in said.reply
    said_ok(chat, "maria.lind", "/roll vice ordförande @anna.berg från 1 januari 2027; forum: lchnv")

    rec = Recorder()
    december = [m for m in tick(network, rec, at("2026-12-10T07:30")) if "chair_agenda" in m.kinds]
    assert december == []  # LCHNV has no December 2026 meeting
    morning = [m for m in tick(network, rec, at("2027-02-04T07:30")) if "chair_agenda" in m.kinds]
    assert [m.to for m in morning] == ["lars.holm"]
    assert "Anna Berg (Falu kommun)" in morning[0].text  # her absence is on the agenda
    # Permissions follow the dates too: the vice chair from 1 January is Anna, no longer Lars.
    listing = said_ok(chat, "per.ek", "/ledamöter; forum: lchnv", now="2027-01-02T09:00").reply
    assert "Lars Holm (Leksands kommun) @lars.holm, Socialchef – ordförande" in listing
    assert "Karin Berg (Region Dalarna) @karin.berg, Divisionschef psykiatri\n" in listing + "\n"

    # An existing person joins the forum, then leaves it: the coordinator sees what they still have open.
    said = said_ok(chat, "maria.lind", "/ledamot ny @johan.sjo; forum: lchnv")
    assert "Johan Sjö (Region Dalarna) är representant i LCHNV från fredagen den 20 november 2026." in said.reply
    said = said_ok(chat, "maria.lind", "/ledamot slutar @johan.sjo 31 december 2026; forum: lchnv")
    assert "Johan Sjö sitter i LCHNV till och med torsdagen den 31 december 2026." in said.reply
    assert "Ta fram länsövergripande överenskommelse" in said.reply and "2020:7" in said.reply


def test_a_case_title_is_corrected_and_a_case_taken_off_the_agenda(network, chat) -> None:
    said_ok(chat, "maria.lind", YEAR)
    said = said_ok(chat, "per.ek", "/anmäl ärende Uppföljnig av ÖK vuxen; syfte: beslut; möte: 4 februari 2027")
    number = said.reply.split("Ärende ", 1)[1].split(" ", 1)[0]
    said = said_ok(chat, "per.ek", f"/ärende {number} ändra; titel: Uppföljning av ÖK vuxen")
    assert f"Ärende {number} är ändrat: titel ”Uppföljning av ÖK vuxen”." in said.reply

    said_ok(chat, "maria.lind", f"/beredning {number} dagordning 4 februari 2027")
    refused = chat("per.ek", f"/ärende {number} ändra; titel: Något annat", now=NOW)
    assert not refused.ok and "bara medan det väntar på beredning" in refused.reply
    said = said_ok(chat, "maria.lind", f"/ärende {number} ändra; förslag: att anta överenskommelsen")
    assert "förslag till beslut" in said.to("per.ek")[0]

    said = said_ok(chat, "maria.lind", f"/beredning {number} av: underlaget är inte klart")
    assert "är taget av dagordningen för mötet torsdagen den 4 februari 2027" in said.reply
    assert "Skäl: underlaget är inte klart" in said.to("per.ek")[0]
    history = said_ok(chat, "maria.lind", f"/ärende {number}").reply
    assert "Status:" in history and "aktualiserat" in history
    assert "Uppföljning av ÖK vuxen" in history

    # On a published agenda the case stays; the refusal says what to do instead.
    said_ok(chat, "maria.lind", f"/beredning {number} dagordning 4 februari 2027")
    said_ok(chat, "maria.lind", "/publicera dagordning 4 februari 2027; forum: lchnv", now="2027-01-25T09:00")
    refused = chat("maria.lind", f"/beredning {number} av", now="2027-01-26T09:00")
    assert not refused.ok
    assert f"/beredning {number} åter SKÄL" in refused.reply and "är publicerad och ändras inte" in refused.reply
    said = said_ok(chat, "maria.lind", f"/ärende {number} ändra; titel: Uppföljning av ÖK vuxen 2027",
                   now="2027-01-26T09:00")
    assert "ändringen syns i nästa publicerade version" in said.reply


@pytest.mark.parametrize("who,text,expected", [
    ("maria.lind", "/möte ny 30 februari 2027 kl 9–12; forum: lchnv", "Det finns ingen 30 februari 2027"),
    ("maria.lind", "/möte ny 5 februari 2027 kl 12–9; forum: lchnv", "Sluttiden kl. 9.00 är inte efter"),
    ("maria.lind", "/möte ny 4 februari 2027 kl 11–13; forum: lchnv", "krockar med torsdagen den 4 februari 2027"),
    ("maria.lind", "/möte ny 4 februari 2027; forum: lchnv", "Ange dag och tid"),
    ("maria.lind", "/möte ny 4 januari 2020 kl 9–12; forum: lchnv", "har redan varit"),
    ("per.ek", "/möte ny 5 februari 2027 kl 9–12; forum: lchnv", "Bara samordnare kan planera möten"),
    ("maria.lind", "/möte flytta 5 februari till 8 februari; forum: lchnv", "LCHNV har inget möte fredagen den 5 februari"),
    ("maria.lind", "/möte flytta 4 februari till 3 juni; forum: lchnv", "krockar"),
    ("maria.lind", "/ledamot ny @x.y X Y; organisation: okand; forum: lchnv",
     "Jag känner inte till organisationen ”okand”"),
    ("maria.lind", "/ledamot ny @per.ek Pelle Ek; organisation: borlange; forum: lchnv", "@per.ek används redan"),
    ("maria.lind", "/ledamot ny @per.ek; forum: lchnv", "Per Ek sitter redan i LCHNV"),
    ("maria.lind", "/ledamot slutar @maria.lind; forum: lchnv", "sista samordnare"),
    ("maria.lind", "/ledamot slutar @karin.berg; forum: lchnv", "sista ordförande"),
    ("maria.lind", "/roll ordförande @per.ek från 1 juni 2026 till 1 februari 2027; forum: lchnv",
     "Karin Berg är ordförande tills vidare, och det krockar"),
    ("maria.lind", "/roll ordförande @per.ek från 1 mars 2027 till 1 februari 2027; forum: lchnv",
     "ligger före startdatumet"),
    ("maria.lind", "/roll kassör @per.ek; forum: lchnv", "Okänd roll ”kassör”"),
    ("maria.lind", "/organisation ny leksand Leksand; typ: kommun", "finns redan"),
    ("maria.lind", "/organisation ny ny-org Ny; typ: stat", "Okänd typ"),
    ("maria.lind", "/ledamot ny @ny.person Ny Person; organisation: leksand; e-post: inte-en-adress; forum: lchnv",
     "ingen e-postadress"),
])
def test_bad_input_is_refused_in_swedish_and_changes_nothing(network, chat, who, text, expected) -> None:
    said_ok(chat, "maria.lind", "/möte ny 4 februari och 3 juni 2027 kl 9.00–12.00; forum: lchnv")
    with network() as s:
        before = (s.scalar(select(func.count()).select_from(Meeting)),
                  s.scalar(select(func.count()).select_from(Membership)),
                  s.scalar(select(func.count()).select_from(Person)),
                  s.scalar(select(func.count()).select_from(AuditLog)),
                  [(m.starts_at, m.cancelled, m.sequence) for m in s.scalars(select(Meeting).order_by(Meeting.id))])
    said = chat(who, text, now=NOW)
    assert not said.ok
    assert expected in said.reply
    assert said.messages == []
    with network() as s:
        after = (s.scalar(select(func.count()).select_from(Meeting)),
                 s.scalar(select(func.count()).select_from(Membership)),
                 s.scalar(select(func.count()).select_from(Person)),
                 s.scalar(select(func.count()).select_from(AuditLog)),
                 [(m.starts_at, m.cancelled, m.sequence) for m in s.scalars(select(Meeting).order_by(Meeting.id))])
    assert after == before


def test_a_meeting_moved_onto_a_cancelled_meetings_start_is_refused_with_what_to_type(network, chat) -> None:
    """One row per forum and start: the refusal says so at once, not 'someone changed the same thing at the
    same time, try again' after re-runs that could never succeed."""
    said_ok(chat, "maria.lind", "/möte ny 4 februari och 3 juni 2027 kl 9.00–12.00; forum: lchnv")
    said_ok(chat, "maria.lind", "/möte ställ in 4 februari 2027: för få ärenden; forum: lchnv")
    said_ok(chat, "maria.lind", "/möte ny 4 februari 2027 kl 13–15; forum: lchnv")
    before = [(m.starts_at, m.cancelled) for m in lchnv_meetings(network)]
    for text in ("/möte flytta 3 juni till 4 februari; forum: lchnv",
                 "/möte ändra 4 februari 2027; tid: 9–12; forum: lchnv"):
        said = chat("maria.lind", text, now=NOW)
        assert not said.ok, said.reply
        assert "samtidigt" not in said.reply, said.reply
        assert "inställt möte torsdagen den 4 februari 2027" in said.reply and "/möte ny" in said.reply, said.reply
        assert said.messages == []
    assert [(m.starts_at, m.cancelled) for m in lchnv_meetings(network)] == before


def test_a_meeting_with_decisions_or_sent_minutes_cannot_be_moved_or_cancelled(network, chat) -> None:
    said_ok(chat, "maria.lind", "/minnesanteckningar skickade 2020-03-06", now="2020-03-12T15:00")
    for text in ("/möte flytta 6 mars till 13 mars; forum: lchnv", "/möte ställ in 6 mars; forum: lchnv"):
        said = chat("maria.lind", text, now="2020-03-01T09:00")
        assert not said.ok and "minnesanteckningarna skickades" in said.reply and "/möte ny" in said.reply


def test_help_lists_the_administration_commands_to_coordinators_only(network, chat) -> None:
    coordinator = said_ok(chat, "maria.lind", "/hjälp").reply
    for usage in ("/möte ny DATUM", "/möte flytta", "/möte ställ in", "/ledamot ny @användarnamn", "/roll ordförande",
                  "/organisation ny", "/ledamöter"):
        assert usage in coordinator
    member = said_ok(chat, "per.ek", "/hjälp").reply
    assert "/ledamöter" in member and "/möte flytta" not in member and "/roll ordförande" not in member
    assert "kommandon till finns för andra roller (samordnare" in member


def test_the_year_end_reminder_points_to_the_chat_commands(network) -> None:
    rec = Recorder()
    sent = [m for m in tick(network, rec, at("2026-11-02T08:00")) if "year_end" in m.kinds]
    assert sent and "/möte ny 4 februari, 1 april och 3 juni 2027 kl 9.00–12.00; forum: lchnv" in sent[0].text
    assert "nätverksfilen" not in sent[0].text


def test_the_year_end_reminder_says_how_to_appoint_a_missing_chair(network) -> None:
    from datetime import date

    from sqlalchemy import update

    with network() as s:
        forum = s.scalar(select(Forum).where(Forum.key == "styrgrupp-lchnv"))
        s.execute(update(Membership).where(Membership.forum_id == forum.id, Membership.role == "chair")
                  .values(valid_to=date(2026, 12, 31)))
        s.commit()
    sent = [m for m in tick(network, Recorder(), at("2026-11-02T08:00")) if "Styrgrupp" in m.text]
    assert sent and "/roll ordförande @användarnamn från 1 januari 2027; forum: styrgrupp-lchnv" in sent[0].text
    assert "/roll vice ordförande" not in sent[0].text
