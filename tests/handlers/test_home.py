"""/översikt — the App Home tab's content: next meetings, open assignments, reported absences."""
from __future__ import annotations


def test_overview_lists_next_meetings_with_an_absence_button(chat) -> None:
    said = chat("per.ek", "/översikt", now="2020-02-20T09:00")
    assert said.ok
    assert "Översikt för Per Ek" in said.reply
    assert "Styrgrupp LCHNV: fredag 21 februari 2020, kl. 13.00–15.00, Teams" in said.reply
    assert "[Anmäl frånvaro] → anmäl frånvaro 2020-03-06; forum: lchnv" in said.reply
    assert "Du har inga öppna uppdrag." in said.reply
    assert "Du har inte anmält någon frånvaro." in said.reply


def test_a_reported_absence_shows_with_its_note_and_a_withdraw_button(chat) -> None:
    assert chat("per.ek", "/anmäl frånvaro 6 mars: tandläkare", now="2020-02-20T09:00").ok
    said = chat("per.ek", "/oversikt", now="2020-02-21T09:00")
    assert "Du har anmält frånvaro: hela mötet." in said.reply
    assert "[Återkalla frånvaro] → återkalla frånvaro 2020-03-06; forum: lchnv" in said.reply
    assert "LCHNV fredag 6 mars 2020: hela mötet (notering: tandläkare)" in said.reply
    # the button's command works as written
    assert chat("per.ek", "återkalla frånvaro 2020-03-06; forum: lchnv", now="2020-02-21T09:05").ok
    assert "Du har inte anmält någon frånvaro." in chat("per.ek", "/översikt", now="2020-02-21T09:10").reply


def test_open_assignments_show_their_current_due_date(chat) -> None:
    said = chat("johan.sjo", "/översikt", now="2021-11-02T09:00")
    assert ("Ta fram länsövergripande överenskommelse om samverkan kring barns och ungas hälsa (LCHNV) – "
            "senast söndag 31 oktober 2021 (försenat), förlängt 1 gång") in said.reply
    assert "Du är inte med i något forum ännu." in said.reply


def test_the_absence_button_on_the_overview_reports_absence(chat) -> None:
    said = chat("eva.strand", "anmäl frånvaro 2020-03-06; forum: lchnv", now="2020-02-20T09:00")
    assert said.ok
    assert "fredag 6 mars 2020" in said.reply
    assert said.to("maria.lind")
