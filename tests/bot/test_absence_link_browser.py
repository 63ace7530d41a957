"""The personal absence link from an e-mailed kallelse, opened in headless Chromium (JavaScript off).

The link is taken from the e-mail an aiosmtpd server on loopback received; the form records the absence
through the dispatcher, and the absence recipient is told by e-mail. A changed, expired or spent link and
a post without the form's CSRF token get the Swedish 403 page and record nothing.
"""
from __future__ import annotations

import asyncio
import re
from concurrent.futures import ThreadPoolExecutor
from datetime import datetime, timedelta
from typing import Any, Iterator

import pytest
from aiohttp import web
from sqlalchemy import select

from bot.app import Services
from bot.config import Settings
from bot.delivery import Deliverer
from bot.dispatch import Dispatcher, Identity
from storage.models import Absence, Person
from tests.bot.mail_support import SECRET, parts, smtp  # noqa: F401
from tests.bot.test_mail import ADDRESSING, PUBLIC, NOW, transport
from tests.bot.test_pages_browser import ARGS, Served, chromium_or_skip
from tests.conftest import at

DENIED = "Länken till frånvaroanmälan gäller inte"


class Clock:
    def __init__(self, now: datetime) -> None:
        self.now = now

    def __call__(self) -> datetime:
        return self.now


@pytest.fixture
def kansli(network, engine, smtp) -> Iterator[tuple[Services, Served, Clock]]:  # type: ignore[no-untyped-def]
    from bot import absence_link

    clock = Clock(NOW)
    services = Services(
        settings=Settings(KANSLI_PUBLIC_URL=PUBLIC, KANSLI_LINK_SECRET=SECRET),
        engine=engine,
        sessionmaker=network,
        dispatcher=Dispatcher(sessionmaker=network, clock=clock, email=True),
        deliverer=Deliverer(sessionmaker=network, transports=[transport(smtp.port)], clock=clock,
                            addressing=ADDRESSING),
        clock=clock,
    )
    app = web.Application()
    absence_link.setup(app, services)
    with Served(app) as served:
        yield services, served, clock


def run(services: Services, handle: str, text: str, now: datetime) -> Any:
    outcome = services.dispatcher.run(text, identity=Identity(handle=handle), platform="cli", now=now)
    assert outcome.reply.ok, outcome.reply.plain_text()
    if outcome.outbox_ids:  # in a thread of its own: Playwright's sync API holds this thread's event loop
        with ThreadPoolExecutor(1) as pool:
            pool.submit(asyncio.run, services.deliverer.deliver(outcome.outbox_ids, now=now)).result()
    return outcome


def absence_of(services: Services, handle: str) -> Absence | None:
    with services.sessionmaker() as s:
        person = s.scalar(select(Person).where(Person.handle == handle))
        return s.scalar(select(Absence).where(Absence.person_id == person.id))


def test_a_member_reports_absence_from_the_link_in_the_kallelse(kansli, smtp) -> None:  # type: ignore[no-untyped-def]
    executable = chromium_or_skip()
    from playwright.sync_api import sync_playwright

    services, served, clock = kansli
    run(services, "maria.lind", "/publicera dagordning 6 mars", NOW)
    [kallelse] = smtp.inbox.messages("per.ek@example.se")
    text = parts(kallelse)["text/plain"][0].get_content()
    link = re.search(re.escape(PUBLIC) + r"/franvaro/\S+", text).group(0)  # type: ignore[union-attr]
    assert link in parts(kallelse)["text/html"][0].get_content()
    local_link = link.replace(PUBLIC, f"http://127.0.0.1:{served.port}")
    clock.now = NOW + timedelta(hours=1)

    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=executable, args=ARGS)
        try:
            page = browser.new_page(java_script_enabled=False)
            # A changed token: 403, in Swedish.
            base, token = local_link.split("/franvaro/")
            person_id, rest = token.split(".", 1)
            tampered = f"{base}/franvaro/{int(person_id) + 1}.{rest}"  # another person's id, same signature
            response = page.goto(tampered)
            assert response is not None and response.status == 403
            assert DENIED in page.locator("main").inner_text()

            response = page.goto(local_link)
            assert response is not None and response.status == 200
            assert page.locator("html").get_attribute("lang") == "sv"
            assert page.locator("h1").inner_text() == "Anmäl frånvaro"
            facts = page.locator("dl.facts").inner_text()
            assert "fredag 6 mars 2020" in facts and "kl. 9.30–14.00" in facts and "Myntgatan 2, Falun" in facts and "Per Ek" in facts
            assert page.locator("select[name=ersattare]").count() == 0  # LCHNV appoints no substitutes
            page.get_by_label("Punkterna").check()
            page.get_by_label("från punkt").fill("3")
            page.get_by_label("till punkt").fill("4")
            page.locator("textarea[name=notering]").fill("Tandläkare; ersättare: @eva.strand")
            page.get_by_role("button", name="Anmäl frånvaro").click()
            page.wait_for_load_state()
            done = page.locator("main").inner_text()
            assert "Frånvaro anmäld" in page.locator("h1").inner_text(), done
            assert "fredag 6 mars 2020" in done

            absence = absence_of(services, "per.ek")
            assert absence is not None and (absence.item_from, absence.item_to) == (3, 4)
            assert absence.note is not None and absence.note.startswith("Tandläkare") and absence.substitute_id is None
            told = smtp.inbox.messages("maria.lind@example.se")
            assert any("Per Ek" in parts(m)["text/plain"][0].get_content() for m in told[1:])

            # A post without the form's CSRF token (another client, no cookie): 403, nothing changes.
            other = p.request.new_context()
            response = other.post(local_link, form={"omfattning": "hela", "csrf": "x"})
            assert response.status == 403
            other.dispose()
            assert (absence_of(services, "per.ek").item_from, absence_of(services, "per.ek").item_to) == (3, 4)

            # Withdrawn in chat: the same link is spent.
            clock.now = NOW + timedelta(hours=2)
            run(services, "per.ek", "/återkalla frånvaro 6 mars; forum: lchnv", clock.now)
            clock.now = NOW + timedelta(hours=3)
            response = page.goto(local_link)
            assert response is not None and response.status == 403
            assert absence_of(services, "per.ek").withdrawn_at is not None

            # Another member's link expires when the meeting starts.
            [eva_mail] = smtp.inbox.messages("eva.strand@example.se")
            eva_link = re.search(re.escape(PUBLIC) + r"/franvaro/\S+",
                                 parts(eva_mail)["text/plain"][0].get_content()).group(0)  # type: ignore[union-attr]
            eva_local = eva_link.replace(PUBLIC, f"http://127.0.0.1:{served.port}")
            assert page.goto(eva_local).status == 200  # type: ignore[union-attr]
            clock.now = at("2020-03-06T09:30")
            assert page.goto(eva_local).status == 403  # type: ignore[union-attr]
            assert absence_of(services, "eva.strand") is None
        finally:
            browser.close()


def test_where_the_forum_allows_substitutes_the_form_names_one(kansli) -> None:  # type: ignore[no-untyped-def]
    """Over plain HTTP (no browser needed): the substitute list, and the absence recorded with the substitute."""
    from aiohttp.test_utils import TestClient, TestServer

    from bot import absence_link
    from bot.mail import links
    from storage.models import Forum, Meeting

    services, _served, clock = kansli
    with services.sessionmaker() as s:
        forum = s.scalar(select(Forum).where(Forum.key == "lchnv"))
        forum.substitutes = True
        meeting = s.scalar(select(Meeting).where(Meeting.starts_at == at("2020-03-06T09:30")))
        per = s.scalar(select(Person).where(Person.handle == "per.ek"))
        # a colleague from per's own organisation who does not sit in the forum may stand in for him
        s.add(Person(handle="anna.ek", name="Anna Ek", organisation_id=per.organisation_id))
        s.commit()
        path = links.link("", SECRET, person_id=per.id, meeting_id=meeting.id, expires=meeting.starts_at,
                          issued=NOW)

    async def go() -> tuple[str, int]:
        app = web.Application()
        absence_link.setup(app, services)
        async with TestClient(TestServer(app)) as client:
            got = await client.get(path)
            page = await got.text()
            csrf = re.search(r'name="csrf" value="([^"]+)"', page).group(1)  # type: ignore[union-attr]
            # The cookie is Secure (KANSLI_PUBLIC_URL is https): sent back as a browser over https would.
            nonce = got.cookies[absence_link.COOKIE].value
            resp = await client.post(path, data={"csrf": csrf, "omfattning": "hela", "ersattare": "anna.ek"},
                                     headers={"Cookie": f"{absence_link.COOKIE}={nonce}"})
            return page, resp.status

    page, status = asyncio.run(go())
    # forum members are expected at the meeting and people of other organisations are not allowed here
    assert '<option value="anna.ek"' in page
    assert '<option value="per.ek"' not in page and '<option value="eva.strand"' not in page
    assert status == 200
    absence = absence_of(services, "per.ek")
    with services.sessionmaker() as s:
        anna = s.scalar(select(Person).where(Person.handle == "anna.ek"))
    assert absence is not None and absence.substitute_id == anna.id and absence.item_from is None
