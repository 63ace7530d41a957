"""E-mail settings are checked at start like the others: one Swedish line naming the setting."""
from __future__ import annotations

import pytest

from bot.config import SettingsError, load_settings

GOOD = {
    "KANSLI_SMTP_HOST": "smtp.region.example",
    "KANSLI_MAIL_FROM": "kansli <kansli@region.example>",
    "KANSLI_LINK_SECRET": "x" * 32,
    "KANSLI_PUBLIC_URL": "https://kansli.region.example",
}
CASES = [
    ({"KANSLI_SMTP_TLS": "ssl"}, "KANSLI_SMTP_TLS ska vara starttls, tls eller none"),
    ({"KANSLI_SMTP_PORT": "0"}, "KANSLI_SMTP_PORT ska vara ett portnummer"),
    ({"KANSLI_MAIL_FROM": ""}, "KANSLI_MAIL_FROM ska vara avsändaradressen"),
    ({"KANSLI_MAIL_FROM": "kansli"}, "KANSLI_MAIL_FROM ska vara avsändaradressen"),
    ({"KANSLI_LINK_SECRET": "kort"}, "KANSLI_LINK_SECRET ska vara minst 32 tecken"),
    ({"KANSLI_PUBLIC_URL": ""}, "KANSLI_PUBLIC_URL saknas"),
    ({"KANSLI_SMTP_USER": "kansli"}, "KANSLI_SMTP_USER är satt men KANSLI_SMTP_PASSWORD saknas"),
    ({"KANSLI_SMTP_PASSWORD": "pw"}, "KANSLI_SMTP_PASSWORD är satt men KANSLI_SMTP_USER saknas"),
    ({"KANSLI_SMTP_HOST": "", "KANSLI_MAIL_FROM": "kansli@region.example"},
     "KANSLI_MAIL_FROM är satt men KANSLI_SMTP_HOST saknas"),
]


@pytest.mark.parametrize("change,expected", CASES, ids=[c[1][:30] for c in CASES])
def test_each_bad_mail_setting_is_named(change: dict[str, str], expected: str) -> None:
    with pytest.raises(SettingsError) as err:
        load_settings(_env_file=None, **{**GOOD, **change})
    assert expected in str(err.value) and "\n" not in str(err.value)


def test_smtp_alone_turns_email_on_with_the_defaults() -> None:
    s = load_settings(_env_file=None, **GOOD)
    assert s.email_enabled and s.smtp_port == 587 and s.smtp_tls == "starttls"
    assert not load_settings(_env_file=None).email_enabled


def test_kansli_serve_with_only_smtp_sends_email_and_serves_the_absence_links(tmp_path) -> None:  # type: ignore[no-untyped-def]
    from bot.app import build
    from bot.serve import create_app

    settings = load_settings(_env_file=None, KANSLI_DATABASE_URL=f"sqlite:///{tmp_path / 'k.db'}", **GOOD)
    services = build(settings)
    try:
        assert [t.name for t in services.transports] == ["email"]
        assert services.dispatcher.email is True
        app = create_app(services)
        paths = {r.resource.canonical for r in app.router.routes() if r.resource is not None}
        assert "/franvaro/{token}" in paths
    finally:
        services.threads.close()
        services.engine.dispose()


def test_logs_never_show_the_smtp_password_the_link_secret_or_an_absence_link() -> None:
    from bot.logging_setup import redact, secrets_of, set_secrets

    settings = load_settings(_env_file=None, KANSLI_SMTP_USER="kansli", KANSLI_SMTP_PASSWORD="relay-pass-123",
                             **GOOD)
    set_secrets(secrets_of(settings))
    try:
        line = redact(f"login relay-pass-123 key {'x' * 32} GET /franvaro/4.1.1583483400.1582876800.AbC_d-9 200")
    finally:
        set_secrets([])
    assert "relay-pass-123" not in line and "x" * 32 not in line and "AbC_d-9" not in line
    assert "/franvaro/" in line
