"""The diarium documents (the agenda and the minutes as DOCX, PDF or text), built from one list of paragraphs.

`kansli export` (bot/export.py) writes them to files and the e-mailed minutes (bot/mail/render.py) attach them;
both import them from here, so the mail renderer never imports a command-line module.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timezone
from pathlib import Path

from handlers.i18n import _

FONTS = Path(__file__).with_name("data") / "fonts"
FIXED_ZIP_TIME = (1980, 1, 1, 0, 0, 0)


@dataclass
class Para:
    """One paragraph of an exported document.

    style: title | heading | item | normal | bold | italic | meta
    label: a bold lead-in ("Närvarande:") before the text.
    """

    text: str
    style: str = "normal"
    label: str | None = None


BLOCK_STYLE = {
    "presenter": "italic",
    "late": "italic",
    "purpose": "meta",
    "text": "normal",
    "attachment": "normal",
    "proposal_heading": "bold",
    "proposal": "normal",
    "decided_by": "bold",
    "decision": "bold",
    "meta": "normal",
}


def _block_paras(blocks) -> list[Para]:  # type: ignore[no-untyped-def]
    out = []
    for b in blocks:
        text = b.text
        if b.link is not None and b.link.label != b.link.url:
            text = f"{text} ({b.link.url})"
        out.append(Para(text, BLOCK_STYLE.get(b.kind, "normal")))
    return out


def _head(title: str, day: date, meeting, *, what_line: str) -> list[Para]:  # type: ignore[no-untyped-def]
    paras = [Para(title, "title"), Para(day.isoformat(), label="Datum:")]
    if meeting.dnr:
        paras.append(Para(meeting.dnr, label="Dnr:"))
    name = meeting.forum_name if meeting.forum_label == meeting.forum_name else (
        f"{meeting.forum_name} ({meeting.forum_label})")
    paras.append(Para(name, "heading"))
    paras.append(Para(what_line, "bold"))
    paras.append(Para(meeting.time_text, label="Tid:"))
    if meeting.place:
        paras.append(Para(meeting.place, label="Plats:"))
    return paras


def agenda_paras(doc, *, today: date, public_url: str = "") -> list[Para]:  # type: ignore[no-untyped-def]
    from handlers.publication import item_blocks

    m = doc.meeting
    paras = _head("Dagordning", m.agenda_published or today, m, what_line=_("Möte {date_text}", date_text=m.date_text))
    if public_url:
        paras.append(Para(f"{public_url.rstrip('/')}{m.path}", label=_("Handlingarna finns på:")))
    late_started = False
    for item in doc.items:
        if item.late_addition and not late_started:
            paras.append(Para(_("Tillkommande ärenden"), "heading"))
            late_started = True
        heading = item.heading + (f" ({item.case_number})" if item.case_number else "")
        paras.append(Para(heading, "item"))
        paras += _block_paras([b for b in item_blocks(item) if b.kind != "late"])
    return paras


def minutes_paras(doc) -> list[Para]:  # type: ignore[no-untyped-def]
    from handlers.publication import item_blocks

    m = doc.meeting
    paras = _head("Minnesanteckningar", doc.date, m, what_line=m.date_text)
    present = ", ".join(doc.present) or "–"
    if doc.presenters_below:
        present += _(" samt föredragande enligt nedan")
    paras.append(Para(present + ".", label=_("Närvarande:")))
    paras.append(Para((", ".join(doc.absent) or "–") + ".", label=_("Frånvarande:")))
    paras += [Para(p) for p in doc.notes]
    for item in doc.items:
        paras.append(Para(item.heading, "item"))
        paras += _block_paras(item_blocks(item, decided_by=doc.decided_by, minutes=True))
    if doc.other_assignments:
        paras.append(Para("Uppdrag", "item"))
        paras += [Para(a) for a in doc.other_assignments]
    return paras


# ------------------------------------------------------------------------------------ DOCX


def write_docx(paras: list[Para], path: Path, *, title: str, when: datetime | None = None) -> None:
    import io
    import zipfile

    from docx import Document
    from docx.oxml import OxmlElement
    from docx.oxml.ns import qn
    from docx.shared import Pt

    document = Document()
    document.core_properties.title = title
    document.core_properties.language = "sv-SE"
    document.core_properties.author = "kansli"
    if when is not None:
        stamp = when.astimezone(timezone.utc).replace(tzinfo=None, microsecond=0)
        document.core_properties.created = stamp
        document.core_properties.modified = stamp
        document.core_properties.last_printed = stamp
        document.core_properties.revision = 1
    normal = document.styles["Normal"]
    normal.font.size = Pt(11)
    rpr = normal.element.get_or_add_rPr()
    lang = OxmlElement("w:lang")
    lang.set(qn("w:val"), "sv-SE")
    rpr.append(lang)
    for p in paras:
        if p.style == "title":
            document.add_heading(p.text, level=0)
        elif p.style == "heading":
            document.add_heading(p.text, level=1)
        elif p.style == "item":
            document.add_heading(p.text, level=2)
        else:
            par = document.add_paragraph()
            if p.label:
                par.add_run(p.label + " ").bold = True
            run = par.add_run(p.text)
            run.bold = p.style == "bold"
            run.italic = p.style == "italic"
    raw = io.BytesIO()
    document.save(raw)
    # The same document gives the same bytes: each zip member gets a fixed time instead of the clock's.
    out = io.BytesIO()
    with zipfile.ZipFile(raw) as src, zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as dst:
        for info in src.infolist():
            fixed = zipfile.ZipInfo(info.filename, date_time=FIXED_ZIP_TIME)
            fixed.compress_type = zipfile.ZIP_DEFLATED
            fixed.external_attr = info.external_attr
            dst.writestr(fixed, src.read(info.filename))
    path.write_bytes(out.getvalue())


def write_txt(paras: list[Para], path: Path, *, title: str, when: datetime | None = None) -> None:
    lines = []
    for p in paras:
        if p.style in ("heading", "item") and lines:
            lines.append("")
        lines.append(f"{p.label} {p.text}" if p.label else p.text)
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")


# ------------------------------------------------------------------------------------ PDF


def write_pdf(paras: list[Para], path: Path, *, title: str, when: datetime | None = None) -> None:
    from fpdf import FPDF

    class Doc(FPDF):
        def footer(self) -> None:  # noqa: D401 - fpdf hook
            self.set_y(-15)
            self.set_font("DejaVu", "", 8)
            self.set_text_color(80, 80, 80)
            self.cell(0, 10, f"{title} – sida {self.page_no()} av {{nb}}", align="C")

    pdf = Doc(format="A4")
    pdf.set_margins(22, 20, 22)
    pdf.set_auto_page_break(True, margin=20)
    pdf.add_font("DejaVu", "", str(FONTS / "DejaVuSans.ttf"))
    pdf.add_font("DejaVu", "B", str(FONTS / "DejaVuSans-Bold.ttf"))
    pdf.add_font("DejaVu", "I", str(FONTS / "DejaVuSans-Oblique.ttf"))
    pdf.set_title(title)
    pdf.set_author("kansli")
    pdf.set_lang("sv-SE")
    pdf.set_creator("kansli")
    if when is not None:
        pdf.set_creation_date(when.astimezone(timezone.utc).replace(microsecond=0))
    pdf.add_page()
    width = pdf.epw
    for p in paras:
        pdf.set_text_color(0, 0, 0)
        if p.style == "title":
            pdf.set_font("DejaVu", "B", 20)
            pdf.multi_cell(width, 10, p.text, new_x="LMARGIN", new_y="NEXT")
            pdf.ln(2)
            continue
        if p.style in ("heading", "item"):
            size = 14 if p.style == "heading" else 12
            pdf.ln(4)
            if pdf.will_page_break(size * 2):
                pdf.add_page()
            pdf.set_font("DejaVu", "B", size)
            pdf.multi_cell(width, size * 0.55, p.text, new_x="LMARGIN", new_y="NEXT")
            pdf.ln(1)
            continue
        style = {"bold": "B", "italic": "I"}.get(p.style, "")
        if p.style == "meta":
            pdf.set_text_color(70, 70, 70)
        if p.label:
            pdf.set_font("DejaVu", "B", 10.5)
            pdf.write(5.6, p.label + " ")
            pdf.set_font("DejaVu", style, 10.5)
            pdf.write(5.6, p.text)
            pdf.ln(5.6)
        else:
            pdf.set_font("DejaVu", style, 10.5)
            pdf.multi_cell(width, 5.6, p.text, new_x="LMARGIN", new_y="NEXT")
        pdf.ln(1.2)
    pdf.output(str(path))
