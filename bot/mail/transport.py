"""The e-mail transport: outbox rows sent through the organisation's SMTP relay with aiosmtplib.

The message is built from the store (bot.mail.render) by bot.addressing.EmailAddressing in the
deliverer's database thread; the transport then talks SMTP on the event loop with that message only:
it never sees a Session, and no database connection is held. The relay's answer
decides what the outbox does: a 4xx reply, a refused connection or a timeout is a TransientError
(tried again with the outbox's back-off), a 5xx reply a PermanentError carrying the server's reason
(listed by `kansli utskick --misslyckade`).
"""
from __future__ import annotations

import asyncio
import logging

import aiosmtplib

from bot.delivery import Outgoing, PermanentError, TransientError
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

    def __init__(self, *, host: str, port: int, user: str = "", password: str = "",
                 tls: str = "starttls", timeout: float = 30.0) -> None:
        self.host = host
        self.port = port
        self.user = user
        self.password = password
        self.tls = tls
        self.timeout = timeout

    @classmethod
    def from_settings(cls, settings) -> "EmailTransport":  # type: ignore[no-untyped-def]
        return cls(host=settings.smtp_host, port=settings.smtp_port, user=settings.smtp_user,
                   password=settings.smtp_password, tls=settings.smtp_tls)

    async def send(self, message: Outgoing) -> None:
        """Hand the built e-mail (an EmailMessage) to the relay."""
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

