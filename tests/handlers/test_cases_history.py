"""The case list, one case with its whole history, and closing a case."""
from __future__ import annotations

from tests.handlers.case_process_helpers import audit_actions, case, flat, snapshot


def whole_cycle(chat) -> None:  # type: ignore[no-untyped-def]
    chat("per.ek", "/anmäl ärende Beslut om processledare; syfte: beslut; möte: 6 mars")
    chat("eva.strand", "/anmäl ärende Rapport från nationellt nätverk; forum: lchnv")
    chat("lars.holm", "/anmäl ärende Inspirationsdag om god och nära vård; syfte: diskussion; forum: lchnv")
    chat("maria.lind", "/beredning 2020:8 dagordning", now="2020-02-21T10:00")
    chat("maria.lind", "/beredning 2020:10 åter förankra i styrgruppen först", now="2020-02-21T10:05")
    chat("maria.lind", "/publicera dagordning 6 mars", now="2020-02-27T09:00")
    chat("maria.lind", "/beslut 2020:8 att erbjuda tjänsten som processledare; ansvarig: @lars.holm",
         now="2020-03-06T10:00")
    chat("maria.lind", "/återkoppling 2020:8 12 juni @lars.holm", now="2020-03-06T10:05")


def test_the_case_list_is_grouped_by_status_with_meeting_and_follow_up(chat) -> None:
    whole_cycle(chat)
    said = chat("maria.lind", "/ärenden; forum: lchnv", now="2020-03-06T12:00")
    text = flat(said.reply)
    assert "Ärendelista – LCHNV" in text
    order = [text.index(h) for h in ("Aktualiserade – väntar på beredning (1)", "Under beredning (2)", "Behandlade (1)")]
    assert order == sorted(order)
    assert ("2020:8 Beslut om processledare – anmält av Per Ek (Borlänge kommun) – beslut – möte fredag 6 mars 2020 "
            "– återkoppling fredag 12 juni 2020 (Lars Holm)") in text
    assert "2020:10 Inspirationsdag om god och nära vård – anmält av Lars Holm (Leksands kommun) – diskussion – " \
           "skäl: förankra i styrgruppen först" in text
    assert "2020:9 Rapport från nationellt nätverk" in text
    only = flat(chat("maria.lind", "/ärenden behandlade; forum: lchnv", now="2020-03-06T12:00").reply)
    assert "2020:8" in only and "2020:9" not in only


def test_the_case_list_is_for_coordinators_secretaries_and_chairs(chat) -> None:
    said = chat("eva.strand", "/ärenden")
    assert not said.ok
    assert "kan se hela ärendelistan" in said.reply and "Maria Lind" in said.reply
    assert chat("karin.berg", "/ärenden; forum: lchnv").ok
    bad = chat("maria.lind", "/ärenden kanske")
    assert not bad.ok and "Jag känner inte igen statusen ”kanske”" in bad.reply


def test_one_case_shows_decisions_follow_ups_and_the_whole_history(chat) -> None:
    whole_cycle(chat)
    said = chat("per.ek", "/ärende 2020:8", now="2020-03-07T09:00")
    assert said.ok, said.reply
    text = flat(said.reply)
    assert "Ärende 2020:8 Beslut om processledare" in text
    assert "Status: behandlat" in text
    assert "fredag 6 mars 2020: att erbjuda tjänsten som processledare. Ansvarig: Lars Holm" in text
    assert "fredag 12 juni 2020: Lars Holm (Leksands kommun)" in text
    history = text.split("Historik")[1]
    steps = ["Per Ek: Aktualiserat av Per Ek för beslut, önskat möte fredag 6 mars 2020",
             "Maria Lind: Lagt på dagordningen för LCHNV:s möte fredag 6 mars 2020",
             "Maria Lind: Dagordningen för mötet fredag 6 mars 2020 publicerades",
             "Maria Lind: Beslut vid mötet fredag 6 mars 2020: att erbjuda tjänsten som processledare",
             "Maria Lind: Återkoppling fredag 12 juni 2020, ansvarig Lars Holm"]
    positions = [history.index(step) for step in steps]
    assert positions == sorted(positions)
    assert "torsdag 20 februari 2020 kl. 9.00 – Per Ek" in history
    # A member sees no coordinator buttons.
    assert said.outcome.reply.actions == []


def test_the_imported_case_has_its_import_in_the_history_and_buttons_for_the_coordinator(chat) -> None:
    said = chat("maria.lind", "/ärende 2020:7")
    text = flat(said.reply)
    assert "Status: under beredning" in text
    assert "Kansli: Importerat från nätverksfilen med status under beredning" in text
    assert [a.command for a in said.outcome.reply.actions] == [
        "beredning 2020:7 dagordning", "beredning 2020:7 åter", "avsluta 2020:7"]
    # An imported case moves on exactly like a raised one.
    assert chat("maria.lind", "/beredning 2020:7 dagordning").ok
    assert case(chat.maker, "2020:7").status == "pa_dagordning"


def test_someone_outside_the_forum_sees_only_the_cases_they_are_part_of(chat) -> None:
    assert chat("johan.sjo", "/ärende 2020:7").ok  # raised it
    chat("per.ek", "/anmäl ärende Internt; forum: lchnv")
    said = chat("johan.sjo", "/ärende 2020:8")
    assert not said.ok and "Ärende 2020:8 är inte ditt" in said.reply and "Internt" not in said.reply


def test_closing_a_case_closes_its_follow_ups_and_tells_the_sender(chat) -> None:
    whole_cycle(chat)
    said = chat("maria.lind", "/avsluta 2020:8 processledaren är på plats", now="2020-06-12T10:00")
    assert said.ok, said.reply
    text = flat(said.reply)
    assert "Ärende 2020:8 Beslut om processledare är avslutat fredagen den 12 juni 2020" in text
    assert "Öppen återkoppling stängdes: fredag 12 juni 2020 (Lars Holm)" in text
    c = case(chat.maker, "2020:8")
    assert c.status == "avslutat" and c.closed_at is not None
    assert "Notering: processledaren är på plats" in said.to("per.ek")[0]
    assert audit_actions(chat.maker)[-1] == "case.close"
    before = snapshot(chat.maker)
    for text in ("/avsluta 2020:8", "/beredning 2020:8 dagordning", "/beslut 2020:8 att x", "/återkoppling 2020:8 klar"):
        again = chat("maria.lind", text, now="2020-06-13T10:00")
        assert not again.ok and "är avslutat" in again.reply, text
    assert snapshot(chat.maker) == before
    assert "2020:8" in flat(chat("maria.lind", "/ärenden avslutade; forum: lchnv").reply)


def test_ärende_avsluta_is_the_same_and_members_may_not(chat) -> None:
    said = chat("per.ek", "/ärende 2020:7 avsluta")
    assert not said.ok and "Bara s" in said.reply
    assert chat("maria.lind", "/ärende 2020:7 avsluta").ok
    assert case(chat.maker, "2020:7").status == "avslutat"
