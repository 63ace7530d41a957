"""Issue 15's "done when": two meetings of the example network run in chat, and meeting 1's records stay
exactly what they were when published and sent, whatever happens to its cases afterwards."""
from __future__ import annotations

import asyncio
import hashlib
from pathlib import Path

from bot.export import export
from handlers import reminders
from tests.bot.test_web import get, services_for
from tests.conftest import at
from tests.handlers.case_process_helpers import flat

TITLE = "Utvärdering av avtal om TN-platser"
LATE = "Vecka 41 – fokus på psykisk ohälsa"


def tick(chat, now: str) -> list[tuple[str, str]]:  # type: ignore[no-untyped-def]
    """`kansli tick --now`: queue what is due and deliver it through the chat's console transport."""
    with chat.maker() as s:
        result = reminders.enqueue_due(s, at(now))
        s.commit()
    start = chat.stream.tell()
    if result.delivery_ids:
        asyncio.run(chat.deliverer.deliver(result.delivery_ids, now=at(now)))
    from tests.conftest import split_sent

    return split_sent(chat.stream.getvalue()[start:])


def records(network, engine, tmp: Path, tag: str) -> dict[str, bytes]:  # type: ignore[no-untyped-def]
    """Meeting 1's page, agenda export and minutes exports, as bytes."""
    now = at("2020-09-01T09:00")
    services = services_for(network, engine, now=now)
    status, page = get(services, "/forum/lchnv/mote/2020-03-06")
    assert status == 200
    out = {"page": page.encode("utf-8")}
    for kind, fmt in (("dagordning", "docx"), ("dagordning", "pdf"), ("minnesanteckningar", "docx"),
                      ("minnesanteckningar", "pdf"), ("minnesanteckningar", "txt")):
        path = tmp / f"{tag}-{kind}.{fmt}"
        export(services, kind, "lchnv", "2020-03-06", fmt=fmt, output=path, now=now)
        out[f"{kind}.{fmt}"] = path.read_bytes()
    return out


def test_two_meetings_in_chat_and_meeting_one_stays_as_published_and_sent(chat, network, engine,  # type: ignore[no-untyped-def]
                                                                          tmp_path) -> None:
    assert chat("per.ek", f"/anmäl ärende {TITLE}; syfte: beslut; möte: 6 mars; föredragande: @eva.strand; "
                          "förslag: att förlänga avtalet till 2021-11-30; beskrivning: Arbetsgruppen har "
                          "utvärderat platserna.", now="2020-02-10T09:00").ok
    assert chat("eva.strand", f"/anmäl ärende {LATE}; forum: lchnv", now="2020-02-10T09:05").ok

    # The case on agenda 1, with who proposes; the agenda published as version 1.
    said = chat("maria.lind", "/beredning 2020:8 dagordning 6 mars; förslagsställare: Styrgruppen",
                now="2020-02-21T10:00")
    assert said.ok and "som punkt 5" in said.reply
    said = chat("maria.lind", "/publicera dagordning 6 mars", now="2020-02-27T10:00")
    assert said.ok, said.reply

    # A decision twelve days before the meeting is refused, with the meeting's time and what to do.
    said = chat("maria.lind", "/beslut 2020:8 att förlänga avtalet", now="2020-02-23T10:00")
    assert not said.ok
    assert "LCHNV:s möte fredag 6 mars 2020, kl. 9.30–14.00 har inte börjat" in flat(said.reply)

    # A late case: in the coordinator's draft, marked; not public until the agenda is published again.
    said = chat("maria.lind", "/beredning 2020:9 dagordning 6 mars", now="2020-03-02T10:00")
    assert said.ok and "tillkommande ärende" in said.reply
    member = flat(chat("per.ek", "/dagordning 6 mars", now="2020-03-02T11:00").reply)
    assert TITLE in member and LATE not in member
    assert "Version 1, publicerad torsdag 27 februari 2020 kl. 10.00 av Maria Lind." in member
    draft = flat(chat("maria.lind", "/dagordning 6 mars", now="2020-03-02T11:00").reply)
    assert f"6. {LATE} (2020:9) – tillkommande ärende [ny sedan publiceringen]" in draft
    # Seed 003's order in chat: presenter, case text, purpose, then who proposes what.
    assert ("Föredragande: Eva Strand (Avesta kommun) Arbetsgruppen har utvärderat platserna. Syfte: Beslut "
            "Styrgruppen föreslår: att förlänga avtalet till 2021-11-30") in draft
    services = services_for(network, engine, now=at("2020-03-02T11:00"))
    assert LATE not in get(services, "/forum/lchnv/mote/2020-03-06")[1]
    feed = get(services, "/forum/lchnv/kalender.ics")[1].replace("\r\n ", "")
    assert "5. Utvärdering av avtal om TN-platser" in feed and "Vecka 41" not in feed

    said = chat("maria.lind", "/publicera dagordning 6 mars", now="2020-03-03T10:00")
    assert said.ok and "version 2" in said.reply
    page = get(services, "/forum/lchnv/mote/2020-03-06")[1]
    assert "<h3>Tillkommande ärenden</h3>" in page and LATE in page
    assert "Tidigare version 1" in page
    assert "6. Vecka 41" in get(services, "/forum/lchnv/kalender.ics")[1].replace("\r\n ", "")

    # The meeting is held: the late case is decided, case 2020:8 is not.
    said = chat("maria.lind", "/beslut 2020:9 att lägga informationen till handlingarna", now="2020-03-06T11:00")
    assert said.ok, said.reply

    # The next working day (Monday) at the reminder time, the coordinator is told, with buttons.
    sent = tick(chat, "2020-03-09T08:00")
    told = [body for who, body in sent if who == "maria.lind"]
    assert told, sent
    text = flat(told[0])
    assert "Punkt 5: 2020:8 " + TITLE in text and "Ej behandlat vid mötet fredagen den 6 mars 2020" in text
    assert "2020:9" not in text  # decided at the meeting
    assert "Till nästa möte" in text and "Åter för beredning" in text and "Avsluta" in text
    assert tick(chat, "2020-03-09T08:00") == []  # told once
    listing = flat(chat("maria.lind", "/ärenden", now="2020-03-09T09:00").reply)
    assert f"2020:8 {TITLE}" in listing and "ej behandlat fredag 6 mars 2020" in listing

    # Minutes sent: stored as sent, with their checksum.
    said = chat("maria.lind", "/minnesanteckningar skickade 6 mars", now="2020-03-10T15:00")
    assert said.ok, said.reply
    before = records(network, engine, tmp_path, "before")
    digest = hashlib.sha256(before["minnesanteckningar.txt"]).hexdigest()
    assert digest.encode() in before["page"]
    said = chat("maria.lind", "/minnesanteckningar tillägg 6 mars punkt 5: Ärendet hann inte behandlas.",
                now="2020-03-11T09:00")
    assert not said.ok and "ändras inte längre" in said.reply

    # "Till nästa möte", exactly as the button runs it: case 2020:8 moves to 12 June; meeting 1 keeps its item.
    buttons = dict(line.strip().split("] → ", 1) for line in told[0].splitlines() if "] → " in line)
    assert buttons["[Till nästa möte"] == "beredning 2020:8 dagordning nästa; forum: lchnv"
    assert buttons["[Åter för beredning"] == "beredning 2020:8 åter; forum: lchnv"
    assert buttons["[Avsluta"] == "avsluta 2020:8; forum: lchnv"
    said = chat("maria.lind", buttons["[Till nästa möte"], now="2020-03-11T09:00")
    assert said.ok and "fredag 12 juni 2020" in said.reply, said.reply
    assert chat("maria.lind", "/publicera dagordning 12 juni", now="2020-06-01T09:00").ok
    said = chat("maria.lind", "/beslut 2020:8 att besluta i enlighet med förslaget", now="2020-06-12T10:00")
    assert said.ok, said.reply
    assert chat("maria.lind", "/minnesanteckningar skickade 12 juni", now="2020-06-15T09:00").ok
    june = flat(chat("maria.lind", "/minnesanteckningar 12 juni", now="2020-06-16T09:00").reply)
    assert "Styrgruppen föreslog: att förlänga avtalet till 2021-11-30" in june
    assert "LCHNV beslutade: att besluta i enlighet med förslaget" in june

    after = records(network, engine, tmp_path, "after")
    for name in before:
        assert after[name] == before[name], f"meeting 1's {name} changed after the case moved on"
    history = flat(chat("maria.lind", "/ärende 2020:8", now="2020-06-16T09:00").reply)
    assert "fredag 6 mars 2020: punkt 5, inget beslut" in history
    assert "fredag 12 juni 2020: punkt 5, beslut" in history
