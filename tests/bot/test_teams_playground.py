"""Opt-in: the Microsoft 365 Agents Playground (npm @microsoft/m365agentsplayground) talks to kansli.

kansli's app (bot.serve.create_app) in the local mode (KANSLI_TEAMS_NO_AUTH=1) on a loopback port, the
Playground started against its /api/messages with deploy/playground/.m365agentsplayground.yml (the
current user is Karin Berg), and its web UI driven in Debian's headless Chromium, on both SDKs. Runs
offline once the package is installed; needs PostgreSQL (KANSLI_TEST_DATABASE_URL, see the fixture);
skipped, with the reason, when the Playground, Chromium or PostgreSQL is not there. CI does not install
the Playground, so CI skips it. The screenshots are kept in
tests/artifacts/teams-playground-*.png.
"""
from __future__ import annotations

import os
import shutil
import socket
import subprocess
import time
from pathlib import Path
from typing import Iterator

import pytest

from sqlalchemy.orm import sessionmaker

from bot.serve import create_app
from storage.db import make_engine, migrate
from tests.bot.test_pages_browser import ARGS, ARTIFACTS, Served, chromium_or_skip
from tests.bot.test_teams import give_teams_ids, make_services, teams_sdk  # noqa: F401 - a fixture used by name
from tests.conftest import ROOT, load_network, private_postgres_schema

CONFIG_DIR = ROOT / "deploy" / "playground"


def playground_or_skip() -> str:
    path = os.environ.get("KANSLI_TEST_PLAYGROUND") or shutil.which("agentsplayground")
    if path and Path(path).exists():
        return path
    pytest.skip("the Microsoft 365 Agents Playground is not installed (npm install -g "
                "@microsoft/m365agentsplayground, or set KANSLI_TEST_PLAYGROUND to its agentsplayground)")


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture
def playground() -> Iterator[str]:
    cli = playground_or_skip()
    # A PostgreSQL store of its own that commits for real: the Playground sends its first two activities
    # at once, and both turns write (the user's conversation reference). The suite's one-connection,
    # rolled-back fixture store does not take that from several threads, and on SQLite the second writer
    # can meet "database is locked" (a deferred transaction that read first cannot upgrade).
    with private_postgres_schema("playground") as url:
        engine = make_engine(url)
        migrate(engine)
        yield from _serve(cli, engine)
        engine.dispose()


def _serve(cli: str, engine) -> Iterator[str]:  # type: ignore[no-untyped-def]
    maker = sessionmaker(bind=engine, expire_on_commit=False)
    load_network(maker)
    give_teams_ids(maker)
    services = make_services(maker, engine)  # KANSLI_TEAMS_NO_AUTH=1, no app id
    with Served(create_app(services)) as kansli:
        port = free_port()
        proc = subprocess.Popen([cli, "-e", f"http://127.0.0.1:{kansli.port}/api/messages", "-c", "msteams",
                                 "-p", str(port), "--dt"], cwd=CONFIG_DIR, stdout=subprocess.PIPE,
                                stderr=subprocess.STDOUT, text=True)
        try:
            line = proc.stdout.readline() if proc.stdout else ""
            assert f"Listening on {port}" in line, f"the Playground did not start: {line!r}"
            time.sleep(1)
            assert proc.poll() is None, "the Playground stopped (a config file it does not accept?)"
            yield f"http://127.0.0.1:{port}/"
        finally:
            proc.terminate()
            proc.wait(10)


def test_the_agents_playground_holds_a_conversation_with_kansli(playground: str, teams_sdk: str) -> None:
    executable = chromium_or_skip()
    from playwright.sync_api import expect, sync_playwright

    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=executable, args=ARGS)
        try:
            page = browser.new_page(viewport={"width": 1400, "height": 1000})
            page.goto(playground)
            # The Playground installs the bot; kansli greets Karin Berg by name, so it knows who writes.
            expect(page.get_by_text("Hej Karin Berg!").last).to_be_visible(timeout=30_000)
            box = page.get_by_role("textbox").first
            ARTIFACTS.mkdir(parents=True, exist_ok=True)
            for text, answer in (("/möten", "fredag 6 mars 2020"), ("hjälp", "Det här kan du skriva till kansli")):
                box.click()
                box.type(text)
                page.keyboard.press("Enter")
                expect(page.get_by_text(answer).last).to_be_visible(timeout=30_000)
                name = "moten" if text == "/möten" else text
                page.screenshot(path=str(ARTIFACTS / f"teams-playground-{teams_sdk}-{name}.png"))
            log = page.inner_text("body")
        finally:
            browser.close()
    # Every activity went through kansli's endpoint and was taken (the Playground logs each status).
    assert "message 201 /möten" in log or "message 200 /möten" in log
    assert " 401" not in log and " 500" not in log
