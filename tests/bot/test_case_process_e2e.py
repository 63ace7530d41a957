"""A real meeting cycle, seed 002 items 6–11, driven through `kansli chat` as separate people.

Every step is a separate `kansli chat` process (the way a user runs it), on a fresh
SQLite file and, when KANSLI_TEST_DATABASE_URL is set (CI sets it), on a fresh
PostgreSQL schema: raise, prepare (one case sent back), publish on time, a late item
and republishing, the meeting day agenda, decisions, an assignment with an
extension, follow-ups, and afterwards everyone asks what is open, until closing.
"""
from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path
from typing import Iterator

import pytest

from tests.conftest import EXAMPLE, ROOT, private_postgres_schema

KANSLI = [sys.executable, "-m", "bot.cli"]


class Kansli:
    def __init__(self, url: str) -> None:
        self.env = dict(os.environ, KANSLI_DATABASE_URL=url, PYTHONPATH=str(ROOT))

    def run(self, *args: str, stdin: str | None = None) -> str:
        out = subprocess.run(KANSLI + list(args), env=self.env, capture_output=True, text=True, timeout=120,
                             input=stdin, cwd=ROOT)
        assert out.returncode == 0, out.stderr
        assert "Traceback" not in out.stdout + out.stderr
        return out.stdout

    def chat(self, who: str, now: str, *lines: str) -> str:
        """Everything one person types at one moment, in one REPL session; the output with spaces folded."""
        out = self.run("chat", "--as", who, "--now", now, stdin="\n".join(lines) + "\n\n")
        return " ".join(out.split())


@pytest.fixture(params=["sqlite", "postgresql"])
def kansli(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Kansli]:
    if request.param == "sqlite":
        yield Kansli(f"sqlite:///{tmp_path / 'kansli.db'}")
        return
    # The CLI commits for real: give it a schema of its own and drop it afterwards.
    with private_postgres_schema("e2e") as url:
        yield Kansli(url)


def assignment_number(output: str, title: str) -> int:
    m = re.search(r"Uppdrag (\d+)(?: till [^:]*)?: " + re.escape(title), output)
    assert m, output
    return int(m.group(1))


def test_a_meeting_cycle_of_seed_002_items_6_to_11(kansli: Kansli) -> None:
    assert "Nya:" in kansli.run("import", str(EXAMPLE))

    # Before: the March meeting gave Johan the assignment on ÖK vuxen, due 31 December 2020.
    out = kansli.chat("maria.lind", "2020-03-06T11:00",
                      "/uppdrag ny @johan.sjo Revidera överenskommelsen om samverkan kring personer med psykisk "
                      "funktionsnedsättning; senast 31 december 2020; forum: lchnv")
    assert "Senast torsdag 31 december 2020" in out
    ok_vuxen = assignment_number(out, "Revidera överenskommelsen")

    # 1. Raising (aktualisering): members raise the cases of items 6–10, the coordinator is told at once.
    out = kansli.chat(
        "per.ek", "2020-08-31T09:00",
        "/anmäl ärende Beslut om ny ordförande och vice ordförande i Länschefsnätverket under 2020; syfte: beslut; "
        "möte: 25 september; föredragande: @maria.lind",
        "/anmäl ärende Beslut om ny kommunrepresentant till Styrgruppen för Länschefsnätverket; syfte: beslut; "
        "möte: 2020-09-25; föredragande: @maria.lind",
    )
    assert "Ärende 2020:8 är anmält till LCHNV" in out and "Ärende 2020:9 är anmält till LCHNV" in out
    assert "Önskat möte: fredag 25 september 2020, kl. 9.30–12.00, Skype" in out
    assert "till maria.lind: Nytt ärende 2020:8 till LCHNV" in out
    assert "[Lägg på dagordningen] → beredning 2020:8 dagordning" in out
    out = kansli.chat(
        "lars.holm", "2020-08-31T10:00",
        "/anmäl ärende Beslut om processledare till Styrgrupp god och nära vård; syfte: beslut; möte: 25/9; "
        "föredragande: @lars.holm; förslag: att Ewa Welén, Avesta kommun, erbjuds tjänsten som processledare",
    )
    assert "Ärende 2020:10 är anmält till LCHNV" in out
    out = kansli.chat(
        "johan.sjo", "2020-09-01T09:00",
        "/anmäl ärende Beslut om förlängd uppdragstid för överenskommelserna om barn och unga respektive vuxna; "
        "syfte: beslut; möte: 25 september; föredragande: @johan.sjo; forum: lchnv; "
        "bilaga: https://example.se/lchnv/200925/styrgruppens-forslag.pdf Styrgruppens förslag; "
        "förslag: att besluta i enlighet med Styrgruppens förslag p 1-2",
        "/anmäl ärende Rapporter från pågående uppdrag; möte: 25 september; forum: lchnv; "
        "bilaga: https://example.se/lchnv/200925/bilaga3.pdf Bilaga 3 https://example.se/lchnv/200925/bilaga4.pdf "
        "Bilaga 4",
    )
    assert "Ärende 2020:11 är anmält" in out and "Ärende 2020:12 är anmält" in out
    out = kansli.chat("eva.strand", "2020-09-02T09:00",
                      "/anmäl ärende Inspirationsdag om god och nära vård; syfte: diskussion; forum: lchnv")
    assert "Ärende 2020:13 är anmält" in out

    # 2. Beredning two weeks before: five cases to the agenda, one back to its sender with the reason.
    out = kansli.chat("maria.lind", "2020-09-11T09:00", "/ärenden; forum: lchnv")
    assert "Aktualiserade – väntar på beredning (6)" in out
    out = kansli.chat(
        "maria.lind", "2020-09-11T09:30",
        "/beredning 2020:8 dagordning",
        "/beredning 2020:9 dagordning",
        "/beredning 2020:10 dagordning",
        "/beredning 2020:11 dagordning; föredragande: @johan.sjo",
        "/beredning 2020:12 dagordning 25 september; föredragande: @johan.sjo",
        "/beredning 2020:13 åter ska först förankras i Styrgrupp GNV",
    )
    assert "står nu på dagordningen för mötet fredag 25 september 2020, kl. 9.30–12.00, Skype som punkt 5" in out
    assert "som punkt 9" in out
    assert "till eva.strand: Ärende 2020:13 går åter för beredning" in out
    assert "Skäl: ska först förankras i Styrgrupp GNV" in out

    # A member cannot publish; the coordinator publishes on time.
    out = kansli.chat("per.ek", "2020-09-16T09:00", "/publicera dagordning 25 september")
    assert "Bara samordnare kan publicera dagordningen. I LCHNV är det Maria Lind." in out
    out = kansli.chat("maria.lind", "2020-09-16T09:00", "/publicera dagordning 25 september")
    assert "Dagordningen för LCHNV:s möte fredagen den 25 september 2020 kl. 9.30–12.00 (Skype) är publicerad" in out
    assert "sista dag enligt arbetsordningen är fredagen den 18 september 2020; den är i tid" in out.lower()
    assert "till #lchnv: Dagordning – LCHNV" in out
    assert "5. Beslut om ny ordförande och vice ordförande i Länschefsnätverket under 2020 (2020:8)" in out

    # 3. Item 11 comes late: a tillkommande ärende, and the agenda is published again (late).
    out = kansli.chat(
        "maria.lind", "2020-09-21T09:00",
        "/anmäl ärende Organisering och samordning av arbetet med kunskapsstyrning; syfte: beslut; "
        "möte: 25 september; föredragande: @johan.sjo; bilaga: https://example.se/lchnv/200925/bilaga5.pdf Bilaga 5",
        "/beredning 2020:14 dagordning",
        "/publicera dagordning 25 september",
    )
    assert "Ärende 2020:14 är anmält till LCHNV" in out
    assert "visas som tillkommande ärende" in out
    assert "publicerad på nytt" in out
    assert "sista dag enligt arbetsordningen var fredagen den 18 september 2020, och den publiceras 1 arbetsdag (3 dagar) " \
           "för sent" in out
    assert "10. Organisering och samordning av arbetet med kunskapsstyrning (2020:14) – tillkommande ärende" in out

    # 4. The meeting day: the chair reads today's agenda.
    out = kansli.chat("karin.berg", "2020-09-25T07:30", "/dagordning")
    assert "fredag 25 september 2020, kl. 9.30–12.00, Skype" in out
    assert "8. Beslut om förlängd uppdragstid" in out
    assert "Förslag till beslut: att besluta i enlighet med Styrgruppens förslag p 1-2" in out
    assert "Bilaga: Bilaga 3 https://example.se/lchnv/200925/bilaga3.pdf" in out

    # 5. The secretary records decisions, the extension (§ 9), an assignment and follow-ups.
    out = kansli.chat(
        "maria.lind", "2020-09-25T10:00",
        "/beslut 2020:8 att utse Karin Berg till ordförande och Lars Holm till vice ordförande i "
        "Länschefsnätverket intill utgången av 2020",
        "/beslut 2020:9 att utse Per Ek, Borlänge kommun, till ny kommunledamot i Styrgruppen",
        "/beslut 2020:10 att Ewa Welén, Avesta kommun, erbjuds tjänsten som processledare för Styrgrupp god och "
        "nära vård; ansvarig: @lars.holm",
        "/beslut 2020:11 att besluta i enlighet med Styrgruppens förslag p 1-2",
        f"/uppdrag förläng {ok_vuxen}; senast 30 juni 2021; skäl: utdragen nomineringsprocess, Covid-situationen "
        "och remissförfarande",
        "/beslut 2020:12 att lägga informationen till handlingarna; att ge Styrgrupp LCHNV i uppdrag att bereda "
        "ärendet om en gemensam vägledning avseende familjecentraler till nästa möte",
        "/uppdrag ny @per.ek Bereda ärendet om gemensam vägledning avseende familjecentraler; senast 6 november "
        "2020; ärende 2020:12",
        "/beslut 2020:14 att lägga informationen till handlingarna; att Styrgruppen initierar en "
        "nomineringsprocess avseende de lokala programområdena",
        "/återkoppling 2020:14 20 november @johan.sjo",
    )
    assert out.count("Beslutet är infört för LCHNV:s möte fredag 25 september 2020") == 6
    assert "till lars.holm: Du är ansvarig för ett beslut i ärende 2020:10" in out
    assert f"Uppdrag {ok_vuxen} förlängt till onsdag 30 juni 2021" in out
    assert "i stället för torsdagen den 31 december 2020" in out
    assert "till johan.sjo: Uppdrag " in out
    assert "Senast fredag 6 november 2020" in out
    assert "till per.ek: Nytt uppdrag från LCHNV" in out
    assert "ska återkopplas till LCHNV senast fredagen den 20 november 2020" in out

    # 6. Afterwards everyone can ask what is open.
    out = kansli.chat("johan.sjo", "2020-10-01T09:00", "/uppdrag")
    assert "Förlängt från torsdag 31 december 2020 till onsdag 30 juni 2021, beslutat på mötet fredag 25 september " \
           "2020 – skäl: utdragen nomineringsprocess" in out
    assert "Förlängt från söndag 7 februari 2021 till söndag 31 oktober 2021" in out  # the imported one
    assert "2 öppna uppdrag" in out
    out = kansli.chat("per.ek", "2020-10-01T09:00", "/uppdrag", "/ärende 2020:8")
    assert "Bereda ärendet om gemensam vägledning" in out and "senast: fredag 6 november 2020" in out.lower()
    assert "Status: behandlat" in out
    assert "att utse Karin Berg till ordförande" in out
    out = kansli.chat("eva.strand", "2020-10-01T09:00", "/ärende 2020:13")
    assert "Status: under beredning" in out and "Skäl: ska först förankras i Styrgrupp GNV" in out
    out = kansli.chat("maria.lind", "2020-10-01T09:00", "/ärenden; forum: lchnv", "/uppdrag alla")
    assert "Behandlade (6)" in out
    assert "2020:14 Organisering och samordning av arbetet med kunskapsstyrning – anmält av Maria Lind (Region " \
           "Dalarna) – beslut – möte fredag 25 september 2020 (tillkommande) – återkoppling fredag 20 november 2020 " \
           "(Johan Sjö)" in out
    assert "Under beredning (2)" in out  # 2020:13 sent back, and the imported 2020:7
    assert "3 öppna uppdrag" in out
    out = kansli.chat("karin.berg", "2020-10-01T09:00", "/dagordning 2020-09-25")
    assert "LCHNV beslutade: att Ewa Welén, Avesta kommun, erbjuds tjänsten som processledare" in out

    # 7. Overdue, then closing what is done.
    out = kansli.chat("maria.lind", "2020-11-10T09:00", "/uppdrag försenade")
    assert "Bereda ärendet om gemensam vägledning" in out and "(försenat 4 dagar)" in out
    familjecentraler = assignment_number(out, "Bereda ärendet om gemensam vägledning")
    out = kansli.chat(
        "maria.lind", "2020-11-20T10:00",
        f"/uppdrag klar {familjecentraler}",
        "/återkoppling 2020:14 klar",
        "/avsluta 2020:8",
        "/avsluta 2020:9",
    )
    assert f"Uppdrag {familjecentraler}: Bereda ärendet om gemensam vägledning avseende familjecentraler är klart " \
           "fredagen den 20 november 2020" in out
    assert "Johan Sjö (Region Dalarna) har återkopplat ärende 2020:14" in out
    assert "Ärende 2020:8 Beslut om ny ordförande och vice ordförande i Länschefsnätverket under 2020 är avslutat " \
           "fredagen den 20 november 2020" in out
    assert "till per.ek: Ärende 2020:8 är avslutat" in out
    out = kansli.chat("per.ek", "2020-11-20T11:00", "/uppdrag")
    assert "Du har inga öppna uppdrag." in out
    out = kansli.chat("maria.lind", "2020-11-20T11:00", "/ärenden avslutade; forum: lchnv")
    assert "Avslutade (2)" in out
