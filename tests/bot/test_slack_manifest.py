"""deploy/slack/manifest.yml installs as is and matches what the app registers."""
from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest
import yaml

from bot.slack.app import BOT_SCOPES, EVENTS_PATH, SUBSCRIBED_EVENTS
from bot.slack.text import SLASH_COMMANDS

MANIFEST = Path(__file__).resolve().parents[2] / "deploy" / "slack" / "manifest.yml"
URL = "https://kansli.example.se" + EVENTS_PATH


@pytest.fixture(scope="module")
def manifest() -> dict[str, Any]:
    return yaml.safe_load(MANIFEST.read_text(encoding="utf-8"))


def test_the_commands_are_exactly_those_the_app_registers(manifest: dict[str, Any]) -> None:
    commands = manifest["features"]["slash_commands"]
    assert [c["command"] for c in commands] == list(SLASH_COMMANDS)
    for c in commands:
        assert re.fullmatch(r"/[a-z]{2,31}", c["command"]), "Slack promises nothing for non-ASCII command names"
        assert c["url"] == URL
        assert 0 < len(c["description"]) <= 100
        assert len(c.get("usage_hint", "")) <= 1000
        assert c["should_escape"] is True  # mentions arrive as <@U…> and become @handle


def test_usage_hints_and_descriptions_are_swedish(manifest: dict[str, Any]) -> None:
    text = " ".join(c["description"] + " " + c.get("usage_hint", "") for c in manifest["features"]["slash_commands"])
    for word in ("frånvaro", "ärende", "dagordningen", "möten", "beslut", "återkopplas", "DATUM"):
        assert word in text


def test_events_interactivity_scopes_and_http_mode(manifest: dict[str, Any]) -> None:
    settings = manifest["settings"]
    assert settings["event_subscriptions"]["request_url"] == URL
    assert sorted(settings["event_subscriptions"]["bot_events"]) == sorted(SUBSCRIBED_EVENTS)
    assert settings["interactivity"] == {"is_enabled": True, "request_url": URL}
    assert settings["socket_mode_enabled"] is False
    assert sorted(manifest["oauth_config"]["scopes"]["bot"]) == sorted(BOT_SCOPES)
    assert manifest["features"]["app_home"]["home_tab_enabled"] is True
    assert manifest["features"]["app_home"]["messages_tab_enabled"] is True
    assert manifest["features"]["app_home"]["messages_tab_read_only_enabled"] is False


def test_display_information_fits_slacks_limits(manifest: dict[str, Any]) -> None:
    info = manifest["display_information"]
    assert 0 < len(info["name"]) <= 35
    assert 0 < len(info["description"]) <= 140
    assert 175 <= len(info["long_description"]) <= 4000
    assert re.fullmatch(r"#[0-9a-fA-F]{6}", info["background_color"])
    assert re.fullmatch(r"[a-z0-9._-]{1,80}", manifest["features"]["bot_user"]["display_name"])


def test_every_command_in_the_manifest_reaches_a_kansli_command(manifest: dict[str, Any]) -> None:
    from bot.slack.text import SLASH_ALIASES, slash_to_text
    from handlers import registry
    from handlers.registry import normalise

    registry.load_all()
    for c in manifest["features"]["slash_commands"]:
        if c["command"] == "/kansli":
            continue
        first = (c.get("usage_hint") or "").split()[0] if c.get("usage_hint") else ""
        text = first if first.isalpha() and first.islower() else ""  # "/anmal frånvaro", "/publicera dagordning"
        found = registry.match(slash_to_text(c["command"], text))
        assert found is not None, f"{c['command']} {text} reaches no command"
    ascii_names = {normalise(c) for c in SLASH_COMMANDS}
    assert all(normalise(alias) in ascii_names for alias in SLASH_ALIASES)
