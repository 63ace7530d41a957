"""Logs: JSON lines with a request id, and never a token, a password or an absence note."""
from __future__ import annotations

import asyncio
import io
import json
import logging
from pathlib import Path
from typing import Iterator

import pytest
from aiohttp import ClientSession, web

from bot.app import build
from bot.config import Settings
from bot.logging_setup import REDACTED, access_logger_class, configure, configure_from_settings, redact
from bot.serve import create_app
from tests.bot.opstools import free_port

NOTE = "sjukskriven efter operation"


@pytest.fixture
def restore_logging() -> Iterator[None]:
    root = logging.getLogger()
    handlers, level = list(root.handlers), root.level
    yield
    for h in list(root.handlers):
        root.removeHandler(h)
    for h in handlers:
        root.addHandler(h)
    root.setLevel(level)


@pytest.mark.parametrize("secret,shown", [
    ("token xoxb-1234567890-0987654321-AbCdEfGhIjKlMnOp", "token " + REDACTED),
    ("SLACK_APP_TOKEN=xapp-1-A0B1C2D3-123456-abcdef", "SLACK_APP_TOKEN=" + REDACTED),
    ("Authorization: Bearer eyJhbGciOiJSUzI1NiJ9.eyJzdWIiOiIxIn0.c2lnbmF0dXJl", "Authorization: "),
    ("connect postgresql+psycopg://kansli:hemligt123@db:5432/kansli", "kansli:" + REDACTED + "@db:5432/kansli"),
    ('{"client_secret": "abc.def~ghi"}', '{"client_secret": "' + REDACTED),
])
def test_tokens_and_passwords_are_masked(secret: str, shown: str) -> None:
    out = redact(secret)
    assert shown in out
    for word in ("1234567890", "A0B1C2D3", "eyJzdWIiOiIxIn0", "hemligt123", "abc.def"):
        assert word not in out


@pytest.mark.parametrize("line", [
    f"command '/anmäl frånvaro 6 mars: {NOTE}' from U123",
    f"command '/anmal franvaro nästa punkt 4-6 ; notering: {NOTE}'",
    f"payload {{'note': '{NOTE}', 'meeting': 3}}",
    f'payload {{"notering": "{NOTE}"}}',
])
def test_absence_notes_are_masked(line: str) -> None:
    assert NOTE not in redact(line)


def test_configured_secrets_are_masked_wherever_they_appear(restore_logging: None) -> None:
    stream = io.StringIO()
    settings = Settings(_env_file=None, MicrosoftAppId="app", MicrosoftAppPassword="Q~vEryS3cret.value",
                        MicrosoftAppTenantId="tenant",
                        SLACK_BOT_TOKEN="xoxb-1", SLACK_SIGNING_SECRET="8f2b9c0d1e", KANSLI_LOG_FORMAT="json")
    configure_from_settings(settings, stream=stream)
    log = logging.getLogger("kansli.test")
    log.warning("auth failed for %s with %s", "Q~vEryS3cret.value", "8f2b9c0d1e")
    try:
        raise RuntimeError("secret in an exception: Q~vEryS3cret.value")
    except RuntimeError:
        log.exception("boom")
    text = stream.getvalue()
    assert "vEryS3cret" not in text and "8f2b9c0d1e" not in text
    lines = [json.loads(line) for line in text.splitlines()]
    assert lines[0]["message"] == f"auth failed for {REDACTED} with {REDACTED}"
    assert "RuntimeError" in lines[1]["exception"]


def test_json_logs_carry_the_request_id_that_the_response_returns(tmp_path: Path, restore_logging: None) -> None:
    stream = io.StringIO()
    configure("json", "INFO", stream=stream)
    services = build(Settings(_env_file=None, KANSLI_DATABASE_URL=f"sqlite:///{tmp_path / 'k.db'}",
                              KANSLI_SCHEDULER=False))
    app = create_app(services)

    async def go() -> list[str]:
        # As web.run_app in bot.serve runs it: an AppRunner with kansli's access logger.
        runner = web.AppRunner(app, access_log_class=access_logger_class())
        await runner.setup()
        port = free_port()
        await web.TCPSite(runner, "127.0.0.1", port).start()
        try:
            async with ClientSession(f"http://127.0.0.1:{port}") as client:
                a = await client.get("/readyz")
                b = await client.get("/healthz", headers={"X-Request-Id": "lb-4711"})
                c = await client.get("/healthz", headers={"X-Request-Id": "inte ok; <script>"})
                return [a.headers["X-Request-Id"], b.headers["X-Request-Id"], c.headers["X-Request-Id"]]
        finally:
            await runner.cleanup()

    first, offered, replaced = asyncio.run(go())
    assert offered == "lb-4711", "a load balancer's id is kept"
    assert replaced != "inte ok; <script>" and len(replaced) == 16
    records = [json.loads(line) for line in stream.getvalue().splitlines()]
    access = [r for r in records if r["logger"] == "aiohttp.access"]
    assert [(r["message"].split()[1], r["request_id"]) for r in access] == [
        ("/readyz", first), ("/healthz", offered), ("/healthz", replaced)]
    assert all({"time", "level", "logger", "message"} <= set(r) for r in records)


def test_reporting_an_absence_logs_no_note_even_at_debug(chat, restore_logging: None) -> None:
    stream = io.StringIO()
    configure("text", "DEBUG", stream=stream)
    said = chat("per.ek", f"/anmäl frånvaro 6 mars: {NOTE}")
    assert said.ok and NOTE in said.to("maria.lind")[0]
    logging.getLogger("kansli.test").debug("handled %s", f"/anmäl frånvaro 6 mars: {NOTE}")
    assert NOTE not in stream.getvalue()
    assert "[notering dold]" in stream.getvalue()
