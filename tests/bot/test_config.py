"""Settings are checked at start: a missing or inconsistent one stops kansli with one line naming it."""
from __future__ import annotations

from pathlib import Path

import pytest

from bot.config import SettingsError, load_settings
from tests.bot.opstools import kansli

CASES = [
    ({"SLACK_BOT_TOKEN": "xoxb-1-2-abc"}, "SLACK_SIGNING_SECRET saknas"),
    ({"SLACK_SIGNING_SECRET": "abc123"}, "SLACK_BOT_TOKEN saknas"),
    ({"SLACK_BOT_TOKEN": "abc", "SLACK_SIGNING_SECRET": "s"}, "SLACK_BOT_TOKEN ska börja med xoxb-"),
    ({"SLACK_BOT_TOKEN": "xoxb-1", "SLACK_APP_TOKEN": "xoxb-2"}, "SLACK_APP_TOKEN ska börja med xapp-"),
    ({"SLACK_APP_TOKEN": "xapp-1"}, "SLACK_APP_TOKEN är satt men SLACK_BOT_TOKEN saknas"),
    ({"SLACK_BOT_TOKEN": "xoxb-1", "SLACK_SIGNING_SECRET": "s", "SLACK_API_URL": "slack.com"},
     "SLACK_API_URL ska vara en http(s)-adress"),
    ({"MicrosoftAppId": "00000000-0000-0000-0000-000000000001"}, "MicrosoftAppPassword saknas"),
    ({"MicrosoftAppPassword": "hemligt"}, "MicrosoftAppId saknas"),
    ({"MicrosoftAppType": "Foo"}, "MicrosoftAppType ska vara en av MultiTenant, SingleTenant, UserAssignedMSI"),
    ({"MicrosoftAppId": "x", "MicrosoftAppPassword": "p", "MicrosoftAppType": "SingleTenant"},
     "MicrosoftAppType=SingleTenant (standard) kräver MicrosoftAppTenantId"),
    # Single-tenant is the default (Azure makes no new multi-tenant bots): an app id alone is not enough.
    ({"MicrosoftAppId": "x", "MicrosoftAppPassword": "p"}, "MicrosoftAppType=SingleTenant (standard) kräver"),
    ({"KANSLI_TEAMS_SDK": "teams-ai"}, "KANSLI_TEAMS_SDK ska vara en av agents, botbuilder"),
    ({"MicrosoftAppId": "x", "MicrosoftAppPassword": "p", "MicrosoftAppTenantId": "t", "KANSLI_TEAMS_NO_AUTH": "1"},
     "KANSLI_TEAMS_NO_AUTH=1 är bara till för provkörning utan MicrosoftAppId"),
    ({"KANSLI_DATABASE_URL": "mysql://kansli@db/kansli"}, "KANSLI_DATABASE_URL ska vara en PostgreSQL- eller SQLite"),
    ({"KANSLI_DATABASE_URL": "inte en adress"}, "KANSLI_DATABASE_URL ”inte en adress” är ingen databasadress"),
    ({"KANSLI_PORT": "abc"}, "KANSLI_PORT: ska vara ett heltal, inte ”abc”"),
    ({"KANSLI_PORT": "70000"}, "KANSLI_PORT ska vara ett portnummer"),
    ({"KANSLI_LOG_FORMAT": "xml"}, "KANSLI_LOG_FORMAT ska vara text eller json"),
    ({"KANSLI_LOG_LEVEL": "LOUD"}, "KANSLI_LOG_LEVEL ska vara en av"),
    ({"KANSLI_SCHEDULER": "kanske"}, "KANSLI_SCHEDULER: ska vara true eller false"),
    ({"KANSLI_ABSENCE_NOTE_RETENTION_DAYS": "-1"}, "KANSLI_ABSENCE_NOTE_RETENTION_DAYS ska vara ett antal dagar"),
    ({"KANSLI_PUBLIC_URL": "kansli.example.se"}, "KANSLI_PUBLIC_URL ska börja med https://"),
]


@pytest.mark.parametrize("env,expected", CASES, ids=[next(iter(c[0])) + ":" + c[1][:25] for c in CASES])
def test_each_bad_setting_is_named_in_one_swedish_line(env: dict[str, str], expected: str) -> None:
    with pytest.raises(SettingsError) as err:
        load_settings(_env_file=None, **env)
    message = str(err.value)
    assert expected in message
    assert "\n" not in message


def test_a_good_configuration_passes() -> None:
    s = load_settings(_env_file=None, SLACK_BOT_TOKEN="xoxb-1", SLACK_SIGNING_SECRET="s", MicrosoftAppId="a",
                      MicrosoftAppPassword="p", MicrosoftAppTenantId="t", KANSLI_PUBLIC_URL="https://kansli.example.se",
                      KANSLI_DATABASE_URL="postgres://kansli:pw@db:5432/kansli")
    assert s.absence_note_retention_days == 30


def test_the_database_password_is_never_shown_in_the_error() -> None:
    with pytest.raises(SettingsError) as err:
        load_settings(_env_file=None, KANSLI_DATABASE_URL="postgresql://kansli:topphemligt@db:femtio/kansli")
    assert "KANSLI_DATABASE_URL ”postgresql://kansli:***@db:femtio/kansli” är ingen databasadress" in str(err.value)
    assert "topphemligt" not in str(err.value)


def test_kansli_serve_stops_with_the_line_and_exit_status_1(tmp_path: Path) -> None:
    out = kansli(["serve"], f"sqlite:///{tmp_path / 'k.db'}", cwd=tmp_path, SLACK_BOT_TOKEN="xoxb-1-2-abc")
    assert out.returncode == 1
    assert out.stderr.strip().splitlines() == [
        "SLACK_BOT_TOKEN är satt men SLACK_SIGNING_SECRET saknas; sätt den från Slack-appens Basic Information."
    ]
    assert not (tmp_path / "k.db").exists(), "nothing was started or created"


def test_settings_come_from_a_dot_env_file_in_the_working_directory(tmp_path: Path) -> None:
    (tmp_path / ".env").write_text("KANSLI_LOG_FORMAT=xml\n", encoding="utf-8")
    out = kansli(["serve"], f"sqlite:///{tmp_path / 'k.db'}", cwd=tmp_path)
    assert out.returncode == 1 and "KANSLI_LOG_FORMAT ska vara text eller json" in out.stderr
