"""`kansli export`: the agenda or the minutes of a meeting as DOCX or PDF, for the diarium.

    kansli export dagordning|minnesanteckningar FORUM DATUM [--format docx|pdf|txt] [-o FIL]

The agenda is the latest published version as it was published (the draft, with a note, before
publication); sent minutes are the minutes as they were sent, and `--format txt` writes exactly the
text whose SHA-256 the meeting page shows. The same record gives the same bytes every time: the
files carry the publication or sending time, never the time of the export.

The documents follow the seeds: a heading (Dagordning / Minnesanteckningar), Datum, Dnr when the
meeting has one, the forum, the meeting's day, time and place, attendance for the minutes, and the
numbered items with presenters, texts, attachments, proposals and the "att …" decisions in bold.
Both formats are built from the same list of paragraphs, so they always say the same thing.
Absence notes are never part of them.
"""
from __future__ import annotations

import argparse
import re
import sys
from dataclasses import dataclass
from datetime import date, datetime, timezone
from pathlib import Path
from handlers.i18n import _

FONTS = Path(__file__).with_name("data") / "fonts"
KINDS = {"dagordning": "dagordning", "minnesanteckningar": "minnesanteckningar", "agenda": "dagordning",
         "minutes": "minnesanteckningar"}
FORMATS = ("docx", "pdf", "txt")
FIXED_ZIP_TIME = (1980, 1, 1, 0, 0, 0)


class ExportError(Exception):
    """A Swedish sentence for the operator; the export prints it and exits 1."""


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


# ------------------------------------------------------------------------------------ command


def _find_meeting(session, forum_text: str, when_text: str, *, now: datetime):  # type: ignore[no-untyped-def]
    from sqlalchemy import or_, select

    from bot.dates import parse_when
    from handlers.fmt import format_date, format_date_in_sentence, local
    from handlers.publication import meetings_on_day
    from storage.models import Forum

    wanted = forum_text.strip().lstrip("#")
    forum = session.scalar(
        select(Forum).where(or_(Forum.key == wanted, Forum.short == wanted, Forum.name == wanted))
    )
    if forum is None:
        keys = ", ".join(session.scalars(select(Forum.key).order_by(Forum.key)))
        raise ExportError(_("Det finns inget forum ”{forum_text}”. Ange forumets id: {keys}.",
                            forum_text=forum_text, keys=keys))
    try:
        when = parse_when(when_text, now)
    except ValueError as exc:
        raise ExportError(_("{exc} Ange mötets datum, till exempel 2020-09-25.", exc=exc)) from None
    start = getattr(when, "start", when)
    if isinstance(start, datetime):
        day = local(start).date()
    elif isinstance(start, date):
        day = start
    else:
        raise ExportError(_("”{when_text}” är ingen dag. Ange mötets datum, till exempel 2020-09-25.", when_text=when_text))
    found = [m for m in meetings_on_day(session, forum, day) if not m.cancelled]
    if not found and day > local(now).date() and not re.search(r"\d{4}|\b\d{6}\b", when_text):
        try:
            earlier = day.replace(year=day.year - 1)
            found = [m for m in meetings_on_day(session, forum, earlier) if not m.cancelled]
            day = earlier if found else day
        except ValueError:
            pass
    if not found:
        raise ExportError(
            _("{value} har inget möte {day}. Ange datumet för ett av forumets möten, till "
              "exempel 2020-09-25.",
              value=forum.short or forum.name, day=format_date_in_sentence(day))
        )
    return forum, found[0]


def export(services, kind: str, forum_text: str, when_text: str, *, fmt: str, output: Path,  # type: ignore[no-untyped-def]
           now: datetime) -> list[str]:
    """Write the document; return notes for the operator (Swedish lines)."""
    from handlers.fmt import format_date, format_date_in_sentence, local
    from handlers.minutes import minutes_doc
    from handlers.publication import agenda_doc, published_agenda

    notes: list[str] = []
    exact: str | None = None
    with services.sessionmaker() as session:
        forum, meeting = _find_meeting(session, forum_text, when_text, now=now)
        label = forum.short or forum.name
        day = local(meeting.starts_at).date()
        if kind == "dagordning":
            doc = published_agenda(session, meeting)
            if doc is None:
                doc = agenda_doc(session, meeting)
                notes.append(_("Obs: dagordningen för {label} {day} är inte publicerad ännu; filen är "
                               "arbetsutkastet.",
                               label=label, day=format_date(day, sentence=True)))
            paras = agenda_paras(doc, today=local(now).date(), public_url=services.settings.public_url)
            title = f"Dagordning {label} {day.isoformat()}"
            when = doc.published_at or meeting.agenda_published_at
        else:
            mdoc = minutes_doc(session, meeting, now=now)
            paras = minutes_paras(mdoc)
            title = f"Minnesanteckningar {label} {day.isoformat()}"
            when = meeting.minutes_sent_at
            exact = meeting.minutes_sent_text
            if not mdoc.sent:
                notes.append(
                    _("Obs: minnesanteckningarna för {label} {day} är inte markerade som skickade; "
                      "filen är utkastet.",
                      label=label, day=format_date(day, sentence=True))
                )
    output.parent.mkdir(parents=True, exist_ok=True)
    if fmt == "txt" and exact is not None:
        output.write_text(exact, encoding="utf-8")  # the very text the SHA-256 on the page is taken over
    else:
        {"docx": write_docx, "pdf": write_pdf, "txt": write_txt}[fmt](paras, output, title=title, when=when)
    notes.insert(0, _("Skrev {title} ({day}) till {output}.", title=title, day=format_date(day), output=output))
    return notes


def cmd_export(args: argparse.Namespace) -> int:
    try:
        return _export_command(args)
    except ExportError as exc:
        print(str(exc), file=sys.stderr)
        return 1


def _export_command(args: argparse.Namespace) -> int:
    # Imported here: `python -m bot.cli` runs the CLI as __main__, and a module-level import would load it twice.
    from bot.cli import CliError, parse_now, services_for

    if args.kind.lower() in NETWORK_KINDS:
        return _export_network(args)
    kind = KINDS.get(args.kind.lower())
    if kind is None or not args.forum or not args.datum:
        if kind is not None:
            raise ExportError(_("Ange forum och mötets dag, till exempel: kansli export {kind} lchnv 2020-09-25.", kind=args.kind))
        raise ExportError(_("”{kind}” går inte att exportera. Skriv dagordning eller minnesanteckningar "
                            "(eller nätverk för hela nätverket).",
                            kind=args.kind))
    fmt = (args.format or "").lower().lstrip(".")
    if not fmt and args.output:
        fmt = Path(args.output).suffix.lower().lstrip(".")
    fmt = fmt or "docx"
    if fmt not in FORMATS:
        raise ExportError(_("Formatet ”{fmt}” finns inte. Skriv --format docx, --format pdf eller --format txt.", fmt=fmt))
    try:
        now_arg = parse_now(args.now)
    except CliError as exc:
        raise ExportError(str(exc)) from None
    services = services_for(args)
    now = now_arg or services.clock()
    output = Path(args.output) if args.output else Path(f"{kind}-{args.forum}-{args.datum}.{fmt}".replace(" ", "-"))
    try:
        lines = export(services, kind, args.forum, args.datum, fmt=fmt, output=output, now=now)
    except OSError as exc:
        raise ExportError(_("Filen {output} kunde inte skrivas ({strerror}). Välj en annan plats med -o.",
                            output=output, strerror=exc.strerror)) from None
    for line in lines:
        print(line, file=sys.stdout if line.startswith("Skrev") else sys.stderr)
    return 0


NETWORK_KINDS = ("nätverk", "natverk", "network")


def _export_network(args: argparse.Namespace) -> int:
    """kansli export nätverk [-o FILE]: the network in the format `kansli import` reads (stdout without -o)."""
    from bot.cli import services_for
    from storage.network_export import network_yaml

    services = services_for(args)
    with services.sessionmaker() as session:
        text = network_yaml(session)
    if not args.output:
        sys.stdout.write(text)
        return 0
    try:
        Path(args.output).write_text(text, encoding="utf-8")
    except OSError as exc:
        raise ExportError(_("Filen {output} kunde inte skrivas ({strerror}). Välj en annan plats med -o.",
                            output=args.output, strerror=exc.strerror)) from None
    print(_("Skrev nätverket till {output}. Läs in det med: kansli import {output}", output=args.output))
    return 0


def add_parser(subparsers) -> None:  # type: ignore[no-untyped-def]
    p = subparsers.add_parser(
        "export",
        help=_("skriv ett mötes dagordning eller minnesanteckningar som DOCX eller PDF (för "
               "diariet), eller hela nätverket som en fil för kansli import"),
        description=_("Exempel: kansli export minnesanteckningar lchnv 2020-09-25 --format pdf -o "
                      "lchnv-200925.pdf; kansli export nätverk -o natverk.yaml"),
    )
    p.add_argument("kind", metavar="dagordning|minnesanteckningar|nätverk")
    p.add_argument("forum", metavar="FORUM", nargs="?", help=_("forumets id, till exempel lchnv"))
    p.add_argument("datum", metavar="DATUM", nargs="?", help=_("mötets dag, till exempel 2020-09-25"))
    p.add_argument("--format", metavar="docx|pdf|txt",
                   help=_("filformat; utan det avgör filändelsen, annars docx (txt: texten som skickades)"))
    p.add_argument("-o", "--output", metavar="FIL", help=_("filen att skriva"))
    p.add_argument("--now", metavar="ISO", help=_("låtsas att klockan är denna (för Datum i utkast)"))
    p.set_defaults(func=cmd_export)
