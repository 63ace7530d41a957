"""E-mail through a real SMTP server on loopback (aiosmtpd): what a member's mailbox receives.

Messages are parsed back with the `email` package and invitations with `icalendar`; the outbox is the
real one on SQLite and PostgreSQL.
"""
from __future__ import annotations

import asyncio
import io
from datetime import timedelta

from icalendar import Calendar
from pypdf import PdfReader
from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from bot import addressing
from bot.delivery import ConsoleTransport, Deliverer, PermanentError
from bot.dispatch import Dispatcher, Identity
from bot.ics import meeting_uid
from bot.mail.render import MailConfig
from bot.mail.transport import EmailTransport
from bot.outbox_cli import outbox_rows
from handlers.base import Reply
from storage import outbox
from storage.models import Meeting, Outbox, Person
from tests.bot.mail_support import SECRET, SENDER, free_port, parts, smtp  # noqa: F401
from tests.conftest import at

NOW = at("2020-02-20T09:00")
PUBLIC = "https://kansli.region.example"


# The deliverer's addressing of kansli's platforms, e-mail built with the test's sender and links.
ADDRESSING = addressing.standard(mail=MailConfig(sender=SENDER, public_url=PUBLIC, link_secret=SECRET))


def transport(port: int) -> EmailTransport:
    return EmailTransport(host="127.0.0.1", port=port, tls="none", timeout=5)


class Kansli:
    """The dispatcher with e-mail on and a deliverer with the given transports, as `kansli serve` wires them."""

    def __init__(self, maker: sessionmaker[Session], transports: list) -> None:  # type: ignore[type-arg]
        self.maker = maker
        self.dispatcher = Dispatcher(sessionmaker=maker, clock=lambda: NOW, email=True)
        self.deliverer = Deliverer(sessionmaker=maker, transports=transports, clock=lambda: NOW,
                                   addressing=ADDRESSING)

    def __call__(self, handle: str, text: str, *, now=NOW):  # type: ignore[no-untyped-def]
        outcome = self.dispatcher.run(text, identity=Identity(handle=handle), platform="cli", now=now)
        counts = asyncio.run(self.deliverer.deliver(outcome.outbox_ids, now=now)) if outcome.outbox_ids else {}
        return outcome, counts


def enqueue(maker: sessionmaker[Session], handle: str, reply: Reply, *, kind: str = "note", key: str = "k1") -> int:
    with maker() as s:
        person = s.scalar(select(Person).where(Person.handle == handle))
        row_id = outbox.enqueue(s, key=key, kind=kind, payload=reply.to_dict(), now=NOW, person_id=person.id)
        s.commit()
    assert row_id is not None
    return row_id


def row(maker: sessionmaker[Session], row_id: int) -> Outbox:
    with maker() as s:
        found = s.get(Outbox, row_id)
        assert found is not None
        s.expunge(found)
        return found


def test_a_member_no_chat_reaches_gets_the_message_by_email_with_proper_headers(network, smtp) -> None:  # type: ignore[no-untyped-def]
    reply = Reply(title="Påminnelse: dagordningen för mötet fredag 6 mars 2020",
                  lines=["Skriv <b>/publicera dagordning</b> & publicera."])
    row_id = enqueue(network, "lars.holm", reply, kind="reminder.agenda_deadline")
    deliverer = Deliverer(sessionmaker=network, transports=[transport(smtp.port)], clock=lambda: NOW,
                          addressing=ADDRESSING)
    assert asyncio.run(deliverer.deliver([row_id], now=NOW))["sent"] == 1

    [(rcpts, raw)] = smtp.inbox.received
    assert rcpts == ["lars.holm@example.se"]
    msg = smtp.inbox.messages()[0]
    assert msg["Subject"] == "Påminnelse: dagordningen för mötet fredag 6 mars 2020"
    assert b"Subject: =?utf-8?" in raw  # RFC 2047: å, ä, ö encoded
    assert msg["To"].addresses[0].addr_spec == "lars.holm@example.se"
    assert msg["From"].addresses[0].addr_spec == "kansli@region.example"
    assert msg["Auto-Submitted"] == "auto-generated"
    assert msg["Date"] and msg["Message-ID"].endswith("@region.example>")
    found = parts(msg)
    assert "Skriv <b>/publicera dagordning</b> & publicera." in found["text/plain"][0].get_content()
    html = found["text/html"][0].get_content()
    assert "&lt;b&gt;/publicera dagordning&lt;/b&gt; &amp; publicera." in html and "<b>" not in html
    assert row(network, row_id).transport == "email"


def test_user_text_with_line_breaks_cannot_add_a_header(network, smtp) -> None:  # type: ignore[no-untyped-def]
    kansli = Kansli(network, [transport(smtp.port)])
    outcome, _ = kansli("per.ek", "/anmäl ärende Budget\r\nBcc: evil@attacker.example\r\nX-Evil: 1; forum: lchnv")
    assert outcome.reply.ok, outcome.reply.plain_text()
    with network() as s:
        rows = list(s.scalars(select(Outbox)))
        rows = [r for r in rows if r.person_id is not None]
    # Raised in a chat nobody reaches (only e-mail): the coordinator is told by e-mail.
    assert smtp.inbox.received, [r.last_error for r in rows]
    assert any("Budget" in parts(m)["text/plain"][0].get_content() for m in smtp.inbox.messages("maria.lind@example.se"))
    for rcpts, raw in smtp.inbox.received:
        assert "evil@attacker.example" not in rcpts
        headers = raw.split(b"\r\n\r\n", 1)[0]
        assert b"\nBcc:" not in headers and b"\nX-Evil:" not in headers
    # A title written straight into the outbox with CR/LF is flattened too.
    row_id = enqueue(network, "eva.strand", Reply(title="Ärende\r\nBcc: evil@attacker.example"), key="inj")
    asyncio.run(kansli.deliverer.deliver([row_id], now=NOW))
    msg = smtp.inbox.messages("eva.strand@example.se")[-1]
    assert msg["Bcc"] is None and msg["Subject"] == "Ärende Bcc: evil@attacker.example"


def test_a_refused_recipient_fails_with_the_servers_reason_and_a_down_server_is_retried(network, smtp) -> None:  # type: ignore[no-untyped-def]
    smtp.inbox.refuse["per.ek@example.se"] = "550 5.1.1 Mailbox unavailable"
    smtp.inbox.refuse["eva.strand@example.se"] = "451 4.7.1 Greylisted, try later"
    refused = enqueue(network, "per.ek", Reply(title="Hej"), key="a")
    greylisted = enqueue(network, "eva.strand", Reply(title="Hej"), key="b")
    deliverer = Deliverer(sessionmaker=network, transports=[transport(smtp.port)], clock=lambda: NOW,
                          addressing=ADDRESSING)
    assert asyncio.run(deliverer.deliver([refused, greylisted], now=NOW)) == {"sent": 0, "waiting": 0, "failed": 2}
    failed = row(network, refused)
    assert failed.status == "failed" and "SMTP 550" in (failed.last_error or "")
    assert "Mailbox unavailable" in (failed.last_error or "")
    later = row(network, greylisted)
    assert later.status == "pending" and later.attempts == 1 and later.next_attempt_at > NOW
    assert "SMTP 451" in (later.last_error or "")

    # The server is down: the row waits and is sent once it is back.
    down = enqueue(network, "lars.holm", Reply(title="Hej igen"), key="c")
    offline = Deliverer(sessionmaker=network, transports=[transport(free_port())], clock=lambda: NOW,
                          addressing=ADDRESSING)
    assert asyncio.run(offline.deliver([down], now=NOW))["failed"] == 1
    waiting = row(network, down)
    assert waiting.status == "pending" and waiting.attempts == 1
    later_now = NOW + timedelta(minutes=5)
    assert asyncio.run(deliverer.deliver([down], now=later_now))["sent"] == 1
    assert smtp.inbox.messages("lars.holm@example.se")

    with network() as s:
        listing = {r[1]: r for r in outbox_rows(s, which="all", limit=50)}
    assert listing["per.ek"][3] == "misslyckat" and "SMTP 550" in listing["per.ek"][5]
    assert listing["eva.strand"][3].startswith("väntar, nästa försök")
    assert listing["lars.holm"][3].endswith("(email)")


class Chat:
    """A chat platform in the test: reaches people with a Slack id; refuses some for good."""

    name = "slack"

    def __init__(self, refuse: set[str] = frozenset()) -> None:  # type: ignore[assignment]
        self.refuse = refuse
        self.sent: list[str] = []

    async def send(self, message) -> None:  # type: ignore[no-untyped-def]
        if message.label in self.refuse:
            raise PermanentError("slack: user_disabled")
        self.sent.append(message.label)


def test_chat_first_email_when_chosen_or_when_chat_fails_for_good(network, smtp) -> None:  # type: ignore[no-untyped-def]
    chat = Chat()
    kansli = Kansli(network, [transport(smtp.port), chat])
    a = enqueue(network, "karin.berg", Reply(title="Ett"), key="1")
    asyncio.run(kansli.deliverer.deliver([a], now=NOW))
    assert chat.sent == ["karin.berg"] and not smtp.inbox.received

    outcome, _ = kansli("karin.berg", "/aviseringar båda")
    assert "både chatt och e-post" in outcome.reply.plain_text()
    b = enqueue(network, "karin.berg", Reply(title="Två"), key="2")
    asyncio.run(kansli.deliverer.deliver([b], now=NOW))
    assert chat.sent == ["karin.berg", "karin.berg"] and len(smtp.inbox.messages("karin.berg@example.se")) == 1
    assert row(network, b).transport == "slack+email"

    kansli("karin.berg", "/aviseringar e-post")
    c = enqueue(network, "karin.berg", Reply(title="Tre"), key="3")
    asyncio.run(kansli.deliverer.deliver([c], now=NOW))
    assert len(chat.sent) == 2 and len(smtp.inbox.messages("karin.berg@example.se")) == 2

    kansli("karin.berg", "/aviseringar chatt")
    chat.refuse = {"karin.berg"}
    d = enqueue(network, "karin.berg", Reply(title="Fyra"), key="4")
    asyncio.run(kansli.deliverer.deliver([d], now=NOW))
    assert row(network, d).status == "sent" and row(network, d).transport == "email"
    assert smtp.inbox.messages("karin.berg@example.se")[-1]["Subject"] == "Fyra"

    outcome, _ = kansli("johan.sjo", "/aviseringar kanske")
    assert not outcome.reply.ok and "/aviseringar chatt | e-post | båda" in outcome.reply.plain_text()


def _calendar(msg) -> Calendar:  # type: ignore[no-untyped-def]
    [part] = parts(msg)["text/calendar"]
    return Calendar.from_ical(part.get_content())


def test_kallelse_is_an_invitation_updated_on_republish_move_and_place_and_cancelled(network, smtp) -> None:  # type: ignore[no-untyped-def]
    from handlers.kallelse import sync_invitations

    kansli = Kansli(network, [transport(smtp.port)])
    outcome, counts = kansli("maria.lind", "/publicera dagordning 6 mars")
    assert outcome.reply.ok, outcome.reply.plain_text()
    members = ["karin.berg", "lars.holm", "maria.lind", "per.ek", "eva.strand"]
    assert counts["sent"] == len(members)
    with network() as s:
        meeting = s.scalar(select(Meeting).where(Meeting.starts_at == at("2020-03-06T09:30")))
        uid = meeting_uid(meeting.id, "lchnv")
        meeting_id = meeting.id
    msg = smtp.inbox.messages("per.ek@example.se")[0]
    assert msg["Subject"] == "Kallelse: LCHNV fredag 6 mars 2020"
    [part] = parts(msg)["text/calendar"]
    assert part.get_param("method") == "REQUEST"
    cal = _calendar(msg)
    assert str(cal["method"]) == "REQUEST"
    [event] = cal.walk("VEVENT")
    assert str(event["uid"]) == uid and int(event["sequence"]) == 0
    assert str(event["organizer"]) == "mailto:kansli@region.example"
    assert str(event["attendee"]) == "mailto:per.ek@example.se"
    assert event["attendee"].params["RSVP"] == "TRUE"
    assert event.decoded("dtstart") == at("2020-03-06T09:30")
    assert str(event["location"]) == "Myntgatan 2, Falun, lokal Siljan"
    text = parts(msg)["text/plain"][0].get_content()
    assert "Mötets öppnande" in text or "öppnande" in text.lower()
    assert f"{PUBLIC}/franvaro/" in text

    # Published again: an update with the same UID and a higher SEQUENCE.
    later = NOW + timedelta(hours=1)
    kansli("maria.lind", "/publicera dagordning 6 mars", now=later)
    event = _calendar(smtp.inbox.messages("per.ek@example.se")[-1]).walk("VEVENT")[0]
    assert str(event["uid"]) == uid and int(event["sequence"]) == 1

    # Moved (as `kansli import` moves it) and given a new place: one update, sequence 2.
    with network() as s:
        meeting = s.get(Meeting, meeting_id)
        meeting.starts_at = at("2020-03-06T13:00")
        meeting.ends_at = at("2020-03-06T15:00")
        meeting.place = "Teams"
        ids = sync_invitations(s, now=later)
        assert sync_invitations(s, now=later) == []
        s.commit()
    assert len(ids) == len(members)
    asyncio.run(kansli.deliverer.deliver(ids, now=later))
    event = _calendar(smtp.inbox.messages("per.ek@example.se")[-1]).walk("VEVENT")[0]
    assert int(event["sequence"]) == 2 and str(event["location"]) == "Teams"
    assert event.decoded("dtstart") == at("2020-03-06T13:00")

    # Cancelled: METHOD:CANCEL, same UID, higher SEQUENCE.
    with network() as s:
        s.get(Meeting, meeting_id).cancelled = True
        ids = sync_invitations(s, now=later)
        s.commit()
    asyncio.run(kansli.deliverer.deliver(ids, now=later))
    msg = smtp.inbox.messages("per.ek@example.se")[-1]
    cal = _calendar(msg)
    assert str(cal["method"]) == "CANCEL" and parts(msg)["text/calendar"][0].get_param("method") == "CANCEL"
    event = cal.walk("VEVENT")[0]
    assert str(event["uid"]) == uid and int(event["sequence"]) == 3 and str(event["status"]) == "CANCELLED"
    assert msg["Subject"].startswith("Inställt: LCHNV")


def test_sent_minutes_are_emailed_to_every_member_with_pdf_and_docx(network, smtp) -> None:  # type: ignore[no-untyped-def]
    kansli = Kansli(network, [transport(smtp.port)])
    after = at("2020-03-06T15:00")
    kansli("maria.lind", "/minnesanteckningar 2020-03-06 Mötet hölls i Falun.", now=after)
    outcome, counts = kansli("maria.lind", "/minnesanteckningar skickade 2020-03-06", now=after)
    assert outcome.reply.ok, outcome.reply.plain_text()
    assert counts["sent"] == 5
    msg = smtp.inbox.messages("eva.strand@example.se")[0]
    assert msg["Subject"] == "Minnesanteckningar: LCHNV fredag 6 mars 2020"
    files = {p.get_filename(): p for p in msg.iter_attachments()}
    assert set(files) == {"minnesanteckningar-lchnv-2020-03-06.pdf", "minnesanteckningar-lchnv-2020-03-06.docx"}
    pdf = PdfReader(io.BytesIO(files["minnesanteckningar-lchnv-2020-03-06.pdf"].get_content()))
    assert "Minnesanteckningar" in pdf.pages[0].extract_text()
    assert files["minnesanteckningar-lchnv-2020-03-06.docx"].get_content()[:2] == b"PK"
    assert "text/plain" in parts(msg)


def test_the_terminal_prints_what_it_emails(network, smtp) -> None:  # type: ignore[no-untyped-def]
    stream = io.StringIO()
    deliverer = Deliverer(sessionmaker=network, transports=[transport(smtp.port), ConsoleTransport(stream)],
                          clock=lambda: NOW, addressing=ADDRESSING)
    row_id = enqueue(network, "lars.holm", Reply(title="Hej Lars"))
    asyncio.run(deliverer.deliver([row_id], now=NOW))
    assert "till lars.holm:\nHej Lars" in stream.getvalue()
    assert row(network, row_id).transport == "email" and smtp.inbox.messages("lars.holm@example.se")


def test_with_both_a_failed_email_is_retried_without_repeating_the_chat_message(network, smtp) -> None:  # type: ignore[no-untyped-def]
    chat = Chat()
    kansli = Kansli(network, [transport(smtp.port), chat])
    kansli("karin.berg", "/aviseringar båda")
    smtp.inbox.refuse["karin.berg@example.se"] = "452 4.2.2 Mailbox full"
    row_id = enqueue(network, "karin.berg", Reply(title="Kallelse snart"))
    assert asyncio.run(kansli.deliverer.deliver([row_id], now=NOW))["failed"] == 1
    assert chat.sent == ["karin.berg"]
    first = row(network, row_id)
    assert (first.status, first.transport) == ("pending", "slack") and "SMTP 452" in (first.last_error or "")
    del smtp.inbox.refuse["karin.berg@example.se"]
    assert asyncio.run(kansli.deliverer.deliver([row_id], now=NOW + timedelta(minutes=1)))["sent"] == 1
    assert chat.sent == ["karin.berg"]  # not sent to chat twice
    assert smtp.inbox.messages("karin.berg@example.se")[0]["Subject"] == "Kallelse snart"
    assert row(network, row_id).transport == "slack+email"


def test_a_presenter_from_outside_the_forum_is_invited_too_without_an_absence_link(network, smtp) -> None:  # type: ignore[no-untyped-def]
    kansli = Kansli(network, [transport(smtp.port)])
    outcome, _ = kansli("per.ek", "/anmäl ärende Utvärdering av avtal; syfte: beslut; möte: 6 mars")
    assert outcome.reply.ok, outcome.reply.plain_text()
    outcome, _ = kansli("maria.lind", "/beredning 2020:8 dagordning; föredragande: @johan.sjo")
    assert outcome.reply.ok, outcome.reply.plain_text()
    kansli("maria.lind", "/publicera dagordning 6 mars")
    kallelser = [m for m in smtp.inbox.messages("johan.sjo@example.se") if m["Subject"].startswith("Kallelse")]
    assert len(kallelser) == 1
    text = parts(kallelser[0])["text/plain"][0].get_content()
    assert "Utvärdering av avtal" in text and "/franvaro/" not in text
    assert str(_calendar(kallelser[0]).walk("VEVENT")[0]["attendee"]) == "mailto:johan.sjo@example.se"
    member = [m for m in smtp.inbox.messages("lars.holm@example.se") if m["Subject"].startswith("Kallelse")][0]
    assert "/franvaro/" in parts(member)["text/plain"][0].get_content()
