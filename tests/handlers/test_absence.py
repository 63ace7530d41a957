"""/anmäl frånvaro, /återkalla frånvaro and /frånvaro through the real dispatcher (the `chat` fixture).

Example network (bot/data/example-network.yaml), seen from 2020-02-20 09:00:
LCHNV meets fredag 6 mars 2020, kl. 9.30–14.00 (karin.berg chair, lars.holm vice chair,
maria.lind coordinator + absence recipient, per.ek and eva.strand members; no substitutes);
Styrgrupp LCHNV meets fredag 21 februari 2020, kl. 13.00–15.00 (per.ek but not eva.strand).
"""
from __future__ import annotations

from sqlalchemy import func, select

from storage.models import Absence, AuditLog, Meeting, Outbox, Person

MARCH = "LCHNV:s möte fredagen den 6 mars 2020 kl. 9.30–14.00 (Myntgatan 2, Falun, lokal Siljan)"
NOTE = "sjukskriven efter operation"


def absences(maker, handle: str | None = None) -> list[Absence]:  # type: ignore[no-untyped-def]
    with maker() as s:
        stmt = select(Absence).join(Person, Person.id == Absence.person_id)
        if handle:
            stmt = stmt.where(Person.handle == handle)
        return list(s.scalars(stmt))


def outbox_count(maker) -> int:  # type: ignore[no-untyped-def]
    with maker() as s:
        return s.scalar(select(func.count()).select_from(Outbox)) or 0


def flat(text: str) -> str:
    return " ".join(text.split())


# ------------------------------------------------------------------------------------ reporting


def test_report_for_the_next_meeting_tells_the_recipient_with_name_org_meeting_part_and_note(chat, network) -> None:
    said = chat("eva.strand", f"/anmäl frånvaro: {NOTE}")
    assert said.ok, said.reply
    assert f"Du är anmäld frånvarande från {MARCH}: hela mötet." in flat(said.reply)
    assert "Maria Lind har fått din anmälan" in said.reply
    [to_maria] = said.to("maria.lind")
    assert "Eva Strand (Avesta kommun) anmäler frånvaro från " + MARCH in flat(to_maria)
    assert "Del: hela mötet" in flat(to_maria)
    assert f"Notering: {NOTE}" in to_maria
    [row] = absences(network, "eva.strand")
    assert row.note == NOTE and row.item_from is None and row.time_to is None and row.withdrawn_at is None


def test_nasta_and_nasta_mote_mean_the_next_meeting(chat) -> None:
    assert f"från {MARCH}: hela mötet" in flat(chat("eva.strand", "/anmäl frånvaro nästa").reply)
    said = chat("eva.strand", "/anmal franvaro nästa möte punkt 3")
    assert f"från {MARCH}" in flat(said.reply) and "Nu gäller: punkt 3." in said.reply


def test_several_forums_without_a_date_asks_which_meeting_and_records_nothing(chat, network) -> None:
    said = chat("per.ek", "/anmäl frånvaro")
    assert not said.ok
    text = flat(said.reply)
    assert "Du har kommande möten i flera forum" in text
    assert "Styrgrupp LCHNV, fredag 21 februari 2020, kl. 13.00–15.00, Teams: skriv /anmäl frånvaro 21 februari" in text
    assert "skriv /anmäl frånvaro 6 mars" in text
    assert said.messages == [] and absences(network) == []


def test_the_suggested_command_keeps_the_part_and_works(chat, network) -> None:
    said = chat("per.ek", "/anmäl frånvaro nästa möte till kl 14: tandläkare")
    assert "/anmäl frånvaro 21 februari till kl 14.00: tandläkare" in said.reply
    again = chat("per.ek", "/anmäl frånvaro 21 februari till kl 14.00: tandläkare")
    assert "Styrgrupp LCHNV:s möte fredagen den 21 februari 2020 kl. 13.00–15.00 (Teams): till kl. 14.00" in flat(again.reply)


def test_a_date_picks_that_days_meeting_in_any_of_the_askers_forums(chat, network) -> None:
    said = chat("per.ek", "/anmäl frånvaro fredag")
    assert "Styrgrupp LCHNV:s möte fredagen den 21 februari 2020 kl. 13.00–15.00 (Teams): hela mötet" in flat(said.reply)
    said = chat("per.ek", "/anmäl frånvaro 2020-03-06")
    assert f"från {MARCH}: hela mötet" in flat(said.reply)
    assert len(absences(network, "per.ek")) == 2


def test_a_week_a_range_a_forum_option_and_hela_motet_pick_one_meeting(chat, network) -> None:
    said = chat("per.ek", "/anmäl frånvaro vecka 10, punkt 2")
    assert f"från {MARCH}: punkt 2." in flat(said.reply)
    said = chat("per.ek", "/anmäl frånvaro 1-30 juni hela mötet")
    assert "från LCHNV:s möte fredagen den 12 juni 2020 kl. 9.30–12.00 (Skype): hela mötet." in flat(said.reply)
    said = chat("per.ek", "/anmäl frånvaro; forum: styrgrupp-lchnv")
    assert "från Styrgrupp LCHNV:s möte fredagen den 21 februari 2020" in flat(said.reply)
    said = chat("per.ek", "/anmäl frånvaro 1 mars-30 juni")
    assert not said.ok and "Du har flera möten" in said.reply and "/anmäl frånvaro 12 juni" in said.reply
    assert len(absences(network, "per.ek")) == 3


def test_in_a_forum_channel_the_next_meeting_is_that_forums(chat) -> None:
    said = chat("per.ek", "/anmäl frånvaro", channel="lchnv")
    assert said.ok and f"från {MARCH}" in flat(said.reply)


def test_item_parts_follow_the_agenda_numbering(chat, network) -> None:
    said = chat("per.ek", "/anmäl frånvaro 6 mars punkt 5")
    assert not said.ok
    assert "har punkt 1–4" in said.reply and "4. Rapporter och delgivningar" in said.reply
    assert absences(network) == [] and said.messages == []
    # The coordinator puts case 2020:7 on the March agenda: it becomes item 5.
    assert chat("maria.lind", "/beredning 2020:7 dagordning 6 mars").ok
    said = chat("per.ek", "/anmäl frånvaro 6 mars punkterna 4-5")
    assert said.ok and f"från {MARCH}: punkt 4–5." in flat(said.reply)
    [row] = absences(network)
    assert (row.item_from, row.item_to) == (4, 5)
    assert "Del: punkt 4–5" in flat(said.to("maria.lind")[0])


def test_time_parts_inside_the_meeting_are_taken_and_outside_refused(chat, network) -> None:
    said = chat("eva.strand", "/anmäl frånvaro 6 mars till kl 10.30")
    assert f"från {MARCH}: till kl. 10.30." in flat(said.reply)
    said = chat("eva.strand", "/anmäl frånvaro 6 mars från 11")
    assert "Nu gäller: från kl. 11.00." in said.reply
    said = chat("eva.strand", "/anmäl frånvaro 6 mars kl 10-11")
    assert "Nu gäller: kl. 10.00–11.00." in said.reply
    for outside in ("till kl 15", "från kl 9", "kl 8-9"):
        said = chat("eva.strand", f"/anmäl frånvaro 6 mars {outside}")
        assert not said.ok, outside
        assert "pågår kl. 9.30–14.00" in said.reply and "ligger inte inom mötet" in said.reply
        assert said.messages == []
    [row] = absences(network)
    assert (row.time_from.hour, row.time_to.hour) == (10, 11)


def test_a_repeat_updates_never_duplicates_and_an_identical_repeat_sends_nothing(chat, network) -> None:
    first = chat("eva.strand", "/anmäl frånvaro 6 mars: tandläkare")
    assert len(first.to("maria.lind")) == 1
    before = outbox_count(network)
    same = chat("eva.strand", "/anmäl frånvaro 6 mars: tandläkare")
    assert same.ok and "Du har redan anmält frånvaro" in same.reply and "Inget ändrades" in same.reply
    assert same.messages == [] and outbox_count(network) == before
    changed = chat("eva.strand", "/anmäl frånvaro 6 mars till kl 11: tandläkare")
    assert "Du hade redan anmält frånvaro" in flat(changed.reply)
    assert "del: hela mötet → till kl. 11.00" in changed.reply
    assert len(changed.to("maria.lind")) == 1 and "Ändrat: del: hela mötet → till kl. 11.00" in changed.to(
        "maria.lind")[0]
    back = chat("eva.strand", "/anmäl frånvaro 6 mars hela mötet")  # back to the first content: told again
    assert len(back.to("maria.lind")) == 1 and "Del: hela mötet" in flat(back.to("maria.lind")[0])
    assert len(absences(network)) == 1


def test_withdraw_tells_the_recipient_and_a_new_report_reactivates(chat, network) -> None:
    chat("eva.strand", "/anmäl frånvaro 6 mars: sjuk")
    said = chat("eva.strand", "/återkalla frånvaro")
    assert said.ok and f"Din frånvaroanmälan för {MARCH} (hela mötet) är återkallad" in flat(said.reply)
    [to_maria] = said.to("maria.lind")
    assert "Eva Strand (Avesta kommun) har återkallat sin frånvaroanmälan" in to_maria and "sjuk" not in to_maria
    [row] = absences(network)
    assert row.withdrawn_at is not None
    again = chat("eva.strand", "/aterkalla franvaro 6 mars")
    assert not again.ok and "Du har ingen anmäld frånvaro fredagen den 6 mars 2020" in again.reply
    back = chat("eva.strand", "/anmäl frånvaro 6 mars punkt 2")
    assert "Du hade återkallat din frånvaro" in flat(back.reply) and len(back.to("maria.lind")) == 1
    [row] = absences(network)
    assert row.withdrawn_at is None and row.item_from == 2


def test_withdraw_with_nothing_reported_is_refused(chat) -> None:
    said = chat("eva.strand", "/återkalla frånvaro")
    assert not said.ok and "Du har ingen anmäld frånvaro från något kommande möte" in said.reply


def test_every_change_is_audited_without_the_note(chat, network) -> None:
    chat("eva.strand", f"/anmäl frånvaro 6 mars: {NOTE}")
    chat("eva.strand", f"/anmäl frånvaro 6 mars: {NOTE}")  # identical: no change, no audit
    chat("eva.strand", "/anmäl frånvaro 6 mars punkt 2")
    chat("eva.strand", "/återkalla frånvaro 6 mars")
    with network() as s:
        rows = list(s.scalars(select(AuditLog).where(AuditLog.entity == "absence").order_by(AuditLog.id)))
    assert [r.action for r in rows] == ["absence_reported", "absence_changed", "absence_withdrawn"]
    assert rows[0].detail["note_given"] is True
    assert all(NOTE not in str(r.detail) for r in rows)


# ------------------------------------------------------------------------------------ refusals


def test_refusals_record_and_send_nothing(chat, network) -> None:
    cases = {
        ("johan.sjo", "/anmäl frånvaro"): "Du är inte med i något forum",
        ("eva.strand", "/anmäl frånvaro 31 februari"): "Det finns ingen 31 februari",
        ("eva.strand", "/anmäl frånvaro 7 mars"): "Du har inget möte lördagen den 7 mars 2020",
        ("eva.strand", "/anmäl frånvaro 6 mars sjuk"): "Skriv en notering efter ett kolon",
        ("eva.strand", "/anmäl frånvaro 6 mars punkt fem"): "Skriv punkterna med siffror",
        ("eva.strand", "/anmäl frånvaro 6 mars kl 10"): "För en del av mötet skriver du ”till kl 10.00”",
        ("eva.strand", "/anmäl frånvaro 6 mars; ersättare: @per.ek"): "ersättare utses inte",
        ("eva.strand", "/anmäl frånvaro 6 mars; färg: blå"): "Tillägget ”färg” finns inte",
    }
    for (who, text), expected in cases.items():
        said = chat(who, text)
        assert not said.ok, text
        assert expected in flat(said.reply), (text, said.reply)
        assert said.messages == [], text
    assert absences(network) == [] and outbox_count(network) == 0


def test_no_meeting_that_day_lists_the_next_meetings_with_commands(chat) -> None:
    said = chat("eva.strand", "/anmäl frånvaro 7 mars")
    assert "Dina nästa möten:" in said.reply
    assert "LCHNV, fredag 6 mars 2020, kl. 9.30–14.00, Myntgatan 2, Falun, lokal Siljan: skriv /anmäl frånvaro 6 mars" \
        in flat(said.reply)
    assert "/anmäl frånvaro 12 juni" in said.reply


def test_a_meeting_that_has_ended_is_refused(chat, network) -> None:
    said = chat("per.ek", "/anmäl frånvaro 21 februari", now="2020-02-21T16:00")
    assert not said.ok and "är redan avslutat" in said.reply
    assert "fredagen den 21 februari 2020 kl. 13.00–15.00" in said.reply
    assert absences(network) == []
    # a meeting that is still going on can take the rest of it
    said = chat("per.ek", "/anmäl frånvaro 21 februari från kl 14.30", now="2020-02-21T14:00")
    assert said.ok and "från kl. 14.30" in said.reply


def test_substitutes_are_refused_where_the_forum_appoints_none(chat, network) -> None:
    said = chat("per.ek", "/anmäl frånvaro 6 mars punkt 2; ersättare: @johan.sjo: sjuk")
    assert not said.ok
    assert "LCHNV utser inga ersättare" in said.reply and "ersättare utses inte" in said.reply
    assert "ingen frånvaro har anmälts" in said.reply
    assert absences(network) == [] and said.messages == []


# ------------------------------------------------------------------------------------ chair and vice chair


def test_chair_absent_the_vice_chair_is_told_they_lead_without_the_note(chat) -> None:
    said = chat("karin.berg", f"/anmäl frånvaro 6 mars: {NOTE}")
    assert said.ok
    assert "Lars Holm (vice ordförande) har fått veta att hen leder mötet i ditt ställe" in said.reply
    [to_lars] = said.to("lars.holm")
    assert "Du som vice ordförande leder mötet" in to_lars and "Karin Berg" in to_lars
    assert NOTE not in to_lars
    assert NOTE in said.to("maria.lind")[0]
    assert not [m for m in said.to("maria.lind") if "Ingen leder" in m]


def test_chair_absent_for_a_part_the_vice_chair_leads_that_part(chat) -> None:
    said = chat("karin.berg", "/anmäl frånvaro 6 mars till kl 11")
    [to_lars] = said.to("lars.holm")
    assert "leder mötet till kl. 11.00" in to_lars
    # a note-only change does not message the vice chair again
    said = chat("karin.berg", "/anmäl frånvaro 6 mars till kl 11: krock")
    assert said.to("lars.holm") == []


def test_chair_and_vice_chair_both_absent_warns_the_coordinators(chat) -> None:
    chat("lars.holm", "/anmäl frånvaro 6 mars: privat")
    said = chat("karin.berg", "/anmäl frånvaro 6 mars: semester")
    assert said.to("lars.holm") == []  # absent for the whole meeting himself: not told to lead
    warnings = [m for m in said.to("maria.lind") if "Ingen leder mötet" in m]
    assert len(warnings) == 1
    assert "ordföranden Karin Berg (hela mötet) och vice ordföranden Lars Holm (hela mötet)" in flat(warnings[0])
    # Maria Lind also receives the report (one message, issue 17); the warning part never holds a note
    warning = warnings[0].split("Ingen leder mötet")[1]
    assert "privat" not in warning and "semester" not in warning
    assert "ingen ordförande kan leda mötet" in said.reply
    # the same state again warns nobody again
    assert chat("karin.berg", "/anmäl frånvaro 6 mars: semester").messages == []
    # the vice chair withdraws: the coordinators hear that the meeting has a leader again
    back = chat("lars.holm", "/återkalla frånvaro 6 mars")
    assert any("Mötet har en mötesledare igen" in m for m in back.to("maria.lind"))


def test_chair_and_vice_chair_absent_for_different_items_warns_nobody(chat, network) -> None:
    chat("lars.holm", "/anmäl frånvaro 6 mars punkt 1-2")
    said = chat("karin.berg", "/anmäl frånvaro 6 mars punkt 3-4")
    assert not [m for m in said.to("maria.lind") if "Ingen leder" in m]
    assert len(said.to("lars.holm")) == 1


def test_vice_chair_absent_alone_tells_no_leader(chat) -> None:
    said = chat("lars.holm", "/anmäl frånvaro 6 mars")
    assert [who for who, _ in said.messages] == ["maria.lind"]


def test_chair_withdraws_and_the_vice_chair_is_told(chat) -> None:
    chat("karin.berg", "/anmäl frånvaro 6 mars")
    said = chat("karin.berg", "/återkalla frånvaro 6 mars")
    [to_lars] = said.to("lars.holm")
    assert "har återkallat sin frånvaroanmälan" in to_lars and "Du behöver inte leda det" in to_lars


# ------------------------------------------------------------------------------------ privacy and lists


def test_the_note_never_reaches_a_channel_the_agenda_or_the_absence_lines(chat, network) -> None:
    from handlers.agenda import absence_lines, agenda_reply
    from bot.render.text import render_text
    from tests.conftest import at

    said = chat("karin.berg", f"/anmäl frånvaro 6 mars: {NOTE}", channel="lchnv")
    assert said.ok
    assert NOTE not in said.reply  # asked in the channel: the reply does not repeat it
    assert "visas bara för dig och mottagaren" in said.reply
    assert not [who for who, _ in said.messages if who.startswith("#")]
    assert NOTE not in "".join(said.to("lars.holm"))
    with network() as s:
        meeting = s.scalar(select(Meeting).where(Meeting.place.like("Myntgatan%")))
        lines = absence_lines(s, meeting)
        agenda = render_text(agenda_reply(s, meeting, now=at("2020-02-20T09:00")))
    assert lines == ["Karin Berg (Region Dalarna): hela mötet (ordförande; vice ordförande Lars Holm leder)"]
    assert "Karin Berg (Region Dalarna): hela mötet" in agenda and NOTE not in agenda
    dagordning = chat("per.ek", "/dagordning 6 mars")
    assert NOTE not in dagordning.reply + dagordning.sent


def test_absence_lines_show_part_and_substitute(tmp_path, db) -> None:
    from handlers.agenda import absence_lines

    chat = substitutes_chat(tmp_path, db)
    chat("anna.ek", "/anmäl frånvaro 17 december punkt 2-3; ersättare: @bo.lund: sjuk", now="2026-12-01T09:00")
    with db() as s:
        meeting = s.scalar(select(Meeting))
        assert absence_lines(s, meeting) == ["Anna Ek (Region Örebro län): punkt 2–3, ersättare Bo Lund (Region Örebro län)"]


def test_franvaro_shows_notes_to_the_recipient_only(chat) -> None:
    chat("eva.strand", f"/anmäl frånvaro 6 mars till kl 11: {NOTE}")
    chat("karin.berg", "/anmäl frånvaro 6 mars")
    maria = chat("maria.lind", "/frånvaro 6 mars")
    assert maria.ok and "Eva Strand (Avesta kommun): till kl. 11.00" in maria.reply and NOTE in maria.reply
    assert "Karin Berg (Region Dalarna): hela mötet (ordförande; vice ordförande Lars Holm leder)" in maria.reply
    karin = chat("karin.berg", "/frånvaro 6 mars")
    assert karin.ok and "Eva Strand (Avesta kommun): till kl. 11.00" in karin.reply and NOTE not in karin.reply
    lars = chat("lars.holm", "/frånvaro 6 mars")
    assert lars.ok and NOTE not in lars.reply
    in_channel = chat("maria.lind", "/frånvaro 6 mars", channel="lchnv")
    assert in_channel.ok and NOTE not in in_channel.reply
    assert "Skriv /frånvaro 6 mars till mig i en personlig chatt" in " ".join(in_channel.reply.split())


def test_franvaro_refusals_show_franvaro_not_commands_that_withdraw_or_report(chat) -> None:
    """A mistyped /frånvaro is answered with /frånvaro examples: never with /återkalla frånvaro (which would
    withdraw the asker's own absence) or /anmäl frånvaro (which would report one)."""
    for text in ("/frånvaro 6 mars till kl 10", "/frånvaro alla", "/frånvaro 6 mars: alla"):
        said = chat("maria.lind", text)
        assert not said.ok and "/frånvaro 21 februari" in said.reply, (text, said.reply)
        assert "återkalla" not in said.reply and "anmäl" not in said.reply, (text, said.reply)
    said = chat("per.ek", "/återkalla frånvaro alla")
    assert not said.ok and "”/återkalla frånvaro 21 februari”" in said.reply and "anmäl" not in said.reply, said.reply


def test_franvaro_is_refused_to_members_with_who_can(chat) -> None:
    said = chat("per.ek", "/frånvaro 6 mars")
    assert not said.ok
    assert "kan se frånvarolistan" in said.reply and "Karin Berg, Lars Holm, Maria Lind" in said.reply


def test_franvaro_lists_withdrawn_reports_for_the_recipient(chat) -> None:
    chat("eva.strand", "/anmäl frånvaro 6 mars")
    chat("eva.strand", "/återkalla frånvaro 6 mars")
    said = chat("maria.lind", "/frånvaro 6 mars")
    assert "Ingen har anmält frånvaro." in said.reply
    assert "Eva Strand (Avesta kommun): återkallad torsdag 20 februari 2020" in said.reply


def test_help_lists_the_absence_commands(chat) -> None:
    said = chat("per.ek", "/hjälp")
    assert "/anmäl frånvaro [datum]" in said.reply and "/återkalla frånvaro [datum]" in said.reply
    assert "\n/frånvaro [datum]" not in said.reply  # the absence list is for the recipients and the chair
    assert "\n/frånvaro [datum]" in chat("karin.berg", "/hjälp").reply


# ------------------------------------------------------------------------------------ substitutes

SUBSTITUTES_NETWORK = """
timezone: Europe/Stockholm
organisations:
  - {id: region-orebro, name: Region Örebro län, kind: region}
people:
  - {handle: anna.ek, name: Anna Ek, organisation: region-orebro}
  - {handle: bo.lund, name: Bo Lund, organisation: region-orebro}
  - {handle: cilla.ros, name: Cilla Ros, organisation: region-orebro}
  - {handle: dan.alm, name: Dan Alm, organisation: region-orebro}
forums:
  - id: chefsgrupp-hs
    name: Chefsgrupp hälso- och sjukvård
    short: Chefsgrupp HS
    rules:
      substitutes: true
    members:
      - {person: anna.ek}
      - {person: dan.alm, roles: [coordinator, absence_recipient]}
    meetings:
      - {start: "2026-12-17T09:00", end: "2026-12-17T12:00", place: "Teams"}
"""


def substitutes_chat(tmp_path, db):  # type: ignore[no-untyped-def]
    from tests.conftest import Chat, load_network

    path = tmp_path / "network.yaml"
    path.write_text(SUBSTITUTES_NETWORK, encoding="utf-8")
    load_network(db, path)
    return Chat(db)


def test_a_substitute_is_recorded_and_told_where_the_forum_allows_them(tmp_path, db) -> None:
    chat = substitutes_chat(tmp_path, db)
    now = "2026-12-01T09:00"
    said = chat("anna.ek", "/anmäl frånvaro; ersättare: @bo.lund: sjukdom", now=now)
    assert said.ok, said.reply
    assert "Chefsgrupp HS:s möte torsdagen den 17 december 2026 kl. 9.00–12.00 (Teams): hela mötet" in flat(said.reply)
    assert "Bo Lund har fått veta att hen är din ersättare" in said.reply
    [to_bo] = said.to("bo.lund")
    assert "Anna Ek (Region Örebro län) är frånvarande" in to_bo and "sjukdom" not in to_bo
    [to_dan] = said.to("dan.alm")
    assert "Ersättare: Bo Lund (Region Örebro län)" in flat(to_dan) and "Notering: sjukdom" in flat(to_dan)
    with db() as s:
        assert s.scalar(select(Absence)).substitute.handle == "bo.lund"

    # another substitute: the new one is told, the old one released
    said = chat("anna.ek", "/anmäl frånvaro 17 december; ersättare: @cilla.ros: sjukdom", now=now)
    assert "ersättare: Bo Lund (Region Örebro län) → Cilla Ros (Region Örebro län)" in said.reply
    assert len(said.to("cilla.ros")) == 1
    assert "du är inte längre ersättare" in said.to("bo.lund")[0]
    # no substitute any more
    said = chat("anna.ek", "/anmäl frånvaro 17 december; ersättare: ingen: sjukdom", now=now)
    assert "→ ingen" in said.reply and len(said.to("cilla.ros")) == 1
    assert absences(db)[0].substitute_id is None


def test_bad_substitutes_are_refused(tmp_path, db) -> None:
    chat = substitutes_chat(tmp_path, db)
    now = "2026-12-01T09:00"
    assert "din egen ersättare" in chat("anna.ek", "/anmäl frånvaro; ersättare: @anna.ek", now=now).reply
    assert "Jag hittar ingen person ”@nils.x”" in chat("anna.ek", "/anmäl frånvaro; ersättare: @nils.x", now=now).reply
    assert absences(db) == []


def test_withdrawing_releases_the_substitute(tmp_path, db) -> None:
    chat = substitutes_chat(tmp_path, db)
    now = "2026-12-01T09:00"
    chat("anna.ek", "/anmäl frånvaro; ersättare: @bo.lund", now=now)
    said = chat("anna.ek", "/återkalla frånvaro", now=now)
    assert "du behöver inte ersätta" in said.to("bo.lund")[0]
    assert len(said.to("dan.alm")) == 1


def test_the_options_may_be_written_without_their_colon_as_in_every_command(chat, network) -> None:
    """One option grammar (handlers/options.py): '; forum styrgrupp-lchnv' and '; notering …' like '; plats …'."""
    said = chat("per.ek", "/anmäl frånvaro; forum styrgrupp-lchnv; notering tandläkare")
    assert said.ok, said.reply
    assert "från Styrgrupp LCHNV:s möte fredagen den 21 februari 2020" in flat(said.reply)
    [row] = absences(network, "per.ek")
    assert row.note == "tandläkare"


def test_someone_who_has_left_the_forum_reports_no_absence_from_its_meetings(chat, network) -> None:
    assert chat("maria.lind", "/ledamot slutar @eva.strand 20 februari 2020; forum: lchnv").ok
    for text in ("/anmäl frånvaro 6 mars", "/anmäl frånvaro 6 mars; forum: lchnv", "/anmäl frånvaro"):
        said = chat("eva.strand", text, now="2020-02-24T09:00")
        assert not said.ok, said.reply
        assert said.messages == []
    assert absences(network, "eva.strand") == []
    # Per Ek, who sits in both forums, still reports as before.
    assert chat("per.ek", "/anmäl frånvaro 6 mars", now="2020-02-24T09:00").ok


def test_someone_leaving_before_the_meeting_reports_no_absence_from_it(chat, network) -> None:
    assert chat("maria.lind", "/ledamot slutar @eva.strand 1 mars 2020; forum: lchnv").ok
    said = chat("eva.strand", "/anmäl frånvaro 6 mars", now="2020-02-24T09:00")
    assert not said.ok and "Du sitter inte i LCHNV fredagen den 6 mars 2020" in said.reply, said.reply
    assert said.messages == [] and absences(network, "eva.strand") == []
