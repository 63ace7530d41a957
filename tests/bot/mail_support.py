"""A real SMTP server on loopback (aiosmtpd) for the e-mail tests, and helpers to read what it got."""
from __future__ import annotations

import email
import socket
from dataclasses import dataclass, field
from email.message import EmailMessage
from email.policy import default
from typing import Iterator

import pytest
from aiosmtpd.controller import Controller

SECRET = "test-link-secret-0123456789abcdef0123456789"
SENDER = "kansli <kansli@region.example>"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@dataclass
class Inbox:
    """What the server accepted, and the replies it gives to chosen recipients (e.g. '550 …', '451 …')."""

    received: list[tuple[list[str], bytes]] = field(default_factory=list)
    refuse: dict[str, str] = field(default_factory=dict)

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):  # type: ignore[no-untyped-def]
        if address in self.refuse:
            return self.refuse[address]
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server, session, envelope):  # type: ignore[no-untyped-def]
        self.received.append((list(envelope.rcpt_tos), bytes(envelope.original_content or envelope.content)))
        return "250 Message accepted for delivery"

    def messages(self, to: str | None = None) -> list[EmailMessage]:
        out = []
        for rcpts, raw in self.received:
            if to is None or to in rcpts:
                out.append(email.message_from_bytes(raw, policy=default))
        return out  # type: ignore[return-value]


@dataclass
class SmtpServer:
    port: int
    inbox: Inbox


@pytest.fixture
def smtp() -> Iterator[SmtpServer]:
    inbox = Inbox()
    port = free_port()
    controller = Controller(inbox, hostname="127.0.0.1", port=port)
    controller.start()
    try:
        yield SmtpServer(port=port, inbox=inbox)
    finally:
        controller.stop()


def mail_env(port: int, public_url: str = "https://kansli.region.example") -> dict[str, str]:
    """The settings of a kansli with only SMTP configured."""
    return {
        "KANSLI_SMTP_HOST": "127.0.0.1",
        "KANSLI_SMTP_PORT": str(port),
        "KANSLI_SMTP_TLS": "none",
        "KANSLI_MAIL_FROM": SENDER,
        "KANSLI_LINK_SECRET": SECRET,
        "KANSLI_PUBLIC_URL": public_url,
    }


def mail_settings(port: int, **extra: str):  # type: ignore[no-untyped-def]
    from bot.config import load_settings

    values = {**mail_env(port), **extra}
    return load_settings(**values)


def parts(msg: EmailMessage) -> dict[str, list[EmailMessage]]:
    """The leaf parts of a message by content type."""
    out: dict[str, list[EmailMessage]] = {}
    for part in msg.walk():
        if part.is_multipart():
            continue
        out.setdefault(part.get_content_type(), []).append(part)  # type: ignore[arg-type]
    return out
