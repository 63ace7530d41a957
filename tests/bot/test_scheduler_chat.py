"""Reminders follow what people do in the chat: the commands change the store, the next pass sees it."""
from __future__ import annotations

from tests.bot.reminder_support import Recorder, tick
from tests.conftest import at


def test_marking_the_minutes_sent_in_the_chat_stops_the_minutes_reminders(network, chat) -> None:
    rec = Recorder()
    first = tick(network, rec, at("2020-03-11T08:00"))
    assert [(m.to, m.kinds) for m in first] == [("maria.lind", ["minutes"])]
    said = chat("maria.lind", "/minnesanteckningar skickade 2020-03-06", now="2020-03-12T15:00")
    assert said.ok, said.reply
    assert tick(network, rec, at("2020-03-13T08:00")) == []


def test_the_chair_reporting_absence_sends_the_morning_agenda_to_the_vice_chair(network, chat) -> None:
    said = chat("karin.berg", "/anmäl frånvaro 2020-03-06", now="2020-03-02T10:00")
    assert said.ok, said.reply
    rec = Recorder()
    morning = [m for m in tick(network, rec, at("2020-03-06T07:30")) if m.kinds == ["chair_agenda"]]
    assert [m.to for m in morning] == ["lars.holm"]
    assert "Karin Berg har anmält frånvaro, så du som vice ordförande leder mötet i stället." in morning[0].text
    assert "Karin Berg (Region Dalarna): hela mötet" in morning[0].text


def test_the_chair_withdrawing_the_absence_gets_the_agenda_back(network, chat) -> None:
    assert chat("karin.berg", "/anmäl frånvaro 2020-03-06", now="2020-03-02T10:00").ok
    assert chat("karin.berg", "/återkalla frånvaro 2020-03-06", now="2020-03-03T10:00").ok
    rec = Recorder()
    morning = [m for m in tick(network, rec, at("2020-03-06T07:30")) if m.kinds == ["chair_agenda"]]
    assert [m.to for m in morning] == ["karin.berg"]
