"""Typed arguments (issue 21): a command's argument text is parsed into its value without a database.

Each converted command's declared parser is run on the text a user types (after the command words) with the
real date reader; the value is what its handler receives, and a bad argument gets the same Swedish refusal
as it always did, before anything is looked up.
"""
from __future__ import annotations

from datetime import date, datetime
from typing import Any

import pytest

from bot.dates import parse_when, split_when
from handlers import registry
from handlers.arguments import Dates, MeetingRef
from handlers.base import UserError
from handlers.items import NEW_USAGE, ChangeItem, ItemFields, MoveItem, NewItem, RemoveItem
from handlers.minutes import EditMinutes, SentMinutes, ShowMinutes
from tests.conftest import STOCKHOLM

NOW = datetime(2020, 2, 20, 9, 0, tzinfo=STOCKHOLM)


def _read(reader: Any) -> Any:
    def read(text: str) -> Any:
        try:
            return reader(text, NOW)
        except ValueError as exc:
            raise UserError(str(exc)) from exc

    return read


# The date reader as a command gets it (Context.split and Context.when): a bad date is a UserError.
DATES = Dates(split=_read(split_when), when=_read(parse_when))


def parse(typed: str) -> Any:
    """What the handler of the command `typed` begins with receives."""
    registry.load_all()
    found = registry.match(typed)
    assert found is not None, typed
    cmd, rest = found
    assert cmd.args is not None, f"/{cmd.name} declares no parser"
    return cmd.args(rest, DATES)


def refusal(typed: str) -> str:
    with pytest.raises(UserError) as err:
        parse(typed)
    return str(err.value)


# ------------------------------------------------------------------------------------ /punkt


def test_a_new_item_names_its_meeting_by_the_leading_date_or_the_option() -> None:
    assert parse("/punkt ny 6 mars Rapport från RSS; föredragande: @eva.strand; text: Läget i länet.") == NewItem(
        meeting=MeetingRef(phrase="6 mars"), title="Rapport från RSS",
        fields=ItemFields(föredragande="@eva.strand", text="Läget i länet."))
    assert parse("/punkt ny 6 mars Ekonomi; under: 4") == NewItem(
        meeting=MeetingRef(phrase="6 mars"), title="Ekonomi", under="4")
    # Without a date the forum's next meeting is meant; 'nästa' and '; forum' (with or without colon) are kept.
    assert parse("/punkt ny  Rapport   från RSS") == NewItem(meeting=MeetingRef(), title="Rapport från RSS")
    assert parse("/punkt ny Rapport; möte: nästa; forum lchnv") == NewItem(
        meeting=MeetingRef(phrase="nästa", forum="lchnv"), title="Rapport")


def test_changing_moving_and_removing_an_item() -> None:
    assert parse("/punkt ändra 4.1; titel: Ekonomi 2020; text:; förslag: att godkänna") == ChangeItem(
        meeting=MeetingRef(), label="4.1", fields=ItemFields(titel="Ekonomi 2020", text="", förslag="att godkänna"))
    assert parse("/punkt flytta 6 5; möte: 2020-03-06; forum: lchnv; ny version") == MoveItem(
        meeting=MeetingRef(phrase="2020-03-06", forum="lchnv"), label="6", to="5", new_version=True)
    assert parse("/punkt flytta 6 5; forum: lchnv") == MoveItem(
        meeting=MeetingRef(forum="lchnv"), label="6", to="5")
    assert parse("/punkt ta bort 9; möte: 6 mars") == RemoveItem(meeting=MeetingRef(phrase="6 mars"), label="9")


def test_a_bad_item_argument_gets_the_sentence_it_always_got() -> None:
    assert refusal("/punkt flytta 7") == (
        "Skriv vilken punkt som ska flyttas och vart: /punkt flytta N M [; möte: DATUM] [; ny version], till "
        "exempel /punkt flytta 7 5.")
    assert refusal("/punkt ny ; under: 4").startswith("Punkten behöver en rubrik. Skriv: /punkt ny [DATUM] TITEL")
    assert refusal("/punkt lägg till Rapport").startswith(
        "Skriv /punkt ny, /punkt ändra, /punkt flytta eller /punkt ta bort. Till exempel: /punkt ny [DATUM]")
    said = refusal("/punkt ny Rapport; färg: blå")
    assert said.startswith("Jag förstår inte ”färg: blå”. Efter ”;” kan du skriva ")
    assert said.endswith(f"Så här: {NEW_USAGE}.")
    assert refusal("/punkt ny 31 juni Rapport") == "Det finns ingen 31 juni. Skriv datumet som 30 juni eller 2020-06-30."


# ------------------------------------------------------------------------------------ /minnesanteckningar


def test_the_minutes_name_a_held_meeting_by_its_day() -> None:
    assert parse("/minnesanteckningar") == ShowMinutes(meeting=MeetingRef())
    assert parse("/minnesanteckningar 2020-03-06") == ShowMinutes(
        meeting=MeetingRef(phrase="2020-03-06", day=date(2020, 3, 6), year_given=True))
    # Without the year a day ahead may mean last year's meeting: the value says the year was not given.
    assert parse("/minnesanteckningar 25 september; forum: lchnv") == ShowMinutes(
        meeting=MeetingRef(phrase="25 september", forum="lchnv", day=date(2020, 9, 25)))
    assert parse("/minnesanteckningar skickade 6 mars") == SentMinutes(
        meeting=MeetingRef(phrase="6 mars", day=date(2020, 3, 6)))


def test_writing_in_the_minutes() -> None:
    assert parse("/minnesanteckningar tillägg 6 mars punkt 5: Kristina redogjorde för arbetet.") == EditMinutes(
        meeting=MeetingRef(phrase="6 mars", day=date(2020, 3, 6)), append=True, item=5,
        text="Kristina redogjorde för arbetet.")
    # 'tillägg:' glued to its colon, and the forum after the text, as users write them.
    assert parse("/minnesanteckningar tillägg: Mötet var välbesökt.; forum: lchnv") == EditMinutes(
        meeting=MeetingRef(forum="lchnv"), append=True, item=None, text="Mötet var välbesökt.")
    assert parse("/minnesanteckningar redigera 2020-03-06 p. 2:") == EditMinutes(
        meeting=MeetingRef(phrase="2020-03-06", day=date(2020, 3, 6), year_given=True), append=False, item=2,
        text="")


def test_a_bad_minutes_argument_gets_the_sentence_it_always_got() -> None:
    assert refusal("/minnesanteckningar 6 mars mötet") == (
        "Jag förstår inte ”mötet”. Skriv /minnesanteckningar DATUM för utkastet, eller /minnesanteckningar "
        "tillägg DATUM punkt N: TEXT för att skriva i det.")
    assert refusal("/minnesanteckningar skickade igen") == (
        "Jag förstår inte ”igen”. Skriv till exempel /minnesanteckningar skickade 2020-09-25.")
    assert refusal("/minnesanteckningar tillägg 6 mars punkt 5 Kristina redogjorde") == (
        "Skriv texten efter ett kolon, till exempel: /minnesanteckningar tillägg 2020-09-25 punkt 5: Kristina "
        "redogjorde för arbetet.")
    assert refusal("/minnesanteckningar redigera 6 mars om ekonomin: Text") == (
        "Jag förstår inte ”om ekonomin”. Skriv till exempel: /minnesanteckningar redigera 2020-09-25 punkt 5: "
        "Kristina redogjorde för arbetet.")
    assert refusal("/minnesanteckningar 31 juni") == "Det finns ingen 31 juni. Skriv datumet som 30 juni eller 2020-06-30."


# ------------------------------------------------------------------------------------ /publicera dagordning


def test_publishing_names_the_meeting_by_its_date_or_the_next_one() -> None:
    from handlers.cases import PublishAgenda

    assert parse("/publicera dagordning") == PublishAgenda(meeting=MeetingRef())
    assert parse("/publicera dagordning 6 mars; forum lchnv") == PublishAgenda(
        meeting=MeetingRef(phrase="6 mars", forum="lchnv"))
    assert parse("/publicera dagordningen forum: lchnv") == PublishAgenda(meeting=MeetingRef(forum="lchnv"))


# ------------------------------------------------------------------------------------ /möte (the forum's '; forum' is taken out first)


def test_planning_moving_cancelling_and_changing_meetings() -> None:
    from datetime import time

    from handlers.admin_meetings import CancelMeeting, ChangeMeeting, MoveMeeting, NewMeetings

    assert parse("/möte ny 4 februari, 1 april och 3 juni 2027 kl 9.00–12.00; plats: Falun; dnr RD 2027/17") == (
        NewMeetings(days=(date(2027, 2, 4), date(2027, 4, 1), date(2027, 6, 3)), start=time(9), end=time(12),
                    place="Falun", dnr="RD 2027/17"))
    assert parse("/möte ny 4 februari 2027 kl 13") == NewMeetings(days=(date(2027, 2, 4),), start=time(13), end=None)
    assert parse("/möte flytta 1 april till 8 april kl 13–15; plats Teams") == MoveMeeting(
        day="1 april", to="8 april kl 13–15", place="Teams")
    assert parse("/möte ställ in 16 september: krockar med länets krisövning") == CancelMeeting(
        day="16 september", reason="krockar med länets krisövning")
    assert parse("/möte ändra 11 februari; tid: 13–15") == ChangeMeeting(day="11 februari", start=time(13), end=time(15))
    assert parse("/möte ändra 3 juni; plats Myntgatan 2, Falun") == ChangeMeeting(day="3 juni", place="Myntgatan 2, Falun")


def test_a_bad_meeting_argument_gets_the_sentence_it_always_got() -> None:
    from handlers.admin_meetings import CANCEL_USAGE, CHANGE_USAGE, MOVE_USAGE, NEW_USAGE

    assert refusal("/möte ny 4 februari 2027") == (
        "Ange dag och tid, till exempel ”/möte ny 4 februari, 1 april och 3 juni 2027 kl 9.00–12.00; plats: "
        f"Falun”. Skriv: {NEW_USAGE}")
    assert refusal("/möte ny kl 9–12") == f"Ange minst en dag före ”kl”. Skriv: {NEW_USAGE}"
    assert refusal("/möte ny 30 februari 2027 kl 9–12").startswith("Det finns ingen 30 februari 2027")
    assert refusal("/möte ny 5 februari 2027 kl 12–9").startswith("Sluttiden kl. 9.00 är inte efter")
    assert refusal("/möte ny 5 februari 2027 kl 9–12; tid: 10") == f"Jag känner inte till ”tid:”. Skriv: {NEW_USAGE}"
    assert refusal("/möte flytta 1 april") == (
        "Skriv vilket möte och vart det flyttas, till exempel ”/möte flytta 4 februari till 11 februari”. "
        f"Skriv: {MOVE_USAGE}")
    assert refusal("/möte ställ in: för få ärenden") == (
        "Ange mötets datum, till exempel ”/möte ställ in 4 februari: för få anmälda ärenden”. "
        f"Skriv: {CANCEL_USAGE}")
    assert refusal("/möte ändra 3 juni") == f"Ange vad som ändras: plats:, dnr: eller tid:. Skriv: {CHANGE_USAGE}"
    assert refusal("/möte ändra 3 juni; färg: blå") == (
        f"Ange vad som ändras: plats:, dnr: eller tid:. Skriv: {CHANGE_USAGE}")


# ------------------------------------------------------------------------------------ /organisation ny, /ledamot ny


def test_a_new_organisation_and_a_new_member() -> None:
    from handlers.admin_members import NewMember, NewOrganisation

    assert parse("/organisation ny Falun Falu kommun; typ: Kommun") == NewOrganisation(
        key="falun", name="Falu kommun", kind="kommun")
    assert parse("/organisation ny rss Regionalt stöd") == NewOrganisation(key="rss", name="Regionalt stöd",
                                                                           kind="kommun")
    assert parse("/ledamot ny @Anna.Berg Anna Berg; organisation: falun; titel: Socialchef; "
                 "e-post: mailto:anna.berg@falun.se; roll: sekreterare och frånvaromottagare") == NewMember(
        handle="anna.berg", name="Anna Berg", organisation="falun", title="Socialchef",
        email="anna.berg@falun.se", roles=("secretary", "absence_recipient"))
    assert parse("/ledamot ny <@U0NEW|nils> Nils Nyström; org leksand") == NewMember(
        handle="nils.nystrom", name="Nils Nyström", slack="U0NEW", organisation="leksand")
    assert parse("/ledamot ny <@teams:29:abc|Olle> @olle.okand") == NewMember(
        handle="olle.okand", name="", teams="29:abc")


def test_a_bad_organisation_or_member_argument_gets_the_sentence_it_always_got() -> None:
    from handlers.admin_members import NEW_USAGE, ORG_USAGE

    assert refusal("/organisation ny falun") == (
        f"Ange id och namn, till exempel ”/organisation ny falun Falu kommun; typ: kommun”. Skriv: {ORG_USAGE}")
    assert refusal("/organisation ny Falun! Falu kommun").startswith("Id ”Falun!” får bara ha små bokstäver")
    assert refusal("/organisation ny ny-org Ny; typ: stat") == (
        "Okänd typ ”stat”. Skriv typ: kommun, typ: region eller typ: annan.")
    assert refusal("/ledamot ny Anna Berg").startswith("Börja med personens @användarnamn")
    assert refusal("/ledamot ny @anna Anna; färg: blå") == f"Jag känner inte till ”farg:”. Skriv: {NEW_USAGE}"
    assert refusal("/ledamot ny @ny.person Ny Person; e-post: inte-en-adress").startswith(
        "”inte-en-adress” är ingen e-postadress.")
    assert refusal("/ledamot ny @ny.person Ny Person; roll: kassör").startswith("Okänd roll ”kassör”.")


# ------------------------------------------------------------------------------------ /anmäl ärende


def test_raising_a_case() -> None:
    from handlers.cases import RaiseCase, RaiseForm

    assert parse("/anmäl ärende") == RaiseForm()
    assert parse("/anmäl ärende Utvärdering av  avtal; syfte: beslut; möte: 6 mars; föredragande: @johan.sjo; "
                 "bilaga: https://example.se/a.pdf Avtalet https://example.se/b.pdf; forum lchnv") == RaiseCase(
        title="Utvärdering av avtal", purpose="beslut", meeting="6 mars", forum="lchnv", presenter="@johan.sjo",
        attachments=(("https://example.se/a.pdf", "Avtalet"), ("https://example.se/b.pdf", None)))
    assert parse("/anmäl ärende Vägledning; beskrivning: Bakgrund.; förslag: att anta den") == RaiseCase(
        title="Vägledning", description="Bakgrund.", proposal="att anta den")


def test_a_bad_case_argument_gets_the_sentence_it_always_got() -> None:
    from handlers.cases import RAISE_USAGE

    assert refusal("/anmäl ärende ; syfte: beslut") == (
        f"Ärendet behöver en titel som säger vad det gäller. Skriv: {RAISE_USAGE}.")
    assert refusal("/anmäl ärende Vägledning; syfte: avgörande") == (
        "Syftet ”avgörande” känner jag inte igen; skriv syfte: information, diskussion eller beslut.")
    assert "Skriv bilagan som en länk" in refusal("/anmäl ärende Vägledning; bilaga: bilaga 15")
    assert refusal("/anmäl ärende Vägledning; prioritet: hög").startswith("Jag förstår inte ”prioritet: hög”.")


# ------------------------------------------------------------------------------------ /dagordning, /aviseringar


def test_the_agenda_names_its_meeting_and_notifications_their_channel() -> None:
    from handlers.agenda import ShowAgenda
    from handlers.notifications import USAGE, Notifications

    assert parse("/dagordning") == ShowAgenda(meeting=MeetingRef())
    assert parse("/dagordning nästa; forum: lchnv") == ShowAgenda(meeting=MeetingRef(phrase="nästa", forum="lchnv"))
    assert parse("/dagordningen 6 mars") == ShowAgenda(meeting=MeetingRef(phrase="6 mars"))
    assert parse("/aviseringar") == Notifications(choice=None)
    assert parse("/aviseringar Båda") == Notifications(choice="both")
    assert parse("/aviseringar e-post") == Notifications(choice="email")
    assert refusal("/aviseringar sms") == f"”sms” är inget val. Skriv {USAGE}."


# ------------------------------------------------------------------------------------ /ledamot slutar, /ledamot ändra, /roll


def test_a_member_leaving_changed_and_given_a_role() -> None:
    from handlers.admin_members import EditMember, MemberLeaves, MemberRef, SetRole

    assert parse("/ledamot slutar @johan.sjo 31 december 2026") == MemberLeaves(
        person=MemberRef(handle="johan.sjo"), last=date(2026, 12, 31))
    assert parse("/ledamot slutar <@U0NEW|nils>") == MemberLeaves(person=MemberRef(slack="U0NEW"))
    assert parse("/ledamot ändra @anna.berg; titel Socialchef; e-post: anna.berg@falun.se; org falun") == EditMember(
        person=MemberRef(handle="anna.berg"), title="Socialchef", email="anna.berg@falun.se", organisation="falun")
    assert parse("/ledamot ändra @anna.berg; konto: <@teams:29:abc|Anna>") == EditMember(
        person=MemberRef(handle="anna.berg"), account="<@teams:29:abc|Anna>")
    assert parse("/roll ordförande @lars.holm från 1 januari 2027") == SetRole(
        role="chair", person=MemberRef(handle="lars.holm"), valid_from=date(2027, 1, 1))
    assert parse("/roll vice ordförande @karin.berg till och med 31 december") == SetRole(
        role="vice_chair", person=MemberRef(handle="karin.berg"), valid_to=date(2020, 12, 31))


def test_a_bad_member_argument_gets_the_sentence_it_always_got() -> None:
    from handlers.admin_members import EDIT_USAGE, END_USAGE, ROLE_USAGE

    assert refusal("/ledamot slutar johan") == (
        f"Ange personen som @användarnamn, till exempel @maria.lind. Skriv: {END_USAGE}")
    assert refusal("/ledamot ändra @anna.berg") == (
        f"Ange vad som ändras: titel:, e-post:, organisation:, namn: eller konto:. Skriv: {EDIT_USAGE}")
    assert refusal("/ledamot ändra @anna.berg; e-post: anna").startswith("”anna” är ingen e-postadress.")
    assert refusal("/roll @per.ek") == (
        f"Ange roll och person, till exempel ”/roll ordförande @lars.holm från 1 januari 2027”. Skriv: {ROLE_USAGE}")
    assert refusal("/roll kassör @per.ek").startswith("Okänd roll ”kassör”.")
    assert refusal("/roll ledamot @per.ek").startswith("Ange en roll: ordförande, vice ordförande")
    assert refusal("/roll ordförande @per.ek nästa år") == (
        f"Skriv datumen som ”från DATUM” och ”till DATUM”. Skriv: {ROLE_USAGE}")


# ------------------------------------------------------------------------------------ /uppdrag klar


def test_closing_an_assignment() -> None:
    from handlers.assignments import CLOSE_USAGE, CloseAssignment

    assert parse("/uppdrag klar 3") == CloseAssignment(number=3)
    assert parse("/uppdrag klart uppdrag #12: rapporten  är skickad") == CloseAssignment(
        number=12, note="rapporten är skickad")
    assert refusal("/uppdrag klar rapporten") == (
        f"Ange uppdragets nummer, som /uppdrag visar (till exempel ”uppdrag 3”). Skriv: {CLOSE_USAGE}.")
