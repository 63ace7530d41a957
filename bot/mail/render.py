"""Outbox rows as e-mail: a plain-text part always, an HTML part, and what the row's kind calls for.

- any message: text/plain (the same text as the terminal chat) and text/html (escaped), as
  multipart/alternative;
- a kallelse (handlers.kallelse): the agenda, the person's absence link, and an iCalendar invitation
  (text/calendar; method=REQUEST or CANCEL) whose UID is the calendar feed's UID for the meeting;
- sent minutes: the minutes with the PDF and DOCX `kansli export` writes, attached.

Headers: From, To, Subject (RFC 2047 encoded by the SMTP policy), Date, Message-ID, and
Auto-Submitted: auto-generated on reminders. User text never reaches a header unflattened: line
breaks in a title or a name become spaces. Building a message reads the store and runs in the
deliverer's database thread; the SMTP call happens afterwards with no connection held.
"""
from __future__ import annotations

import hashlib
import tempfile
from dataclasses import dataclass
from datetime import datetime, timezone
from email.headerregistry import Address
from email.message import EmailMessage
from email.policy import SMTP
from email.utils import format_datetime, parseaddr
from pathlib import Path
from typing import Any

from jinja2 import Environment, FileSystemLoader, select_autoescape
from sqlalchemy.orm import Session

from bot.mail import links
from bot.render.text import render_text
from handlers.base import Reply
from storage.models import Meeting, Outbox, Person
from handlers.i18n import _, ngettext

TEMPLATES = Path(__file__).resolve().parent.parent / "templates"
_ENV = Environment(loader=FileSystemLoader(str(TEMPLATES)), autoescape=select_autoescape(["html"]),
                   trim_blocks=True, lstrip_blocks=True)
_ENV.globals.update(_=_, ngettext=ngettext)  # the template's text comes from the catalogue


@dataclass(frozen=True)
class MailConfig:
    sender: str  # KANSLI_MAIL_FROM, e.g. "kansli <kansli@region.se>"
    public_url: str = ""
    link_secret: str = ""

    @property
    def address(self) -> Address:
        name, addr = parseaddr(self.sender)
        user, __, domain = addr.partition("@")
        return Address(display_name=one_line(name), username=user, domain=domain)

    @property
    def domain(self) -> str:
        return self.address.domain or "kansli.invalid"


def one_line(text: str | None, limit: int = 200) -> str:
    """Text fit for a header: every run of whitespace (CR and LF too) becomes one space."""
    return " ".join(str(text or "").split())[:limit]


def recipient_address(person: Person) -> Address:
    user, __, domain = (person.email or "").strip().partition("@")
    return Address(display_name=one_line(person.name), username=user, domain=domain)


def _message_id(row: Outbox, domain: str) -> str:
    digest = hashlib.sha256(row.key.encode("utf-8")).hexdigest()[:16]
    return f"<kansli.{row.id}.{digest}@{domain}>"


def _html(reply: Reply, *, link: str | None, note: str | None) -> str:
    return _ENV.get_template("mail.html").render(reply=reply, link=link, note=note, title=reply.title or "Kansli")


def build(session: Session, config: MailConfig, person: Person, reply: Reply, row: Outbox, *,
          now: datetime) -> EmailMessage:
    mail: dict[str, Any] = dict((row.payload or {}).get("mail") or {})
    reply = without_buttons(reply)
    kind = mail.get("kind")
    msg = EmailMessage(policy=SMTP)
    msg["From"] = config.address
    msg["To"] = recipient_address(person)
    msg["Subject"] = one_line(reply.title or _subject_for(row.kind), 250)
    msg["Date"] = format_datetime(now.astimezone(timezone.utc))
    msg["Message-ID"] = _message_id(row, config.domain)
    if row.kind.startswith("reminder"):
        msg["Auto-Submitted"] = "auto-generated"
    link = note = None
    meeting = session.get(Meeting, mail["meeting_id"]) if mail.get("meeting_id") else None
    if kind == "kallelse" and meeting is not None and mail.get("method") == "REQUEST":
        link = absence_link(session, config, person, meeting, now=now)
        if link:
            note = _("Kan du inte komma, helt eller delvis? Anmäl frånvaro här (länken är personlig):")
    text = render_text(reply)
    if link:
        text += f"\n\n{note}\n{link}"
    msg.set_content(text + "\n")
    msg.add_alternative(_html(reply, link=link, note=note), subtype="html")
    if kind == "kallelse" and meeting is not None:
        from bot.mail.invitation import invitation

        method = str(mail.get("method") or "REQUEST")
        ics = invitation(session, meeting, config=config, attendee=person, method=method,
                         sequence=int(mail.get("sequence") or 0), now=now)
        msg.add_alternative(ics.decode("utf-8"), subtype="calendar", params={"method": method})
    elif kind == "minutes_mail" and meeting is not None:
        for filename, maintype, subtype, data in minutes_files(session, meeting, config=config, now=now):
            msg.add_attachment(data, maintype=maintype, subtype=subtype, filename=filename)
    return msg


def without_buttons(reply: Reply) -> Reply:
    """E-mail has no chat buttons: a copy of the reply without them (the absence link stands in for one)."""
    copy = Reply.from_dict(reply.to_dict())
    copy.actions = []
    for section in copy.sections:
        section.actions = []
    return copy


def _subject_for(kind: str) -> str:
    from bot.message_kinds import KIND_NAMES

    return "kansli: " + KIND_NAMES.get(kind, "meddelande")


def absence_link(session: Session, config: MailConfig, person: Person, meeting: Meeting, *,
                 now: datetime) -> str | None:
    """The person's signed link for reporting absence from the meeting; only members get one."""
    from handlers.fmt import local
    from storage.queries import roles_of

    if not (config.public_url and config.link_secret):
        return None
    if not roles_of(session, person, meeting.forum, on=local(meeting.starts_at).date()):
        return None
    return links.link(config.public_url, config.link_secret, person_id=person.id, meeting_id=meeting.id,
                      expires=meeting.starts_at, issued=now)


def minutes_files(session: Session, meeting: Meeting, *, config: MailConfig,
                  now: datetime) -> list[tuple[str, str, str, bytes]]:
    """The minutes as PDF and DOCX, the same documents `kansli export minnesanteckningar` writes."""
    from bot.documents import minutes_paras, write_docx, write_pdf
    from handlers.fmt import local
    from handlers.minutes import minutes_doc

    doc = minutes_doc(session, meeting, now=now)
    paras = minutes_paras(doc)
    label = meeting.forum.short or meeting.forum.name
    day = local(meeting.starts_at).date().isoformat()
    title = f"Minnesanteckningar {label} {day}"
    stem = f"minnesanteckningar-{meeting.forum.key}-{day}"
    out = []
    with tempfile.TemporaryDirectory(prefix="kansli-mail-") as tmp:
        pdf, docx = Path(tmp) / f"{stem}.pdf", Path(tmp) / f"{stem}.docx"
        write_pdf(paras, pdf, title=title)
        write_docx(paras, docx, title=title)
        out.append((pdf.name, "application", "pdf", pdf.read_bytes()))
        out.append((docx.name, "application",
                    "vnd.openxmlformats-officedocument.wordprocessingml.document", docx.read_bytes()))
    return out
