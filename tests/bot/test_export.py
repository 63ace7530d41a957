"""kansli export: the agenda and the minutes as DOCX and PDF for the diarium, read back."""
from __future__ import annotations

import io
from contextlib import redirect_stderr, redirect_stdout
from pathlib import Path

import pytest
from docx import Document
from pypdf import PdfReader

from bot.cli import main
from bot.export import export
from tests.bot.test_web import services_for
from tests.conftest import at
from tests.pubdata import (
    ASSIGNMENT_TITLE,
    ATTACHMENT_URL,
    DECISION_LINE,
    LATE_CASE,
    PUBLISHED_CASE,
    SECRET_NOTE,
    SECRET_NOTE_2,
    add_published_meeting,
)


def docx_paragraphs(path: Path) -> list:  # type: ignore[type-arg]
    return list(Document(str(path)).paragraphs)


def pdf_text(path: Path) -> str:
    return "\n".join(page.extract_text() for page in PdfReader(str(path)).pages)


def test_minutes_docx_has_heading_date_dnr_numbered_items_and_bold_decisions(network, engine, tmp_path) -> None:  # type: ignore[no-untyped-def]
    add_published_meeting(network, sent=True)
    services = services_for(network, engine, now=at("2020-05-01T09:00"))
    out = tmp_path / "min.docx"
    notes = export(services, "minnesanteckningar", "lchnv", "2020-03-06", fmt="docx", output=out,
                   now=at("2020-05-01T09:00"))
    assert "fredag 6 mars 2020" in notes[0]
    paras = docx_paragraphs(out)
    texts = [p.text for p in paras]
    assert texts[0] == "Minnesanteckningar" and paras[0].style.name == "Title"
    assert "Datum: 2020-03-10" in texts  # the day they were sent
    assert "Dnr: RD20/01035" in texts
    assert "Länsnätverket för förvaltningschefer (LCHNV)" in texts
    assert "fredag 6 mars 2020" in texts
    assert any(t.startswith("Närvarande:") and "Johan Sjö (ersättare för Eva Strand)" in t for t in texts)
    assert any(t.startswith("Frånvarande:") and "Eva Strand" in t for t in texts)
    items = [p.text for p in paras if p.style.name == "Heading 2"]
    assert items[:6] == [
        "1. Mötets öppnande",
        "2. Godkännande av dagordning",
        "3. Föregående minnesanteckningar",
        "4. Rapporter och delgivningar",
        f"5. {PUBLISHED_CASE}",
        f"6. {LATE_CASE}",
    ]
    decision = next(p for p in paras if p.text == DECISION_LINE)
    assert all(run.bold for run in decision.runs)
    decided_by = next(p for p in paras if p.text == "LCHNV beslutade:")
    assert all(run.bold for run in decided_by.runs)
    presenter = next(p for p in paras if p.text.startswith("Föredragande: Per Ek"))
    assert not any(run.bold for run in presenter.runs)
    assert any(ASSIGNMENT_TITLE in t for t in texts)
    whole = "\n".join(texts)
    assert SECRET_NOTE not in whole and SECRET_NOTE_2 not in whole


def test_agenda_docx_has_items_presenters_attachments_and_proposals(network, engine, tmp_path) -> None:  # type: ignore[no-untyped-def]
    add_published_meeting(network)
    services = services_for(network, engine, now=at("2020-03-01T09:00"), public_url="https://kansli.example.se")
    out = tmp_path / "dag.docx"
    export(services, "dagordning", "lchnv", "2020-03-06", fmt="docx", output=out, now=at("2020-03-01T09:00"))
    texts = [p.text for p in docx_paragraphs(out)]
    assert texts[0] == "Dagordning"
    assert "Datum: 2020-02-27" in texts  # the day it was published
    assert "Möte fredag 6 mars 2020" in texts
    assert "Tid: kl. 9.30–14.00" in texts and "Plats: Myntgatan 2, Falun, lokal Siljan" in texts
    assert "Handlingarna finns på: https://kansli.example.se/forum/lchnv/mote/2020-03-06" in texts
    assert f"5. {PUBLISHED_CASE} (2020:3)" in texts
    assert "Föredragande: Per Ek (Borlänge kommun)" in texts
    assert f"Bilaga: Bilaga 18a ({ATTACHMENT_URL})" in texts
    assert "Förslag till beslut" in texts and "att avtalet förlängs till och med 2021-11-30." in texts
    assert texts.index("Tillkommande ärenden") < texts.index(f"6. {LATE_CASE} (2020:4)")
    assert DECISION_LINE not in texts  # an agenda holds proposals, not decisions


def test_minutes_pdf_is_a_pdf_with_the_swedish_text(network, engine, tmp_path) -> None:  # type: ignore[no-untyped-def]
    add_published_meeting(network, sent=True)
    services = services_for(network, engine, now=at("2020-05-01T09:00"))
    out = tmp_path / "min.pdf"
    export(services, "minnesanteckningar", "lchnv", "2020-03-06", fmt="pdf", output=out,
           now=at("2020-05-01T09:00"))
    assert out.read_bytes().startswith(b"%PDF")
    text = pdf_text(out)
    for expected in ("Minnesanteckningar", "Datum: 2020-03-10", "Dnr: RD20/01035", "2. Godkännande av dagordning",
                     f"5. {PUBLISHED_CASE}", "LCHNV beslutade:", DECISION_LINE, "Närvarande:", "Frånvarande:"):
        assert expected in text, expected
    assert SECRET_NOTE not in text and SECRET_NOTE_2 not in text


def test_agenda_pdf_renders(network, engine, tmp_path) -> None:  # type: ignore[no-untyped-def]
    add_published_meeting(network)
    services = services_for(network, engine, now=at("2020-03-01T09:00"))
    out = tmp_path / "dag.pdf"
    export(services, "dagordning", "lchnv", "2020-03-06", fmt="pdf", output=out, now=at("2020-03-01T09:00"))
    text = pdf_text(out)
    assert text.startswith("Dagordning") and "Föredragande: Per Ek" in text and "Tillkommande ärenden" in text


def run_cli(*args: str) -> tuple[int, str, str]:
    out, err = io.StringIO(), io.StringIO()
    with redirect_stdout(out), redirect_stderr(err):
        code = main(list(args))
    return code, out.getvalue(), err.getvalue()


def test_cli_export_writes_the_file_and_refuses_bad_input_in_swedish(tmp_path, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    monkeypatch.setenv("KANSLI_DATABASE_URL", f"sqlite:///{tmp_path / 'k.db'}")
    monkeypatch.chdir(tmp_path)
    code, out, _ = run_cli("import", str(Path(__file__).resolve().parents[2] / "bot" / "data" / "example-network.yaml"))
    assert code == 0

    code, out, err = run_cli("export", "minnesanteckningar", "lchnv", "2020-09-25", "--format", "pdf", "-o", "m.pdf",
                             "--now", "2020-09-28T10:00")
    assert code == 0, err
    assert "fredag 25 september 2020" in out
    assert "inte markerade som skickade" in err  # a draft is flagged to the operator
    assert (tmp_path / "m.pdf").read_bytes().startswith(b"%PDF")

    code, out, err = run_cli("export", "dagordning", "lchnv", "2020-09-25", "-o", "d.docx")
    assert code == 0 and (tmp_path / "d.docx").exists()

    code, _, err = run_cli("export", "protokoll", "lchnv", "2020-09-25")
    assert code == 1 and "Skriv dagordning eller minnesanteckningar" in err
    code, _, err = run_cli("export", "dagordning", "lchnv", "2020-09-25", "--format", "odt")
    assert code == 1 and "--format docx, --format pdf eller --format txt" in err
    code, _, err = run_cli("export", "dagordning", "okant", "2020-09-25")
    assert code == 1 and "Det finns inget forum ”okant”" in err and "lchnv" in err
    code, _, err = run_cli("export", "dagordning", "lchnv", "2020-09-24")
    assert code == 1 and "inget möte torsdagen den 24 september 2020" in err


@pytest.mark.parametrize("fmt", ["docx", "pdf"])
def test_exported_text_matches_across_formats(network, engine, tmp_path, fmt) -> None:  # type: ignore[no-untyped-def]
    add_published_meeting(network, sent=True)
    services = services_for(network, engine, now=at("2020-05-01T09:00"))
    out = tmp_path / f"m.{fmt}"
    export(services, "minnesanteckningar", "lchnv", "6 mars 2020", fmt=fmt, output=out, now=at("2020-05-01T09:00"))
    text = "\n".join(p.text for p in docx_paragraphs(out)) if fmt == "docx" else pdf_text(out)
    assert "Återkoppling: Lars Holm, senast fredag 25 september 2020" in " ".join(text.split())
