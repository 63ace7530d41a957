"""The e-mail transport: outbox rows sent through the organisation's SMTP relay with aiosmtplib.

`prepare` builds the message from the store (bot.mail.render) in the deliverer's database thread;
`send` then talks SMTP on the event loop with no database connection held. The relay's answer
decides what the outbox does: a 4xx reply, a refused connection or a timeout is a TransientError
(tried again with the outbox's back-off), a 5xx reply a PermanentError carrying the server's reason
(listed by `kansli utskick --misslyckade`).
"""
from __future__ import annotations

import asyncio
import logging
from datetime import datetime
from email.message import EmailMessage

import aiosmtplib
from sqlalchemy.orm import Session

from bot.delivery import Outgoing, PermanentError, Recipient, TransientError
from bot.mail.render import MailConfig, build
from handlers.base import Reply
from storage.models import Outbox
from handlers.i18n import _

log = logging.getLogger("kansli.mail")


def classify(exc: Exception) -> Exception:
    """An SMTP failure as the delivery error the outbox understands."""
    if isinstance(exc, aiosmtplib.SMTPRecipientsRefused) and exc.recipients:
        first = exc.recipients[0]
        return classify(first)
    if isinstance(exc, aiosmtplib.SMTPResponseException):
        reason = " ".join(str(exc.message or "").split())[:300]
        text = f"SMTP {exc.code}: {reason}"
        if 500 <= exc.code < 600:
            return PermanentError(text)
        return TransientError(text)
    if isinstance(exc, (aiosmtplib.SMTPException, OSError, asyncio.TimeoutError)):
        return TransientError(_("SMTP-servern svarar inte: {name__}: {exc}", name__=type(exc).__name__, exc=exc))
    return exc


class EmailTransport:
    name = "email"

    def __init__(self, *, host: str, port: int, config: MailConfig, user: str = "", password: str = "",
                 tls: str = "starttls", timeout: float = 30.0) -> None:
        self.host = host
        self.port = port
        self.config = config
        self.user = user
        self.password = password
        self.tls = tls
        self.timeout = timeout

    @classmethod
    def from_settings(cls, settings) -> "EmailTransport":  # type: ignore[no-untyped-def]
        config = MailConfig(sender=settings.mail_from, public_url=settings.public_url,
                            link_secret=settings.link_secret)
        return cls(host=settings.smtp_host, port=settings.smtp_port, config=config, user=settings.smtp_user,
                   password=settings.smtp_password, tls=settings.smtp_tls)

    def can_reach(self, session: Session, recipient: Recipient) -> bool:
        person = recipient.person
        return person is not None and bool(person.email) and not person.erased

    def prepare(self, session: Session, recipient: Recipient, reply: Reply, row: Outbox, *,
                now: datetime) -> Outgoing:
        """The e-mail, built from the store (attachments, calendar invitation) on a database thread."""
        assert recipient.person is not None
        return Outgoing.of(recipient, reply, row, build(session, self.config, recipient.person, reply, row, now=now))

    async def send(self, message: Outgoing) -> None:
        try:
            await aiosmtplib.send(
                message.address,
                hostname=self.host,
                port=self.port,
                username=self.user or None,
                password=self.password or None,
                use_tls=self.tls == "tls",
                start_tls=True if self.tls == "starttls" else False,
                timeout=self.timeout,
            )
        except Exception as exc:  # noqa: BLE001 - mapped to what the outbox understands
            mapped = classify(exc)
            if mapped is exc:
                raise
            raise mapped from exc

