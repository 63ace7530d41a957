"""Logging for kansli: text or JSON lines, a request id per HTTP request, and no secrets.

* `KANSLI_LOG_FORMAT=json` writes one JSON object per line (time, level, logger,
  message, request_id, exception); `text` (the default) writes readable lines.
* Every HTTP request gets a request id: the caller's `X-Request-Id` when it is a
  short token, otherwise a new one. It is sent back in the `X-Request-Id` header
  and is on every log line written while the request is handled.
* Whatever is logged passes through `redact` on the way out: Slack tokens
  (xoxb-, xoxp-, xapp- …), `Bearer …` credentials, the configured secrets
  (Slack signing secret, MicrosoftAppPassword, the database password) and
  absence notes (the text after the colon of an `anmäl frånvaro` command, and
  `note`/`notering` fields) are replaced before anything reaches a log.
"""
from __future__ import annotations

import json
import logging
import re
import sys
import uuid
from contextvars import ContextVar
from datetime import datetime, timezone
from typing import Any, Awaitable, Callable, Iterable

request_id: ContextVar[str | None] = ContextVar("kansli_request_id", default=None)

REDACTED = "[dolt]"
NOTE_REDACTED = "[notering dold]"

_PATTERNS: list[tuple[re.Pattern[str], str]] = [
    # Slack tokens: bot, user, app-level, configuration and refresh tokens.
    (re.compile(r"\bxox[abposre]-[A-Za-z0-9-]+"), REDACTED),
    (re.compile(r"\bxapp-[A-Za-z0-9-]+"), REDACTED),
    # HTTP credentials (Bot Framework JWTs, OAuth tokens) in headers or text.
    (re.compile(r"(?i)\b(bearer|basic)\s+[A-Za-z0-9._~+/=-]{8,}"), r"\1 " + REDACTED),
    (re.compile(r"(?i)(\"?(?:authorization|client_secret|password|passwd|signing_secret|token)\"?\s*[:=]\s*\"?)"
                r"[^\s\",}&]+"), r"\1" + REDACTED),
    # Personal absence links from e-mailed kallelser (bot/mail/links.py): the token is a credential.
    (re.compile(r"(/franvaro/)[A-Za-z0-9._~%-]+"), r"\1" + REDACTED),
    # Passwords in database URLs: scheme://user:password@host
    (re.compile(r"(\b[a-z][a-z0-9+.-]*://[^:/@\s]+:)[^@\s]+@"), r"\1" + REDACTED + "@"),
    # Absence notes: "/anmäl frånvaro …: NOTE" (any spelling the command accepts) and note fields.
    (re.compile(r"(?i)(anm[äa]l\s+fr[åa]nvaro\b[^:\n\"]*?:)[^\n\"]*"), r"\1 " + NOTE_REDACTED),
    (re.compile(r"(?i)(;\s*(?:notering|anteckning|orsak|kommentar|note)\s*:)[^\n\";]*"), r"\1 " + NOTE_REDACTED),
    (re.compile(r"(?i)([\"']?(?:note|notering)[\"']?\s*[:=]\s*)(\"(?:[^\"\\]|\\.)*\"|'(?:[^'\\]|\\.)*')"),
     r"\1'" + NOTE_REDACTED + "'"),
]

# Libraries that at INFO/DEBUG write SQL parameters, result rows or request bodies (message texts,
# absence notes): they stay at WARNING whatever KANSLI_LOG_LEVEL says.
QUIET = ("aiosmtplib", "sqlalchemy", "alembic", "slack_sdk", "slack_bolt", "botbuilder", "botframework", "msrest", "msal",
         "urllib3", "aiohttp.client", "apscheduler.executors", "asyncio")

_secrets: list[str] = []


def set_secrets(values: Iterable[str | None]) -> None:
    """Remember literal secrets from the settings so they are masked wherever they appear."""
    _secrets[:] = sorted({v for v in values if v and len(v) >= 4}, key=len, reverse=True)


def secrets_of(settings: Any) -> list[str]:
    from sqlalchemy.engine import make_url

    values = [
        settings.slack_bot_token,
        settings.slack_signing_secret,
        settings.slack_app_token,
        settings.microsoft_app_password,
        getattr(settings, "smtp_password", None),
        getattr(settings, "link_secret", None),
    ]
    try:
        values.append(make_url(settings.database_url).password)
    except Exception:  # noqa: BLE001 - an unparsable URL holds nothing to hide here
        pass
    return [v for v in values if v]


def redact(text: str) -> str:
    for secret in _secrets:
        if secret in text:
            text = text.replace(secret, REDACTED)
    for pattern, repl in _PATTERNS:
        text = pattern.sub(repl, text)
    return text


class TextFormatter(logging.Formatter):
    def __init__(self) -> None:
        super().__init__("%(asctime)s %(levelname)s %(name)s%(rid)s: %(message)s")

    def format(self, record: logging.LogRecord) -> str:
        rid = getattr(record, "request_id", None) or request_id.get()
        record.rid = f" [{rid}]" if rid else ""
        return redact(super().format(record))


class JsonFormatter(logging.Formatter):
    # Attributes every LogRecord has; anything else was passed with extra= and is logged as a field.
    _STANDARD = set(vars(logging.LogRecord("", 0, "", 0, "", (), None))) | {"message", "asctime", "rid"}

    def format(self, record: logging.LogRecord) -> str:
        out: dict[str, Any] = {
            "time": datetime.fromtimestamp(record.created, timezone.utc).isoformat(timespec="milliseconds"),
            "level": record.levelname,
            "logger": record.name,
            "message": record.getMessage(),
        }
        rid = getattr(record, "request_id", None) or request_id.get()
        if rid:
            out["request_id"] = rid
        for key, value in vars(record).items():
            if key not in self._STANDARD and key not in out and not key.startswith("_"):
                out[key] = value if isinstance(value, (str, int, float, bool, type(None))) else repr(value)
        if record.exc_info:
            out["exception"] = self.formatException(record.exc_info)
        elif record.exc_text:
            out["exception"] = record.exc_text
        if record.stack_info:
            out["stack"] = self.formatStack(record.stack_info)
        return redact(json.dumps(out, ensure_ascii=False, default=str))


def make_formatter(fmt: str) -> logging.Formatter:
    return JsonFormatter() if fmt == "json" else TextFormatter()


def configure(fmt: str = "text", level: str | int = "INFO", *, secrets: Iterable[str] = (),
              stream: Any = None) -> logging.Handler:
    """Install one handler on the root logger (replacing any), writing to stderr by default."""
    set_secrets(secrets)
    handler = logging.StreamHandler(stream or sys.stderr)
    handler.setFormatter(make_formatter(fmt))
    root = logging.getLogger()
    for old in list(root.handlers):
        root.removeHandler(old)
    root.addHandler(handler)
    root.setLevel(level if isinstance(level, int) else level.upper())
    for name in QUIET:
        logging.getLogger(name).setLevel(logging.WARNING)
    return handler


def configure_from_settings(settings: Any, *, stream: Any = None) -> logging.Handler:
    return configure(settings.log_format, settings.log_level, secrets=secrets_of(settings), stream=stream)


# ------------------------------------------------------------------------------------ HTTP


def _request_key() -> Any:
    from aiohttp import web

    key_type = getattr(web, "RequestKey", None)  # aiohttp >= 3.13; plain strings before
    return key_type("kansli_request_id", str) if key_type else "kansli_request_id"


REQUEST_ID_KEY = _request_key()
_REQUEST_ID_OK = re.compile(r"^[A-Za-z0-9._:-]{1,64}$")


def new_request_id(offered: str | None = None) -> str:
    """The caller's id when it is a short plain token (a load balancer's), else a fresh one."""
    if offered and _REQUEST_ID_OK.match(offered):
        return offered
    return uuid.uuid4().hex[:16]


def request_id_middleware():  # type: ignore[no-untyped-def]
    """aiohttp middleware: a request id for the log lines of each request, echoed in X-Request-Id."""
    from aiohttp import web

    @web.middleware
    async def middleware(request: web.Request, handler: Callable[[web.Request], Awaitable[web.StreamResponse]]
                         ) -> web.StreamResponse:
        rid = new_request_id(request.headers.get("X-Request-Id"))
        request[REQUEST_ID_KEY] = rid
        token = request_id.set(rid)
        try:
            try:
                response = await handler(request)
            except web.HTTPException as exc:
                exc.headers["X-Request-Id"] = rid
                raise
            if not response.prepared:
                response.headers["X-Request-Id"] = rid
            return response
        finally:
            request_id.reset(token)

    return middleware


def access_logger_class():  # type: ignore[no-untyped-def]
    """An aiohttp access logger that puts the request id on each access line and never logs query strings."""
    from aiohttp.abc import AbstractAccessLogger

    class AccessLogger(AbstractAccessLogger):
        def log(self, request: Any, response: Any, time: float) -> None:
            self.logger.info(
                "%s %s %s %.0fms", request.method, request.path, response.status, time * 1000,
                extra={"request_id": request.get(REQUEST_ID_KEY), "status": response.status},
            )

        @property
        def enabled(self) -> bool:
            return self.logger.isEnabledFor(logging.INFO)

    return AccessLogger
