"""Settings, read once from the environment (and a .env file) and checked at start."""
from __future__ import annotations

from pydantic import Field, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict


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

    slack_bot_token: str = Field("", alias="SLACK_BOT_TOKEN")
    slack_signing_secret: str = Field("", alias="SLACK_SIGNING_SECRET")
    slack_app_token: str = Field("", alias="SLACK_APP_TOKEN")
    slack_api_url: str = Field("", alias="SLACK_API_URL")

    microsoft_app_id: str = Field("", alias="MicrosoftAppId")
    microsoft_app_password: str = Field("", alias="MicrosoftAppPassword")
    microsoft_app_type: str = Field("MultiTenant", alias="MicrosoftAppType")
    microsoft_app_tenant_id: str = Field("", alias="MicrosoftAppTenantId")
    # Base URL of the Bot Framework connector when kansli starts a conversation itself (tests use a stand-in).
    teams_service_url: str = Field("https://smba.trafficmanager.net/emea/", alias="KANSLI_TEAMS_SERVICE_URL")

    @property
    def slack_enabled(self) -> bool:
        return bool(self.slack_bot_token)

    @model_validator(mode="after")
    def _consistent(self) -> "Settings":
        if self.slack_bot_token and not self.slack_signing_secret and not self.slack_app_token:
            raise ValueError("SLACK_BOT_TOKEN är satt men SLACK_SIGNING_SECRET saknas; sätt den från Slack-appens Basic Information.")
        if self.slack_signing_secret and not self.slack_bot_token:
            raise ValueError("SLACK_SIGNING_SECRET är satt men SLACK_BOT_TOKEN saknas; sätt bot-token (xoxb-…).")
        if self.slack_app_token and not self.slack_app_token.startswith("xapp-"):
            raise ValueError("SLACK_APP_TOKEN ska börja med xapp- (en app-nivå-token för Socket Mode).")
        if self.microsoft_app_id and not self.microsoft_app_password and self.microsoft_app_type != "UserAssignedMSI":
            raise ValueError("MicrosoftAppId är satt men MicrosoftAppPassword saknas.")
        if self.microsoft_app_type == "SingleTenant" and self.microsoft_app_id and not self.microsoft_app_tenant_id:
            raise ValueError("MicrosoftAppType=SingleTenant kräver MicrosoftAppTenantId.")
        if self.log_format not in ("text", "json"):
            raise ValueError("KANSLI_LOG_FORMAT ska vara text eller json.")
        return self


def load_settings(**overrides: object) -> Settings:
    """Read and check the settings; a problem becomes one SettingsError line naming the setting."""
    from pydantic import ValidationError

    try:
        return Settings(**overrides)  # type: ignore[arg-type]
    except ValidationError as exc:
        first = exc.errors()[0]
        loc = ".".join(str(x) for x in first.get("loc", ())) or "inställningarna"
        msg = str(first.get("msg", exc)).removeprefix("Value error, ")
        raise SettingsError(msg if not first.get("loc") else f"{loc}: {msg}") from None
