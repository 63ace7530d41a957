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
from datetime import date, datetime
from pathlib import Path
from handlers.i18n import _
from bot.documents import (  # noqa: F401 - the documents, used through this module too
    FIXED_ZIP_TIME,
    FONTS,
    Para,
    agenda_paras,
    minutes_paras,
    write_docx,
    write_pdf,
    write_txt,
)

KINDS = {"dagordning": "dagordning", "minnesanteckningar": "minnesanteckningar", "agenda": "dagordning",
         "minutes": "minnesanteckningar"}
FORMATS = ("docx", "pdf", "txt")


class ExportError(Exception):
    """A Swedish sentence for the operator; the export prints it and exits 1."""


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
