"""The conversation as members meet it (issue 17), through the terminal chat driver."""
from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy.orm import Session, sessionmaker

from tests.conftest import EXAMPLE, Chat, load_network


def flat(text: str) -> str:
    return " ".join(text.split())


def variant(tmp_path: Path, *replacements: tuple[str, str]) -> Path:
    """The example network with some lines changed."""
    text = EXAMPLE.read_text(encoding="utf-8")
    for old, new in replacements:
        assert old in text, old
        text = text.replace(old, new, 1)
    path = tmp_path / "network.yaml"
    path.write_text(text, encoding="utf-8")
    return path


SUBSTITUTES = (
    ("      substitutes: false                          # 1 §", "      substitutes: true                           # 1 §"),
    ("  - handle: johan.sjo", "  - handle: anna.ek\n    name: Anna Ek\n    organisation: avesta\n"
                              "  - handle: johan.sjo"),
)


@pytest.fixture
def subs_chat(db: sessionmaker[Session], tmp_path: Path) -> Chat:
    """LCHNV appoints substitutes, from the member's own organisation only; Anna Ek (Avesta) is in no forum."""
    load_network(db, variant(tmp_path, *SUBSTITUTES))
    return Chat(db)


# ------------------------------------------------------------------------------------ absence


def test_a_repeat_changes_only_what_was_written_and_names_each_change(subs_chat) -> None:
    chat = subs_chat
    chat("eva.strand", "/anmäl frånvaro 6 mars punkt 2; ersättare: @anna.ek: tandläkare")
    again = chat("eva.strand", "/anmäl frånvaro 6 mars; ersättare: ingen")
    assert again.ok
    reply = flat(again.reply)
    assert "Ändrat: ersättare: Anna Ek (Avesta kommun) → ingen." in reply
    assert "Notering: tandläkare" in reply and "Del: punkt 2" in reply  # the note and the part stay
    assert "notering" not in reply.split("Ändrat:")[1].split(".")[0]
    removed = chat("eva.strand", "/anmäl frånvaro 6 mars; notering: ingen")
    assert "Ändrat: notering: borttagen." in flat(removed.reply)
    assert "tandläkare" not in removed.reply and "Del: punkt 2" in flat(removed.reply)
    whole = chat("eva.strand", "/anmäl frånvaro 6 mars hela mötet: sjuk")
    assert "Ändrat: del: punkt 2 → hela mötet; notering: tillagd." in flat(whole.reply)


def test_a_substitute_expected_at_the_meeting_is_refused(subs_chat) -> None:
    said = subs_chat("eva.strand", "/anmäl frånvaro 6 mars; ersättare: Lars Holm")
    assert not said.ok
    assert "Lars Holm (Leksands kommun) sitter själv i LCHNV och väntas på mötet" in flat(said.reply)
    assert said.messages == []


def test_a_substitute_from_another_organisation_is_refused_unless_the_rules_allow_it(
        db: sessionmaker[Session], tmp_path: Path) -> None:
    load_network(db, variant(tmp_path, *SUBSTITUTES))
    chat = Chat(db)
    said = chat("eva.strand", "/anmäl frånvaro 6 mars; ersättare: @johan.sjo")
    assert not said.ok
    assert "ska ersättaren komma från samma organisation som du (Avesta kommun)" in flat(said.reply)
    allowed = variant(tmp_path, *SUBSTITUTES, ("      substitutes_other_organisation: false",
                                               "      substitutes_other_organisation: true"))
    load_network(db, allowed)
    ok = chat("eva.strand", "/anmäl frånvaro 6 mars; ersättare: Johan Sjö")
    assert ok.ok and "Johan Sjö har fått veta att hen är din ersättare" in flat(ok.reply)


# ------------------------------------------------------------------------------------ one message per person


def test_one_person_in_several_roles_gets_one_message_per_event(chat) -> None:
    chat("lars.holm", "/anmäl frånvaro 6 mars")
    said = chat("karin.berg", "/anmäl frånvaro 6 mars; forum: lchnv")
    assert said.ok
    # Maria Lind is absence recipient (the report) and coordinator (no one leads): one message holds both.
    [to_maria] = said.to("maria.lind")
    assert "Karin Berg (Region Dalarna) anmäler frånvaro" in flat(to_maria)
    assert "Ingen kan leda" in flat(to_maria)
    assert "Utse en annan mötesledare för mötet, eller flytta det." in flat(to_maria)  # the whole meeting


def test_the_vice_chair_is_told_which_part_they_lead_in_plain_swedish(chat) -> None:
    said = chat("karin.berg", "/anmäl frånvaro 6 mars från kl 12; forum: lchnv")
    [to_lars] = said.to("lars.holm")
    assert "Du som vice ordförande leder mötet från kl. 12.00" in flat(to_lars)


# ------------------------------------------------------------------------------------ the morning agenda


def tick(maker: sessionmaker[Session], when: str) -> list[tuple[str, str]]:
    """One scheduler pass at `when`, delivered to the console as `kansli tick` does."""
    import asyncio
    import io

    from bot.delivery import ConsoleTransport, Deliverer
    from handlers import reminders
    from tests.conftest import at, split_sent

    stream = io.StringIO()
    with maker() as s:
        result = reminders.enqueue_due(s, at(when))
        s.commit()
    deliverer = Deliverer(sessionmaker=maker, transports=[ConsoleTransport(stream)], clock=lambda: at(when))
    asyncio.run(deliverer.deliver(result.delivery_ids, now=at(when)))
    return split_sent(stream.getvalue())


def test_a_chair_absent_from_eleven_gets_the_morning_agenda_and_so_does_the_vice_chair(chat, network) -> None:
    assert chat("karin.berg", "/anmäl frånvaro 6 mars från kl 11; forum: lchnv").ok
    sent = dict(tick(network, "2020-03-06T07:30"))
    assert set(sent) >= {"karin.berg", "lars.holm"}
    for who in ("karin.berg", "lars.holm"):
        text = flat(sent[who])
        assert "Mötet är i dag, fredagen den 6 mars 2020" in text
        assert "Mötet leds av Karin Berg (ordförande) till kl. 11.00 och Lars Holm (vice ordförande) " \
               "från kl. 11.00." in text


def test_the_year_end_reminder_agrees_in_number(network) -> None:
    from datetime import datetime

    from sqlalchemy import select

    from storage.models import Forum, Meeting
    from tests.conftest import STOCKHOLM

    with network() as s:
        forum = s.scalar(select(Forum).where(Forum.key == "lchnv"))
        s.add(Meeting(forum_id=forum.id, starts_at=datetime(2021, 3, 5, 9, 30, tzinfo=STOCKHOLM)))
        s.commit()
    sent = dict(tick(network, "2020-11-02T08:00"))
    assert "För 2021 är 1 möte inlagt; arbetsordningen kräver minst 5." in flat(sent["maria.lind"])


# ------------------------------------------------------------------------------------ cases


def test_a_short_case_number_means_this_years_case_in_the_askers_forum(chat) -> None:
    said = chat("maria.lind", "/ärende 7")  # in LCHNV and its steering group; only LCHNV has a case 7
    assert said.ok and "2020:7" in said.reply and "Gemensam vägledning för familjecentraler" in said.reply
    missing = chat("maria.lind", "/ärende 70")
    assert not missing.ok and "Det finns inget ärende 2020:70" in flat(missing.reply)


def test_agenda_items_list_the_presenter_before_attachments_and_decisions_end_with_a_full_stop(chat) -> None:
    chat("per.ek", "/anmäl ärende Utvärdering av avtal; syfte: beslut; möte: 6 mars; föredragande: Johan Sjö; "
                   "bilaga: https://example.se/bilaga-15.pdf")
    assert chat("maria.lind", "/beredning 8 dagordning").ok
    chat("maria.lind", "/publicera dagordning 6 mars", now="2020-02-27T09:00")
    agenda = chat("per.ek", "/dagordning 6 mars", now="2020-02-27T10:00").reply  # members read the published one
    assert agenda.index("Föredragande: Johan Sjö") < agenda.index("Bilaga:")
    said = chat("maria.lind", "/beslut 8 att godkänna avtalet", now="2020-03-06T10:00")
    assert said.ok and "Beslut i ärende 2020:8" in said.reply
    assert "att godkänna avtalet." in said.reply


# ------------------------------------------------------------------------------------ lists


def test_assignments_are_listed_by_due_date_overdue_first(chat) -> None:
    chat("maria.lind", "/uppdrag ny @per.ek Kartlägga avtalen; senast 30 april; forum: lchnv")
    chat("maria.lind", "/uppdrag ny @per.ek Sammanställa remissvar; senast 2 mars; forum: lchnv")
    listing = chat("maria.lind", "/uppdrag alla; forum: lchnv", now="2020-03-10T09:00").reply
    order = [listing.index(t) for t in ("Sammanställa remissvar", "Kartlägga avtalen", "Ta fram länsövergripande")]
    assert order == sorted(order)
    assert "försenat 8 dagar" in listing
    mine = chat("per.ek", "/uppdrag", now="2020-03-10T09:00").reply
    assert mine.index("Sammanställa remissvar") < mine.index("Kartlägga avtalen")


def test_the_overview_shows_follow_ups_and_a_coordinators_duties_this_week(chat) -> None:
    chat("per.ek", "/anmäl ärende Utvärdering av avtal; forum: lchnv")
    assert chat("maria.lind", "/återkoppling 2020:7 20 november @per.ek").ok
    member = flat(chat("per.ek", "/översikt", now="2020-02-24T09:00").reply)
    assert "Dina återkopplingar Ärende 2020:7 Gemensam vägledning för familjecentraler (LCHNV) – fredag 20 " \
           "november 2020" in member
    assert "Att göra" not in member
    coordinator = flat(chat("maria.lind", "/översikt", now="2020-02-24T09:00").reply)
    assert "Att göra vecka 9" in coordinator
    assert "LCHNV: dagordningen till mötet fredagen den 6 mars 2020 ska publiceras senast fredagen den 28 februari 2020" \
        in coordinator
    assert "LCHNV: 2 ärenden väntar på beredning (2020:7, 2020:8)" in coordinator
    assert "Styrgrupp LCHNV: minnesanteckningarna från mötet fredagen den 21 februari 2020 ska skickas senast " \
           "fredagen den 28 februari 2020" in coordinator


def test_the_steering_group_may_extend_the_networks_assignments(chat) -> None:
    said = chat("maria.lind", "/uppdrag ny @johan.sjo Revidera ÖK vuxen; senast 31 december 2020; forum: lchnv",
                now="2020-06-12T10:00")
    n = said.reply.split("Uppdrag ")[1].split()[0].rstrip(":")
    # Styrgrupp LCHNV meets 11 September; LCHNV lists it under rules: {extensions_by: [styrgrupp-lchnv]}.
    extended = chat("maria.lind", f"/uppdrag förläng {n}; senast 30 juni 2021; skäl: remissförfarandet",
                    now="2020-09-11T14:00")
    assert extended.ok, extended.reply
    assert "Beslutat på mötet i Styrgrupp LCHNV fredagen den 11 september 2020" in flat(extended.reply)


def test_extensions_by_must_name_a_forum_of_the_file(db: sessionmaker[Session], tmp_path: Path) -> None:
    from storage.network import NetworkFileError

    bad = variant(tmp_path, ("extensions_by: [styrgrupp-lchnv]", "extensions_by: [styrgrupp]"))
    with pytest.raises(NetworkFileError) as err:
        load_network(db, bad)
    assert "extensions_by: okänt forum 'styrgrupp'" in str(err.value)


# ------------------------------------------------------------------------------------ order of checks, forum


def test_an_impossible_date_is_refused_before_the_forum_is_asked(chat) -> None:
    said = chat("maria.lind", "/uppdrag ny @per.ek Kartlägga; senast 31 juni")
    assert not said.ok and "Det finns ingen 31 juni" in said.reply and "flera forum" not in said.reply


def test_the_forum_is_inferred_when_only_one_of_the_askers_forums_fits(chat) -> None:
    # Maria Lind records in LCHNV and its steering group; Eva Strand sits only in LCHNV.
    said = chat("maria.lind", "/uppdrag ny @eva.strand Kartlägga; senast 30 juni")
    assert said.ok and "Forum: LCHNV" in flat(said.reply).replace("Forum:  ", "Forum: ")
    asked = chat("maria.lind", "/uppdrag ny @per.ek Kartlägga; senast 30 juni")  # both fit: asked
    assert not asked.ok and "; forum:" in asked.reply
    published = chat("maria.lind", "/publicera dagordning 6 mars")  # only LCHNV meets then
    assert published.ok and "LCHNV fredag 6 mars 2020" in published.reply


def test_example_dates_in_refusals_are_the_askers_next_meetings(chat) -> None:
    said = chat("maria.lind", "/dagordning 7 mars", now="2020-03-20T09:00")
    assert not said.ok and "till exempel ”12 juni”" in said.reply and "6 mars" not in said.reply


# ------------------------------------------------------------------------------------ mistypes, names


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("/anmäl", "”/anmäl” är början på /anmäl frånvaro eller /anmäl ärende."),
        ("/anmal", "”/anmal” är början på /anmäl frånvaro eller /anmäl ärende."),
        ("/uppdarg", "Jag känner inte igen ”/uppdarg”. Menade du /uppdrag?"),
        ("/UPPDARG alla", "Menade du /uppdrag alla?"),
        ("/hälp", "Menade du /hjälp?"),
        ("/tasks", "Menade du /uppdrag?"),
        ("/report absence friday", "Kommandona skrivs på svenska: prova /anmäl frånvaro fredag."),
        ("/agenda friday", "prova /dagordning fredag"),
        ("/anmäl franvro fredag: sjuk", "Jag känner inte igen ”/anmäl franvro fredag …”. Menade du "
                                        "/anmäl frånvaro fredag …?"),
    ],
)
def test_a_mistype_gets_a_way_forward(chat, text: str, expected: str) -> None:
    said = chat("eva.strand", text)
    assert expected in flat(said.reply)
    assert "sjuk" not in said.reply  # a note is never repeated in a suggestion


def test_a_mistype_suggests_only_commands_the_asker_may_run(chat) -> None:
    assert "/beslut" not in chat("eva.strand", "/beslt 8 att godkänna").reply
    assert "Menade du /beslut 8 att godkänna?" in flat(chat("maria.lind", "/beslt 8 att godkänna").reply)


def test_a_person_is_found_by_full_or_unique_first_name_and_an_ambiguous_name_lists_them(
        db: sessionmaker[Session], tmp_path: Path) -> None:
    load_network(db, variant(tmp_path, ("  - handle: johan.sjo", "  - handle: johan.berg\n    name: Johan Berg\n"
                                                                   "    organisation: leksand\n  - handle: johan.sjo")))
    chat = Chat(db)
    said = chat("eva.strand", "/anmäl ärende Avtal; föredragande: Johan Sjö")
    assert said.ok and "Föredragande: Johan Sjö (Region Dalarna)" in flat(said.reply).replace("Föredragande:  ",
                                                                                              "Föredragande: ")
    first = chat("eva.strand", "/anmäl ärende Avtal 2; föredragande: karin")
    assert first.ok and "Karin Berg" in first.reply
    ambiguous = chat("eva.strand", "/anmäl ärende Avtal 3; föredragande: Johan")
    assert not ambiguous.ok
    assert "Flera personer heter ”Johan”: @johan.berg (Johan Berg (Leksands kommun)), @johan.sjo" in \
        flat(ambiguous.reply)


def test_absence_examples_use_the_askers_next_meeting(chat) -> None:
    said = chat("eva.strand", "/anmäl frånvaro 12 juni blabla", now="2020-03-20T09:00")
    assert not said.ok and "”/anmäl frånvaro 12 juni till kl 10.30: tandläkare”" in flat(said.reply)
    assert "17 december" not in said.reply


def test_assignees_and_follow_up_owners_may_be_named_by_name(chat) -> None:
    said = chat("maria.lind", "/uppdrag ny Eva Strand Kartlägga avtalen; senast 30 april")
    assert said.ok and "till Eva Strand (Avesta kommun): Kartlägga avtalen." in flat(said.reply)
    assert "Kartlägga avtalen" in chat("maria.lind", "/uppdrag eva").reply
    follow = chat("maria.lind", "/återkoppling 2020:7 20 november Per Ek")
    assert follow.ok and "fredag 20 november 2020" in follow.reply and "Per Ek" in follow.reply
