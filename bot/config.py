"""Settings, read once from the environment (and a .env file) and checked at start."""
from __future__ import annotations

from pydantic import Field, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict
from handlers.i18n import _


class SettingsError(ValueError):
    """A missing or inconsistent setting; the message names it in one line."""


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_file=".env", extra="ignore", populate_by_name=True)

    database_url: str = Field("sqlite:///kansli.db", alias="KANSLI_DATABASE_URL")
    host: str = Field("127.0.0.1", alias="KANSLI_HOST")
    port: int = Field(3978, alias="KANSLI_PORT")
    # Address the published pages and calendar links use (https://kansli.example.se).
    public_url: str = Field("", alias="KANSLI_PUBLIC_URL")
    log_format: str = Field("text", alias="KANSLI_LOG_FORMAT")
    log_level: str = Field("INFO", alias="KANSLI_LOG_LEVEL")
    scheduler: bool = Field(True, alias="KANSLI_SCHEDULER")
    absence_note_retention_days: int = Field(30, alias="KANSLI_ABSENCE_NOTE_RETENTION_DAYS")
    # Days a delivered outbox row is kept (what was sent, to whom and when); the scheduler prunes older ones.
    outbox_retention_days: int = Field(90, alias="KANSLI_OUTBOX_RETENTION_DAYS")
    # Worker threads for database work (bot.threads): on PostgreSQL as many commands run at once; SQLite has
    # one writer, so there they take turns whatever the number. The connection pool is sized to match.
    db_threads: int = Field(2, alias="KANSLI_DB_THREADS")
    # Processes `kansli serve` runs on one port (bot.serve): 0 chooses, one per processor core (at most
    # four) on PostgreSQL and always one on SQLite (one writer). The scheduler and Slack Socket Mode run in
    # the first process only.
    workers: int = Field(0, ge=0, alias="KANSLI_WORKERS")

    slack_bot_token: str = Field("", alias="SLACK_BOT_TOKEN")
    slack_signing_secret: str = Field("", alias="SLACK_SIGNING_SECRET")
    slack_app_token: str = Field("", alias="SLACK_APP_TOKEN")
    slack_api_url: str = Field("", alias="SLACK_API_URL")

    microsoft_app_id: str = Field("", alias="MicrosoftAppId")
    microsoft_app_password: str = Field("", alias="MicrosoftAppPassword")
    # Azure creates only single-tenant bots since August 2025; MultiTenant stays for bots registered before.
    microsoft_app_type: str = Field("SingleTenant", alias="MicrosoftAppType")
    microsoft_app_tenant_id: str = Field("", alias="MicrosoftAppTenantId")
    # Serve the Teams endpoint without MicrosoftAppId, unauthenticated, for loopback service URLs only (local tools).
    teams_no_auth: bool = Field(False, alias="KANSLI_TEAMS_NO_AUTH")
    # Which SDK runs the Teams endpoint: the Microsoft 365 Agents SDK or the archived Bot Framework SDK.
    teams_sdk: str = Field("agents", alias="KANSLI_TEAMS_SDK")
    # Where Bot Framework token signing keys are published (OpenID metadata); empty: Microsoft's public cloud.
    # Set for tests (a loopback issuer) and for sovereign clouds.
    teams_openid_metadata_url: str = Field("", alias="KANSLI_TEAMS_OPENID_METADATA_URL")
    # Where kansli gets its own outgoing tokens (the Entra ID login host, without the tenant); empty:
    # https://login.microsoftonline.com. Set for sovereign clouds and for tests (a loopback token service).
    teams_login_url: str = Field("", alias="KANSLI_TEAMS_LOGIN_URL")
    # Base URL of the Bot Framework connector when kansli starts a conversation itself (tests use a stand-in).
    teams_service_url: str = Field("https://smba.trafficmanager.net/emea/", alias="KANSLI_TEAMS_SERVICE_URL")

    # E-mail through the organisation's SMTP relay (empty host: no e-mail).
    smtp_host: str = Field("", alias="KANSLI_SMTP_HOST")
    smtp_port: int = Field(587, alias="KANSLI_SMTP_PORT")
    smtp_user: str = Field("", alias="KANSLI_SMTP_USER")
    smtp_password: str = Field("", alias="KANSLI_SMTP_PASSWORD")
    smtp_tls: str = Field("starttls", alias="KANSLI_SMTP_TLS")
    mail_from: str = Field("", alias="KANSLI_MAIL_FROM")
    # Signs the personal absence links in e-mailed kallelser (HMAC-SHA256); at least 32 characters.
    link_secret: str = Field("", alias="KANSLI_LINK_SECRET")

    @property
    def slack_enabled(self) -> bool:
        return bool(self.slack_bot_token)

    @property
    def email_enabled(self) -> bool:
        return bool(self.smtp_host.strip())

    @model_validator(mode="after")
    def _consistent(self) -> "Settings":
        if self.slack_bot_token and not self.slack_signing_secret and not self.slack_app_token:
            raise ValueError(_("SLACK_BOT_TOKEN är satt men SLACK_SIGNING_SECRET saknas; sätt den från "
                               "Slack-appens Basic Information."))
        if self.slack_signing_secret and not self.slack_bot_token:
            raise ValueError(_("SLACK_SIGNING_SECRET är satt men SLACK_BOT_TOKEN saknas; sätt bot-token (xoxb-…)."))
        if self.slack_app_token and not self.slack_app_token.startswith("xapp-"):
            raise ValueError(_("SLACK_APP_TOKEN ska börja med xapp- (en app-nivå-token för Socket Mode)."))
        if self.microsoft_app_id and not self.microsoft_app_password and self.microsoft_app_type != "UserAssignedMSI":
            raise ValueError(_("MicrosoftAppId är satt men MicrosoftAppPassword saknas."))
        if self.microsoft_app_type == "SingleTenant" and self.microsoft_app_id and not self.microsoft_app_tenant_id:
            raise ValueError(_("MicrosoftAppType=SingleTenant (standard) kräver MicrosoftAppTenantId: sätt katalog-id:t "
                               "(tenant) från Azure-botens app-registrering, eller MicrosoftAppType=MultiTenant för en "
                               "bot registrerad före augusti 2025."))
        if self.teams_no_auth and self.microsoft_app_id:
            raise ValueError(_("KANSLI_TEAMS_NO_AUTH=1 är bara till för provkörning utan MicrosoftAppId; "
                               "ta bort KANSLI_TEAMS_NO_AUTH när MicrosoftAppId är satt."))
        if self.log_format not in ("text", "json"):
            raise ValueError("KANSLI_LOG_FORMAT ska vara text eller json.")
        _check_operations(self)
        return self


LOG_LEVELS = ("DEBUG", "INFO", "WARNING", "ERROR", "CRITICAL")
APP_TYPES = ("MultiTenant", "SingleTenant", "UserAssignedMSI")
TEAMS_SDKS = ("agents", "botbuilder")


def _is_http_url(value: str) -> bool:
    from urllib.parse import urlsplit

    parts = urlsplit(value)
    return parts.scheme in ("http", "https") and bool(parts.netloc)


def _check_operations(s: Settings) -> None:
    """The checks an operator meets at start: each failure is one Swedish line naming the setting."""
    from sqlalchemy.engine import make_url
    from sqlalchemy.exc import ArgumentError

    from storage.db import normalise_url

    example = _("till exempel postgresql://kansli:LÖSENORD@db:5432/kansli eller sqlite:///kansli.db")
    try:
        url = make_url(normalise_url(s.database_url))
    except (ArgumentError, ValueError):
        raise ValueError(_("KANSLI_DATABASE_URL ”{database_url}” är ingen databasadress; skriv {example}.",
                           database_url=_shown(s.database_url), example=example))
    if url.get_backend_name() not in ("sqlite", "postgresql"):
        raise ValueError(_("KANSLI_DATABASE_URL ska vara en PostgreSQL- eller SQLite-adress, {example}.", example=example))
    if not 1 <= s.port <= 65535:
        raise ValueError(_("KANSLI_PORT ska vara ett portnummer mellan 1 och 65535, inte {port}.", port=s.port))
    if s.log_level.upper() not in LOG_LEVELS:
        raise ValueError(_("KANSLI_LOG_LEVEL ska vara en av {LOG_LEVELS}, inte ”{log_level}”.",
                           LOG_LEVELS=', '.join(LOG_LEVELS), log_level=s.log_level))
    if not 0 <= s.absence_note_retention_days <= 3650:
        raise ValueError(_("KANSLI_ABSENCE_NOTE_RETENTION_DAYS ska vara ett antal dagar mellan 0 och 3650 "
                           "(standard 30), inte {absence_note_retention_days}.",
                           absence_note_retention_days=s.absence_note_retention_days))
    if not 1 <= s.outbox_retention_days <= 3650:
        raise ValueError(_("KANSLI_OUTBOX_RETENTION_DAYS ska vara ett antal dagar mellan 1 och 3650 "
                           "(standard 90), inte {days}.", days=s.outbox_retention_days))
    if not 1 <= s.db_threads <= 64:
        raise ValueError(_("KANSLI_DB_THREADS ska vara ett antal trådar mellan 1 och 64 (standard 2), inte {n}.",
                           n=s.db_threads))
    if s.public_url and not _is_http_url(s.public_url):
        raise ValueError(_("KANSLI_PUBLIC_URL ska börja med https:// (till exempel "
                           "https://kansli.example.se), inte ”{public_url}”.",
                           public_url=s.public_url))
    if s.slack_bot_token and not s.slack_bot_token.startswith("xoxb-"):
        raise ValueError(_("SLACK_BOT_TOKEN ska börja med xoxb- (Bot User OAuth Token under OAuth & Permissions)."))
    if s.slack_app_token and not s.slack_bot_token:
        raise ValueError(_("SLACK_APP_TOKEN är satt men SLACK_BOT_TOKEN saknas; sätt bot-token (xoxb-…)."))
    if s.slack_api_url and not _is_http_url(s.slack_api_url):
        raise ValueError(_("SLACK_API_URL ska vara en http(s)-adress, till exempel https://slack.com/api/, "
                           "inte ”{slack_api_url}”.",
                           slack_api_url=s.slack_api_url))
    if s.teams_sdk not in TEAMS_SDKS:
        raise ValueError(_("KANSLI_TEAMS_SDK ska vara en av {choices}, inte ”{sdk}”.",
                           choices=", ".join(TEAMS_SDKS), sdk=s.teams_sdk))
    if s.microsoft_app_type not in APP_TYPES:
        raise ValueError(_("MicrosoftAppType ska vara en av {APP_TYPES}, inte ”{microsoft_app_type}”.",
                           APP_TYPES=', '.join(APP_TYPES), microsoft_app_type=s.microsoft_app_type))
    if s.microsoft_app_password and not s.microsoft_app_id:
        raise ValueError(_("MicrosoftAppPassword är satt men MicrosoftAppId saknas; sätt botens app-id från Azure."))
    if s.teams_login_url and not (s.teams_login_url.startswith("https://") and _is_http_url(s.teams_login_url)):
        raise ValueError(_("KANSLI_TEAMS_LOGIN_URL ska vara en https-adress, till exempel "
                           "https://login.microsoftonline.us, inte ”{url}”.", url=s.teams_login_url))
    if not _is_http_url(s.teams_service_url):
        raise ValueError(_("KANSLI_TEAMS_SERVICE_URL ska vara en https-adress, inte ”{teams_service_url}”.",
                           teams_service_url=s.teams_service_url))
    _check_mail(s)


SMTP_TLS_MODES = ("starttls", "tls", "none")


def _check_mail(s: Settings) -> None:
    """E-mail settings: all or nothing, each problem one Swedish line naming the setting."""
    from email.headerregistry import Address
    from email.utils import parseaddr

    if not s.email_enabled:
        for name, value in (("KANSLI_SMTP_USER", s.smtp_user), ("KANSLI_MAIL_FROM", s.mail_from)):
            if value:
                raise ValueError(_("{name} är satt men KANSLI_SMTP_HOST saknas; ange e-postservern (till exempel "
                                   "smtp.region.se) eller ta bort {name}.",
                                   name=name))
        return
    if not 1 <= s.smtp_port <= 65535:
        raise ValueError(_("KANSLI_SMTP_PORT ska vara ett portnummer mellan 1 och 65535 (vanligen 587), "
                           "inte {smtp_port}.",
                           smtp_port=s.smtp_port))
    if s.smtp_tls not in SMTP_TLS_MODES:
        raise ValueError(_("KANSLI_SMTP_TLS ska vara starttls, tls eller none, inte ”{smtp_tls}”.", smtp_tls=s.smtp_tls))
    if s.smtp_user and not s.smtp_password:
        raise ValueError(_("KANSLI_SMTP_USER är satt men KANSLI_SMTP_PASSWORD saknas."))
    if s.smtp_password and not s.smtp_user:
        raise ValueError(_("KANSLI_SMTP_PASSWORD är satt men KANSLI_SMTP_USER saknas."))
    _name, addr = parseaddr(s.mail_from)
    try:
        Address(addr_spec=addr)
        ok = "@" in addr and not any(c in s.mail_from for c in "\r\n")
    except (ValueError, IndexError):
        ok = False
    if not ok:
        raise ValueError(_("KANSLI_MAIL_FROM ska vara avsändaradressen, till exempel ”kansli "
                           "<kansli@region.se>”, inte ”{mail_from}”.",
                           mail_from=s.mail_from))
    if len(s.link_secret) < 32:
        raise ValueError(_("KANSLI_LINK_SECRET ska vara minst 32 tecken när e-post är på (den signerar "
                           "frånvarolänkarna); skapa en med till exempel: openssl rand -hex 32"))
    if not s.public_url:
        raise ValueError(_("KANSLI_PUBLIC_URL saknas; e-posten länkar till Kansli (frånvarolänken), så ange "
                           "adressen, till exempel https://kansli.region.se"))


def _shown(value: str) -> str:
    """A setting's value as shown in an error: never a password."""
    import re

    return re.sub(r"(://[^:/@]+:)[^@]*@", r"\1***@", value)


# Swedish for the type errors pydantic reports (the setting's name is put in front).
_TYPE_ERRORS = {
    "int_parsing": _("ska vara ett heltal"),
    "int_from_float": _("ska vara ett heltal"),
    "bool_parsing": "ska vara true eller false",
    "float_parsing": _("ska vara ett tal"),
    "string_type": "ska vara text",
}


def load_settings(**overrides: object) -> Settings:
    """Read and check the settings; a problem becomes one SettingsError line naming the setting."""
    from pydantic import ValidationError

    try:
        return Settings(**overrides)  # type: ignore[arg-type]
    except ValidationError as exc:
        first = exc.errors()[0]
        loc = ".".join(str(x) for x in first.get("loc", ())) or "inställningarna"
        msg = str(first.get("msg", exc)).removeprefix("Value error, ")
        if first.get("type") in _TYPE_ERRORS:
            msg = _("{value}, inte ”{get}”.", value=_TYPE_ERRORS[first['type']], get=first.get('input'))
        raise SettingsError(msg if not first.get("loc") else f"{loc}: {msg}") from None
