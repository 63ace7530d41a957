"""kansli's MicrosoftApp* settings as the Microsoft 365 Agents SDK's connection settings."""
from __future__ import annotations

import pytest

from bot.config import Settings, SettingsError, load_settings
from bot.teams_agents import auth_configuration

APP_ID = "9b2d7a4e-5c1f-4d3a-8e6b-0f1a2b3c4d5e"
TENANT = "72f988bf-0000-4000-8000-000000000001"


def settings(**values: str) -> Settings:
    return Settings(_env_file=None, **values)  # type: ignore[call-arg]


def test_single_tenant_is_the_default_and_gets_its_tokens_from_its_own_tenant() -> None:
    config = auth_configuration(settings(MicrosoftAppId=APP_ID, MicrosoftAppPassword="hemligt",
                                         MicrosoftAppTenantId=TENANT))
    assert (config.CLIENT_ID, config.TENANT_ID, config.CLIENT_SECRET) == (APP_ID, TENANT, "hemligt")
    assert config.AUTH_TYPE == "ClientSecret"


def test_a_multi_tenant_bot_registered_before_august_2025_still_works() -> None:
    config = auth_configuration(settings(MicrosoftAppId=APP_ID, MicrosoftAppPassword="hemligt",
                                         MicrosoftAppType="MultiTenant"))
    assert (config.CLIENT_ID, config.TENANT_ID) == (APP_ID, "botframework.com")


def test_a_user_assigned_managed_identity_needs_no_password() -> None:
    config = auth_configuration(settings(MicrosoftAppId=APP_ID, MicrosoftAppType="UserAssignedMSI",
                                         MicrosoftAppTenantId=TENANT))
    assert config.AUTH_TYPE == "UserManagedIdentity" and config.CLIENT_ID == APP_ID


def test_without_an_app_id_the_local_mode_is_anonymous() -> None:
    assert auth_configuration(settings(KANSLI_TEAMS_NO_AUTH="1")).ANONYMOUS_ALLOWED is True


def test_single_tenant_without_its_tenant_stops_the_service_with_one_line() -> None:
    with pytest.raises(SettingsError) as err:
        load_settings(_env_file=None, MicrosoftAppId=APP_ID, MicrosoftAppPassword="hemligt")
    assert "MicrosoftAppTenantId" in str(err.value) and "\n" not in str(err.value)


def test_a_sovereign_cloud_login_host_takes_the_tenant_and_must_be_https() -> None:
    config = auth_configuration(settings(MicrosoftAppId=APP_ID, MicrosoftAppPassword="hemligt",
                                         MicrosoftAppTenantId=TENANT,
                                         KANSLI_TEAMS_LOGIN_URL="https://login.microsoftonline.us/"))
    assert config.AUTHORITY == f"https://login.microsoftonline.us/{TENANT}"
    assert auth_configuration(settings(MicrosoftAppId=APP_ID, MicrosoftAppPassword="hemligt",
                                       MicrosoftAppTenantId=TENANT)).AUTHORITY is None
    with pytest.raises(SettingsError) as err:
        load_settings(_env_file=None, MicrosoftAppId=APP_ID, MicrosoftAppPassword="hemligt",
                      MicrosoftAppTenantId=TENANT, KANSLI_TEAMS_LOGIN_URL="http://login.example")
    assert "KANSLI_TEAMS_LOGIN_URL" in str(err.value) and "\n" not in str(err.value)


def test_a_card_reaches_the_wire_unchanged_and_the_sdks_copy_of_the_activity_shares_it() -> None:
    import copy
    import json

    from bot.render.teams import TeamsMessage
    from bot.teams_agents import AgentsTeamsComponent

    card = {"type": "AdaptiveCard", "version": "1.5", "body": [{"type": "TextBlock", "text": "Uppdrag 3 <&>"}]}
    activity = AgentsTeamsComponent._activity(TeamsMessage(text="", card=card, summary="Uppdrag"))
    sent = copy.deepcopy(activity)  # what TurnContext.send_activities does to every outgoing activity
    assert sent.attachments[0].content is activity.attachments[0].content
    wire = json.loads(json.dumps(sent.model_dump(by_alias=True, exclude_none=True, mode="json")))
    assert wire["attachments"][0]["content"] == card
    assert wire["attachments"][0]["contentType"] == "application/vnd.microsoft.card.adaptive"
