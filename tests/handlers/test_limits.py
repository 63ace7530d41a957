"""Limits on what people may type: every free-text field, list and number, each refusal naming the limit,
and a refused command changes nothing."""
from __future__ import annotations

from sqlalchemy import func, select

from handlers import limits
from storage.models import Assignment, Attachment, Case

URL = "https://example.se/underlag-{}.pdf"


def count(maker, model) -> int:  # type: ignore[no-untyped-def]
    with maker() as s:
        return s.scalar(select(func.count()).select_from(model))


def test_the_limits_are_the_ones_promised() -> None:
    assert (limits.TITLE_MAX, limits.TEXT_MAX, limits.ATTACHMENTS_MAX) == (300, 10_000, 20)


def test_a_200_kb_forslag_is_refused_naming_the_limit(chat, network) -> None:
    before = count(network, Case)
    said = chat("per.ek", "/anmäl ärende Ny rutin; syfte: beslut; forum: lchnv; förslag: " + "att " * 50_000)
    assert not said.ok and "12 000 tecken" in said.reply and before == count(network, Case)
    said = chat("per.ek", "/anmäl ärende Ny rutin; syfte: beslut; forum: lchnv; förslag: att " + "x" * 10_001)
    assert not said.ok
    assert "Förslaget till beslut är för långt (10 005 tecken); skriv högst 10 000 tecken." in said.reply
    assert chat("per.ek", "/anmäl ärende Ny rutin; syfte: beslut; forum: lchnv; förslag: att " + "x" * 9_000).ok


def test_titles_descriptions_and_attachment_lists_have_limits(chat, network) -> None:
    before = count(network, Case)
    said = chat("per.ek", "/anmäl ärende " + "T" * 301 + "; forum: lchnv")
    assert not said.ok and "högst 300 tecken" in said.reply
    said = chat("per.ek", "/anmäl ärende Rutin; forum: lchnv; beskrivning: " + "b" * 10_001)
    assert not said.ok and "Beskrivningen är för lång" in said.reply and "högst 10 000 tecken" in said.reply
    many = " ".join(URL.format(i) for i in range(21))
    said = chat("per.ek", f"/anmäl ärende Rutin; forum: lchnv; bilaga: {many}")
    assert not said.ok and "högst 20 bilagor" in said.reply
    assert count(network, Case) == before
    twenty = " ".join(URL.format(i) for i in range(20))
    said = chat("per.ek", f"/anmäl ärende Rutin; forum: lchnv; bilaga: {twenty}")
    assert said.ok
    number = said.reply.split("Ärende ", 1)[1].split()[0]
    before_attachments = count(network, Attachment)
    said = chat("maria.lind", f"/beredning {number} dagordning 6 mars; bilaga: {URL.format(99)}")
    assert not said.ok and "högst 20 bilagor" in said.reply and "redan 20" in said.reply
    assert count(network, Attachment) == before_attachments


def test_assignment_titles_and_reasons_have_limits(chat, network) -> None:
    before = count(network, Assignment)
    said = chat("maria.lind", "/uppdrag ny @per.ek " + "u" * 301 + "; senast 1 april; forum: lchnv")
    assert not said.ok and "Uppdragets titel är för lång" in said.reply and "högst 300 tecken" in said.reply
    assert count(network, Assignment) == before


def test_ids_out_of_range_are_refused_in_swedish(chat) -> None:
    for text in ("/uppdrag 99999999999999999999", "/uppdrag klar 99999999999999999999",
                 "/uppdrag förläng 99999999999999999999; senast 1 maj; skäl: mer tid"):
        said = chat("maria.lind", text)
        assert not said.ok, text
        assert "numren går från 1 till 2147483647" in said.reply, said.reply
        assert "Något gick fel" not in said.reply
