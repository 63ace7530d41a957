"""The forum page in a real browser: Debian's headless Chromium, driven by Playwright, over a loopback port.

The screenshot is kept as a test artifact in tests/artifacts/forum-page.png. Without Chromium the test is
skipped locally and fails in CI (where .ci/run installs it), so CI never skips it.
"""
from __future__ import annotations

import asyncio
import os
import shutil
import threading
from pathlib import Path
from typing import Iterator

import pytest
from aiohttp import web

from tests.bot.test_web import pages_app, services_for
from tests.conftest import ROOT, at
from tests.pubdata import PUBLISHED_CASE, SECRET_NOTE, UNPUBLISHED_CASE, add_published_meeting

CHROMIUM = "/usr/bin/chromium"
ARTIFACTS = ROOT / "tests" / "artifacts"
ARGS = [
    "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
    "--disable-background-networking", "--disable-component-update", "--disable-sync",
]


def chromium_or_skip() -> str:
    path = CHROMIUM if Path(CHROMIUM).exists() else shutil.which("chromium")
    if path:
        return path
    reason = "Chromium is not installed (apt-get install chromium); the page test needs a real browser"
    if os.environ.get("CI"):
        pytest.fail(f"{reason}, and CI must not skip it")
    pytest.skip(reason)


class Served:
    """The pages on 127.0.0.1:<free port>, in a thread with its own event loop."""

    def __init__(self, app: web.Application) -> None:
        self.app = app
        self.loop = asyncio.new_event_loop()
        self.ready = threading.Event()
        self.port = 0
        self.thread = threading.Thread(target=self._run, daemon=True)

    def _run(self) -> None:
        asyncio.set_event_loop(self.loop)
        self.runner = web.AppRunner(self.app)
        self.loop.run_until_complete(self.runner.setup())
        site = web.TCPSite(self.runner, "127.0.0.1", 0)
        self.loop.run_until_complete(site.start())
        self.port = site._server.sockets[0].getsockname()[1]  # type: ignore[union-attr]
        self.ready.set()
        self.loop.run_forever()
        self.loop.run_until_complete(self.runner.cleanup())
        self.loop.close()

    def __enter__(self) -> "Served":
        self.thread.start()
        assert self.ready.wait(10), "the page server did not start"
        return self

    def __exit__(self, *exc: object) -> None:
        self.loop.call_soon_threadsafe(self.loop.stop)
        self.thread.join(10)


@pytest.fixture
def served(network, engine) -> Iterator[Served]:  # type: ignore[no-untyped-def]
    add_published_meeting(network, sent=True)
    services = services_for(network, engine, now=at("2020-05-01T09:00"))
    with Served(pages_app(services)) as s:
        yield s


def test_a_reader_sees_the_forum_and_meeting_pages_in_chromium(served: Served) -> None:
    executable = chromium_or_skip()
    from playwright.sync_api import sync_playwright

    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    base = f"http://127.0.0.1:{served.port}"
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=executable, args=ARGS)
        try:
            page = browser.new_page(viewport={"width": 390, "height": 844}, java_script_enabled=False)
            response = page.goto(f"{base}/forum/lchnv")
            assert response is not None and response.status == 200
            assert page.locator("html").get_attribute("lang") == "sv"
            assert page.locator("h1").inner_text() == "Länsnätverket för förvaltningschefer"
            upcoming = page.locator("section", has=page.locator("h2#kommande")).inner_text()
            assert "fredag 12 juni 2020" in upcoming and "Skype" in upcoming
            for landmark in ("banner", "navigation", "main", "contentinfo"):
                assert page.get_by_role(landmark).count() >= 1, landmark
            page.screenshot(path=str(ARTIFACTS / "forum-page.png"), full_page=True)

            # Follow the link to the published agenda as a reader would.
            page.get_by_role("link", name="Dagordning fredag 6 mars 2020").click()
            page.wait_for_load_state()
            assert page.locator("h1").inner_text() == "LCHNV – möte fredag 6 mars 2020"
            text = page.locator("main").inner_text()
            assert PUBLISHED_CASE in text
            assert "Föredragande: Per Ek (Borlänge kommun)" in text
            assert UNPUBLISHED_CASE not in text and SECRET_NOTE not in text
            page.screenshot(path=str(ARTIFACTS / "meeting-page.png"), full_page=True)

            # The unpublished agenda's case is nowhere a reader can reach.
            page.goto(f"{base}/forum/lchnv/mote/2020-06-12")
            assert UNPUBLISHED_CASE not in page.locator("body").inner_text()
            assert "Dagordningen är inte publicerad ännu." in page.locator("main").inner_text()
        finally:
            browser.close()
