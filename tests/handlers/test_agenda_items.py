"""/punkt: items without a case, sub-items, the published agenda as a record, and decisions on any item."""
from __future__ import annotations

from sqlalchemy import func, select

from storage.models import AgendaItem, AgendaVersion, Decision
from tests.handlers.case_process_helpers import flat


def counts(maker) -> tuple[int, int, int]:  # type: ignore[no-untyped-def]
    with maker() as s:
        return (s.scalar(select(func.count()).select_from(AgendaItem)),
                s.scalar(select(func.count()).select_from(AgendaVersion)),
                s.scalar(select(func.count()).select_from(Decision)))


def items(maker) -> list[tuple[str, str]]:  # type: ignore[no-untyped-def]
    with maker() as s:
        rows = sorted(s.scalars(select(AgendaItem)), key=lambda r: (r.number, r.sub_number or 0))
        return [(r.label, r.title) for r in rows]


def test_items_without_a_case_and_sub_items_reach_members_when_published(chat) -> None:  # type: ignore[no-untyped-def]
    said = chat("maria.lind", "/punkt ny 6 mars Rapport från RSS; föredragande: @eva.strand; text: Läget i länet.")
    assert said.ok, said.reply
    assert "Punkt 5 Rapport från RSS står nu på dagordningen för mötet fredagen den 6 mars 2020" in flat(said.reply)
    said = chat("maria.lind", "/punkt ny 6 mars Ekonomi; under: 4")
    assert said.ok and "Punkt 4.1 Ekonomi" in said.reply
    assert items(chat.maker)[3:] == [("4", "Rapporter och delgivningar"), ("4.1", "Ekonomi"),
                                     ("5", "Rapport från RSS")]
    assert "Rapport från RSS" not in chat("per.ek", "/dagordning 6 mars").reply
    assert chat("maria.lind", "/publicera dagordning 6 mars", now="2020-02-27T10:00").ok
    text = flat(chat("per.ek", "/dagordning 6 mars", now="2020-02-27T11:00").reply)
    assert "4.1 Ekonomi" in text
    assert "5. Rapport från RSS Föredragande: Eva Strand (Avesta kommun) Läget i länet." in text


def test_a_published_item_is_not_moved_or_removed_without_a_new_version(chat) -> None:  # type: ignore[no-untyped-def]
    chat("maria.lind", "/punkt ny 6 mars Rapport från RSS")
    chat("maria.lind", "/punkt ny 6 mars Information om vecka 41")
    assert chat("maria.lind", "/publicera dagordning 6 mars", now="2020-02-27T10:00").ok
    before = (counts(chat.maker), items(chat.maker))
    said = chat("maria.lind", "/punkt flytta 6 5; forum: lchnv", now="2020-02-28T10:00")
    assert not said.ok
    text = flat(said.reply)
    assert "Punkt 5 står i den publicerade dagordningen för LCHNV fredagen den 6 mars 2020 (version 1" in text
    assert "/punkt flytta 6 5; möte: 2020-03-06; forum: lchnv; ny version" in text
    assert "/publicera dagordning" in text
    said = chat("maria.lind", "/punkt ta bort 9; möte: 6 mars", now="2020-02-28T10:00")
    assert not said.ok and "har punkterna 1–6; punkt ”9” finns inte" in said.reply
    assert (counts(chat.maker), items(chat.maker)) == before  # refused: nothing changed

    said = chat("maria.lind", "/punkt flytta 6 5; möte: 2020-03-06; forum: lchnv; ny version", now="2020-02-28T10:00")
    assert said.ok, said.reply
    assert items(chat.maker)[4:] == [("5", "Information om vecka 41"), ("6", "Rapport från RSS")]
    # Members still read version 1 until it is published again.
    member = flat(chat("per.ek", "/dagordning 6 mars", now="2020-02-28T11:00").reply)
    assert member.index("5. Rapport från RSS") < member.index("6. Information om vecka 41")
    draft = flat(chat("maria.lind", "/dagordning 6 mars", now="2020-02-28T11:00").reply)
    assert "5. Information om vecka 41 [ändrad sedan publiceringen]" in draft


def test_decisions_on_standing_items_only_while_the_meeting_is_held(chat) -> None:  # type: ignore[no-untyped-def]
    said = chat("maria.lind", "/beslut punkt 2 6 mars att godkänna dagordningen med tillägg av punkt 7",
                now="2020-03-05T10:00")
    assert not said.ok
    assert "fredag 6 mars 2020, kl. 9.30–14.00 har inte börjat" in flat(said.reply)
    said = chat("maria.lind", "/beslut punkt 2 att godkänna dagordningen med tillägg av punkt 7",
                now="2020-03-06T09:40")
    assert said.ok, said.reply
    minutes = flat(chat("maria.lind", "/minnesanteckningar 6 mars", now="2020-03-06T15:00").reply)
    assert "2. Godkännande av dagordning LCHNV beslutade: att godkänna dagordningen med tillägg av punkt 7" in minutes
    assert chat("maria.lind", "/minnesanteckningar skickade 6 mars", now="2020-03-09T10:00").ok
    said = chat("maria.lind", "/beslut punkt 3 2020-03-06 att lägga till handlingarna", now="2020-03-09T11:00")
    assert not said.ok and "minnesanteckningarna från LCHNV:s möte fredag 6 mars 2020" in flat(said.reply)
    said = chat("maria.lind", "/punkt ny 2020-03-06 Sent tillägg", now="2020-03-09T11:00")
    assert not said.ok and "har varit, och dess dagordning ändras inte längre" in flat(said.reply)


def test_a_forums_standing_items_come_from_the_network_file(db, tmp_path) -> None:  # type: ignore[no-untyped-def]
    from tests.conftest import EXAMPLE, Chat, load_network

    text = EXAMPLE.read_text(encoding="utf-8").replace(
        "      min_meetings_per_year: 5",
        "      min_meetings_per_year: 5\n      standing_items: [Mötets öppnande, Godkännande av dagordning, "
        "Föregående minnesanteckningar, Rapporter och delgivningar, "
        "Rapporter från representanter i nationella nätverk]", 1)
    path = tmp_path / "network.yaml"
    path.write_text(text, encoding="utf-8")
    load_network(db, path)
    chat = Chat(db)
    chat("per.ek", "/anmäl ärende Vecka 41; forum: lchnv")
    said = chat("maria.lind", "/beredning 2020:8 dagordning 6 mars")
    assert said.ok and "som punkt 6" in said.reply
    draft = flat(chat("maria.lind", "/dagordning 6 mars").reply)
    assert "5. Rapporter från representanter i nationella nätverk 6. Vecka 41 (2020:8)" in draft
