"""`kansli export nätverk` round-trips: after a coordinator has administered the network in chat, the exported
file imported into an empty store gives the same answers, and imported into the store it came from changes
nothing. Each step is a separate `kansli` process, on SQLite files and on PostgreSQL schemas."""
from __future__ import annotations

from contextlib import ExitStack
from pathlib import Path
from typing import Iterator

import pytest
import yaml

from tests.bot.test_case_process_e2e import Kansli
from tests.conftest import EXAMPLE, private_postgres_schema

NOW = "2026-11-20T09:00"
ADMIN = (
    "/möte ny 4 februari, 1 april och 3 juni 2027 kl 9.00–12.00; plats: Falun; dnr: RD 2027/3; forum: lchnv",
    "/möte flytta 1 april till 8 april; forum: lchnv",
    "/möte ställ in 3 juni: för få ärenden; forum: lchnv",
    "/organisation ny falun Falu kommun; typ: kommun",
    "/ledamot ny @anna.berg Anna Berg; organisation: falun; titel: Socialchef; e-post: anna.berg@falun.se; "
    "roll: sekreterare; forum: lchnv",
    "/roll ordförande @lars.holm från 1 januari 2027; forum: lchnv",
    "/roll vice ordförande @anna.berg från 1 januari 2027; forum: lchnv",
    "/ledamot slutar @eva.strand 31 december 2026; forum: lchnv",
    "/ärende 2020:7 ändra; titel: Gemensam vägledning för länets familjecentraler; beskrivning: Från HälSam.",
)
QUESTIONS = {
    "maria.lind": ("/ledamöter; forum: lchnv", "/möten; forum: lchnv", "/ärenden", "/uppdrag alla"),
    "per.ek": ("/ledamöter; forum: styrgrupp-lchnv", "/möten"),
}


@pytest.fixture(params=["sqlite", "postgresql"])
def stores(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[tuple[Kansli, Kansli]]:
    if request.param == "sqlite":
        yield Kansli(f"sqlite:///{tmp_path / 'source.db'}"), Kansli(f"sqlite:///{tmp_path / 'copy.db'}")
        return
    with ExitStack() as stack:
        yield (Kansli(stack.enter_context(private_postgres_schema("exp_src"))),
               Kansli(stack.enter_context(private_postgres_schema("exp_dst"))))


def answers(kansli: Kansli, now: str) -> list[str]:
    """What a coordinator and a member see, each asking in one terminal session."""
    return [kansli.chat(who, now, *lines) for who, lines in QUESTIONS.items()]


def test_the_exported_network_round_trips(stores: tuple[Kansli, Kansli], tmp_path: Path) -> None:
    source, copy = stores
    source.run("import", str(EXAMPLE))
    out = source.chat("maria.lind", NOW, *ADMIN)
    assert "Traceback" not in out and "Jag förstår inte" not in out and "krockar" not in out
    assert "Lars Holm är ordförande i LCHNV från fredagen den 1 januari 2027." in out

    exported = tmp_path / "natverk.yaml"
    assert "Skrev nätverket till" in source.run("export", "nätverk", "-o", str(exported))
    data = yaml.safe_load(exported.read_text(encoding="utf-8"))
    lchnv = next(f for f in data["forums"] if f["id"] == "lchnv")
    karin = next(m for m in lchnv["members"] if m["person"] == "karin.berg")
    assert {"role": "chair", "to": __import__("datetime").date(2026, 12, 31)} in karin["roles"]
    assert any(m.get("cancelled") for m in lchnv["meetings"])
    assert next(p for p in data["people"] if p["handle"] == "anna.berg")["email"] == "anna.berg@falun.se"
    case = next(c for c in data["cases"] if c["number"] == "2020:7")
    assert case["title"] == "Gemensam vägledning för länets familjecentraler"
    assert case["description"] == "Från HälSam."

    # Into the store it came from: nothing changes.
    assert "Inget ändrades" in source.run("import", str(exported))

    # Into an empty store: the same answers, on the day of the export and after the chair's rotation.
    assert "Nya:" in copy.run("import", str(exported))
    assert "Inget ändrades" in copy.run("import", str(exported))
    for now in (NOW, "2027-01-10T09:00"):
        for got, want in zip(answers(copy, now), answers(source, now)):
            assert got == want
    # The calendar feed's SEQUENCE travels too, so subscribed calendars keep the newer event.
    again = tmp_path / "igen.yaml"
    copy.run("export", "nätverk", "-o", str(again))
    assert yaml.safe_load(again.read_text(encoding="utf-8"))["forums"] == data["forums"]
