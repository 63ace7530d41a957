"""Beredning, publishing the agenda and reading it: the rules of seeds 000, 001 and 003."""
from __future__ import annotations

from datetime import time

from sqlalchemy import select

from tests.conftest import at
from tests.handlers.case_process_helpers import audit_actions, case, events, flat, outbox_keys, snapshot
from storage.models import Absence, Meeting, Person


def raise_two(chat) -> None:  # type: ignore[no-untyped-def]
    chat("per.ek", "/anmäl ärende Utvärdering av avtal om TN-platser; syfte: beslut; möte: 6 mars; "
                   "föredragande: @eva.strand; förslag: att förlänga avtalet")
    chat("eva.strand", "/anmäl ärende Vecka 41 – fokus på psykisk ohälsa; forum: lchnv")


def test_beredning_puts_a_case_on_the_wished_meeting_and_tells_sender_and_presenter(chat) -> None:
    raise_two(chat)
    said = chat("maria.lind", "/beredning 2020:8 dagordning", now="2020-02-21T10:00")
    assert said.ok, said.reply
    text = flat(said.reply)
    assert "står nu på dagordningen för mötet fredag 6 mars 2020, kl. 9.30–14.00" in text
    assert "som punkt 5" in text
    assert "Dagordningen ska publiceras senast fredag 28 februari 2020" in text
    c = case(chat.maker, "2020:8")
    assert (c.status, c.agenda_order, c.late_addition) == ("pa_dagordning", 5, False)
    assert events(chat.maker, "2020:8") == ["aktualiserat", "pa_dagordning"]
    assert "case.agenda" in audit_actions(chat.maker)
    assert "tas upp på LCHNV:s möte fredagen den 6 mars 2020" in flat(said.to("per.ek")[0])
    assert "Du är föredragande för ärende 2020:8" in said.to("eva.strand")[0]


def test_without_a_wished_meeting_the_next_meeting_is_taken_and_a_presenter_can_be_named(chat) -> None:
    raise_two(chat)
    said = chat("maria.lind", "/beredning 2020:9 dagordning; föredragande: @johan.sjo", now="2020-02-21T10:00")
    assert "fredag 6 mars 2020" in said.reply
    assert "Ändrat: föredragande Johan Sjö" in said.reply
    assert case(chat.maker, "2020:9").presenter_id is not None
    assert said.to("johan.sjo")


def test_beredning_to_a_named_day_without_a_meeting_lists_the_next_ones(chat) -> None:
    raise_two(chat)
    before = snapshot(chat.maker)
    said = chat("maria.lind", "/beredning 2020:8 dagordning 13 mars")
    assert not said.ok
    assert "LCHNV har inget möte fredagen den 13 mars 2020" in said.reply
    assert "fredag 12 juni 2020" in said.reply
    assert snapshot(chat.maker) == before


def test_sending_back_tells_the_sender_the_reason(chat) -> None:
    raise_two(chat)
    said = chat("maria.lind", "/beredning 2020:8 åter underlaget behöver förankras hos huvudmännen")
    assert said.ok
    assert "Per Ek som anmälde ärendet har fått besked med skälet" in said.reply
    [notice] = said.to("per.ek")
    assert "går åter för vidare beredning" in notice
    assert "Skäl: underlaget behöver förankras hos huvudmännen" in notice
    c = case(chat.maker, "2020:8")
    assert (c.status, c.returned_reason) == ("under_beredning", "underlaget behöver förankras hos huvudmännen")
    # After more preparation it can go on the agenda after all.
    again = chat("maria.lind", "/beredning 2020:8 dagordning 12 juni")
    assert "fredag 12 juni 2020" in again.reply
    assert case(chat.maker, "2020:8").returned_reason is None


def test_sending_back_a_case_on_a_published_agenda_takes_it_off_and_says_to_republish(chat) -> None:
    raise_two(chat)
    chat("maria.lind", "/beredning 2020:8 dagordning")
    chat("maria.lind", "/publicera dagordning 6 mars", now="2020-02-25T09:00")
    said = chat("maria.lind", "/beredning 2020:8 åter ej klart för beslut", now="2020-02-26T09:00")
    assert "Det togs bort från dagordningen för mötet fredagen den 6 mars 2020" in flat(said.reply)
    assert "publicera den igen" in said.reply
    assert case(chat.maker, "2020:8").meeting_id is None


def test_members_cannot_run_beredning_and_are_told_who_can(chat) -> None:
    raise_two(chat)
    before = snapshot(chat.maker)
    for text in ("/beredning 2020:8 dagordning", "/beredning 2020:8 åter ingen orsak", "/publicera dagordning 6 mars"):
        said = chat("per.ek", text)
        assert not said.ok
        assert "Bara samordnare kan" in said.reply
        assert "I LCHNV är det Maria Lind" in said.reply
        assert said.messages == []
    assert snapshot(chat.maker) == before


def test_beredning_refusals_change_nothing(chat) -> None:
    raise_two(chat)
    before = snapshot(chat.maker)
    for text, expected in (
        ("/beredning 2020:99 dagordning", "Det finns inget ärende 2020:99"),
        ("/beredning x8 dagordning", "Ange ärendets nummer som ÅÅÅÅ:N"),
        ("/beredning 2020:8 kanske", "Skriv vad beredningen beslutar om ärende 2020:8"),
        # The short number: the refusal names the case by its full number, as the replies do.
        ("/beredning 8 kanske", "Skriv vad beredningen beslutar om ärende 2020:8: /beredning 2020:8 dagordning"),
        ("/beredning 2020:8 dagordning; föredragande: @okänd", "Jag hittar ingen person ”@okänd”"),
        ("/beredning 2020:8 dagordning 2020-02-21", "LCHNV har inget möte fredagen den 21 februari 2020"),
    ):
        said = chat("maria.lind", text)
        assert not said.ok, text
        assert expected in said.reply, said.reply
        assert said.messages == []
    assert snapshot(chat.maker) == before


def test_publishing_on_time_posts_the_agenda_to_the_forum_channel_and_records_when(chat) -> None:
    raise_two(chat)
    chat("maria.lind", "/beredning 2020:8 dagordning")
    chat("maria.lind", "/beredning 2020:9 dagordning")
    said = chat("maria.lind", "/publicera dagordning 6 mars", now="2020-02-27T14:00")
    assert said.ok, said.reply
    text = flat(said.reply)
    assert "Dagordningen för LCHNV:s möte fredagen den 6 mars 2020 kl. 9.30–14.00" in text
    assert "med 2 ärenden" in text
    assert "Sista dag enligt arbetsordningen är fredagen den 28 februari 2020; den är i tid" in text
    [agenda] = said.to("#lchnv")
    agenda = flat(agenda)
    assert "Dagordning – LCHNV" in agenda
    assert "Myntgatan 2, Falun, lokal Siljan" in agenda
    for item in ("1. Mötets öppnande", "2. Godkännande av dagordning", "3. Föregående minnesanteckningar",
                 "4. Rapporter och delgivningar", "5. Utvärdering av avtal om TN-platser (2020:8)",
                 "6. Vecka 41 – fokus på psykisk ohälsa (2020:9)"):
        assert item in agenda
    assert "Föredragande: Eva Strand (Avesta kommun)" in agenda
    assert "Förslag till beslut: att förlänga avtalet" in agenda
    assert "Syfte: Information" in agenda
    with chat.maker() as s:
        m = s.scalar(select(Meeting).where(Meeting.starts_at == at("2020-03-06T09:30")))
        assert m.agenda_published_at == at("2020-02-27T14:00")
    assert "agenda.publish" in audit_actions(chat.maker)
    assert "dagordning_publicerad" in events(chat.maker, "2020:8")


def test_publishing_late_is_allowed_but_says_by_how_much(chat) -> None:
    raise_two(chat)
    chat("maria.lind", "/beredning 2020:8 dagordning")
    said = chat("maria.lind", "/publicera dagordning 6 mars", now="2020-03-03T08:00")
    assert said.ok
    text = flat(said.reply)
    assert "Dagordningen är försenad: sista dag enligt arbetsordningen var fredagen den 28 februari 2020" in text
    assert "2 arbetsdagar (4 dagar) för sent" in text
    assert said.to("#lchnv")


def test_a_case_added_after_publication_is_a_late_item_and_republishing_sends_again(chat) -> None:
    raise_two(chat)
    chat("maria.lind", "/beredning 2020:8 dagordning")
    first = chat("maria.lind", "/publicera dagordning 6 mars", now="2020-02-27T14:00")
    said = chat("maria.lind", "/beredning 2020:9 dagordning 6 mars", now="2020-03-02T09:00")
    assert "visas som tillkommande ärende" in flat(said.reply)
    assert case(chat.maker, "2020:9").late_addition is True
    button = said.outcome.reply.actions[0]
    assert button.command == "publicera dagordning 2020-03-06; forum: lchnv"
    again = chat("maria.lind", button.command, now="2020-03-02T09:05")
    assert "publicerad på nytt" in again.reply
    [agenda] = again.to("#lchnv")
    assert "6. Vecka 41 – fokus på psykisk ohälsa (2020:9) – tillkommande ärende" in agenda
    assert first.to("#lchnv") and len([k for k in outbox_keys(chat.maker) if k.startswith("agenda:")]) == 2


def test_a_meeting_that_has_been_cannot_be_published(chat) -> None:
    before = snapshot(chat.maker)
    said = chat("maria.lind", "/publicera dagordning 2020-03-06", now="2020-03-09T09:00")
    assert not said.ok
    assert "Mötet fredagen den 6 mars 2020 har redan varit" in said.reply
    assert snapshot(chat.maker) == before


def test_a_coordinator_of_two_forums_without_a_date_is_asked_which_forum(chat) -> None:
    said = chat("maria.lind", "/publicera dagordning")
    assert not said.ok
    assert "; forum: lchnv" in said.reply
    said = chat("maria.lind", "/publicera dagordning; forum: styrgrupp-lchnv")
    assert said.ok
    assert "Styrgrupp LCHNV:s möte fredagen den 21 februari 2020" in flat(said.reply)


def test_dagordning_on_a_meeting_day_shows_today_with_absences_but_never_the_note(chat) -> None:
    raise_two(chat)
    chat("maria.lind", "/beredning 2020:8 dagordning")
    with chat.maker() as s:
        m = s.scalar(select(Meeting).where(Meeting.starts_at == at("2020-03-06T09:30")))
        lars = s.scalar(select(Person).where(Person.handle == "lars.holm"))
        s.add(Absence(meeting_id=m.id, person_id=lars.id, time_to=time(10, 30), note="tandläkare",
                      reported_at=at("2020-03-01T09:00"), updated_at=at("2020-03-01T09:00")))
        s.commit()
    said = chat("karin.berg", "/dagordning", now="2020-03-06T07:30")
    text = flat(said.reply)
    assert "fredag 6 mars 2020, kl. 9.30–14.00" in text
    # Members read what was published: nothing yet, so no items, only when it was due and who is absent.
    assert "Utvärdering av avtal om TN-platser" not in text
    assert "Lars Holm (Leksands kommun): till kl. 10.30" in text
    assert "tandläkare" not in text
    assert "Dagordningen är inte publicerad ännu" in text
    # The coordinator works on the draft, which has the case.
    said = chat("maria.lind", "/dagordning", now="2020-03-06T07:30")
    assert "5. Utvärdering av avtal om TN-platser (2020:8)" in flat(said.reply)
    assert "(arbetsutkast)" in said.reply
    assert chat("maria.lind", "/publicera dagordning 6 mars", now="2020-03-06T07:40").ok
    said = chat("karin.berg", "/dagordning", now="2020-03-06T07:45")
    text = flat(said.reply)
    assert "5. Utvärdering av avtal om TN-platser (2020:8)" in text
    assert "Version 1, publicerad fredag 6 mars 2020 kl. 7.40 av Maria Lind." in text
    assert "tandläkare" not in text


def test_dagordning_picks_the_next_meeting_or_the_day_asked_for(chat) -> None:
    # Per sits in two forums: by default the earliest coming meeting, the steering group tomorrow.
    assert "Dagordning – Styrgrupp LCHNV" in chat("per.ek", "/dagordning").reply
    assert "fredag 6 mars 2020" in chat("per.ek", "/dagordning 6 mars").reply
    assert "fredag 12 juni 2020" in chat("per.ek", "/dagordning nästa; forum: lchnv", now="2020-03-06T08:00").reply
    said = chat("per.ek", "/dagordning idag")
    assert not said.ok
    assert "inget möte i dag, torsdagen den 20 februari 2020" in said.reply
    assert "Dagordning – LCHNV" in chat("eva.strand", "/dagordning").reply


def test_dagordning_is_for_people_in_the_forum(chat) -> None:
    said = chat("johan.sjo", "/dagordning")
    assert not said.ok
    assert "inte med i något forum" in said.reply


def test_after_the_agenda_deadline_the_replies_say_it_has_passed(chat) -> None:
    raise_two(chat)
    said = chat("maria.lind", "/beredning 2020:8 dagordning", now="2020-03-02T09:00")
    assert "Sista dag för dagordningen var fredagen den 28 februari 2020" in flat(said.reply)
    agenda = flat(chat("per.ek", "/dagordning 6 mars", now="2020-03-02T09:00").reply)
    assert "Sista dag att publicera den var fredagen den 28 februari 2020" in agenda
