"""The published pages over real HTTP: what a reader sees, and what stays hidden until published."""
from __future__ import annotations

import asyncio
from datetime import datetime
from pathlib import Path

from aiohttp import web
from aiohttp.test_utils import TestClient, TestServer
from sqlalchemy import Engine
from sqlalchemy.orm import Session, sessionmaker

from bot.app import Services, build
from bot.config import Settings
from bot.delivery import Deliverer
from bot.dispatch import Dispatcher
from tests.conftest import at, load_network
from tests.pubdata import (
    ASSIGNMENT_TITLE,
    ATTACHMENT_URL,
    DECISION_LINE,
    LATE_CASE,
    PUBLISHED_CASE,
    SECRET_NOTE,
    SECRET_NOTE_2,
    UNPUBLISHED_CASE,
    add_published_meeting,
    set_meeting,
)


def services_for(maker: sessionmaker[Session], engine: Engine, *, now: datetime, public_url: str = "") -> Services:
    clock = lambda: now  # noqa: E731
    return Services(
        settings=Settings(KANSLI_PUBLIC_URL=public_url),
        engine=engine,
        sessionmaker=maker,
        dispatcher=Dispatcher(sessionmaker=maker, clock=clock),
        deliverer=Deliverer(sessionmaker=maker, transports=[], clock=clock),
        clock=clock,
    )


def pages_app(services: Services) -> web.Application:
    from bot import web as pages

    app = web.Application()
    pages.setup(app, services)
    return app


def fetch(services: Services, *paths: str) -> list[tuple[int, str, str]]:
    """GET each path; (status, content type with charset, body)."""

    async def go() -> list[tuple[int, str, str]]:
        out = []
        async with TestClient(TestServer(pages_app(services))) as client:
            for path in paths:
                resp = await client.get(path)
                out.append((resp.status, resp.headers.get("Content-Type", ""), await resp.text()))
        return out

    return asyncio.run(go())


def get(services: Services, path: str) -> tuple[int, str]:
    status, _, body = fetch(services, path)[0]
    return status, body


def test_forum_page_lists_upcoming_meetings_published_agendas_and_sent_minutes(network, engine) -> None:  # type: ignore[no-untyped-def]
    add_published_meeting(network, sent=True)
    services = services_for(network, engine, now=at("2020-05-01T09:00"))
    (status, ctype, body), = fetch(services, "/forum/lchnv")
    assert status == 200 and ctype == "text/html; charset=utf-8"
    assert '<html lang="sv">' in body
    assert "<h1>Länsnätverket för förvaltningschefer</h1>" in body
    upcoming = body.split('id="kommande"')[1].split("</section>")[0]
    assert "fredag 12 juni 2020" in upcoming and "kl. 9.30–12.00" in upcoming and "Skype" in upcoming
    assert "fredag 25 september 2020" in upcoming
    assert "fredag 6 mars 2020" not in upcoming  # held already
    agendas = body.split('id="dagordningar"')[1].split("</section>")[0]
    assert 'href="/forum/lchnv/mote/2020-03-06#dagordning"' in agendas
    assert "2020-06-12" not in agendas  # not published
    minutes = body.split('id="minnesanteckningar"')[1].split("</section>")[0]
    assert 'href="/forum/lchnv/mote/2020-03-06#minnesanteckningar"' in minutes
    assert "/forum/lchnv/kalender.ics" in body
    assert UNPUBLISHED_CASE not in body


def test_meeting_page_shows_the_published_agenda_and_the_sent_minutes(network, engine) -> None:  # type: ignore[no-untyped-def]
    add_published_meeting(network, sent=True)
    services = services_for(network, engine, now=at("2020-05-01T09:00"))
    status, body = get(services, "/forum/lchnv/mote/2020-03-06")
    assert status == 200
    agenda = body.split('id="dagordning"')[1].split("</section>")[0]
    for standing in ("1. Mötets öppnande", "2. Godkännande av dagordning", "3. Föregående minnesanteckningar",
                     "4. Rapporter och delgivningar"):
        assert standing in agenda
    assert f"5. {PUBLISHED_CASE}" in agenda and "(2020:3)" in agenda
    assert "Föredragande: Per Ek (Borlänge kommun)" in agenda
    assert "Syfte: Beslut" in agenda
    assert f'<a href="{ATTACHMENT_URL}">Bilaga 18a</a>' in agenda
    assert "Förslag till beslut" in agenda and "att avtalet förlängs till och med 2021-11-30." in agenda
    assert f"6. {LATE_CASE}" in agenda and "Tillkommande ärende" in agenda
    minutes = body.split('id="minnesanteckningar"')[1].split("</section>")[0]
    assert "Närvarande" in minutes and "Johan Sjö (ersättare för Eva Strand)" in minutes
    assert '<p class="decision">' + DECISION_LINE + "</p>" in minutes
    assert ASSIGNMENT_TITLE in minutes
    assert "Dnr" in body and "RD20/01035" in body


def test_unpublished_agenda_and_unsent_minutes_are_not_shown(network, engine) -> None:  # type: ignore[no-untyped-def]
    ids = add_published_meeting(network, sent=False)
    services = services_for(network, engine, now=at("2020-05-01T09:00"))
    status, june = get(services, "/forum/lchnv/mote/2020-06-12")
    assert status == 200
    assert UNPUBLISHED_CASE not in june and "att inget publiceras" not in june
    assert "Dagordningen är inte publicerad ännu. Den publiceras senast fredagen den 5 juni 2020." in june
    status, march = get(services, "/forum/lchnv/mote/2020-03-06")
    assert PUBLISHED_CASE in march  # the agenda is published
    assert DECISION_LINE not in march and "Närvarande" not in march  # the minutes are not sent
    assert "Minnesanteckningarna är inte skickade ännu." in march
    # Unpublishing the agenda hides its cases again.
    set_meeting(network, ids.march_id, agenda_published_at=None)
    _, march = get(services, "/forum/lchnv/mote/2020-03-06")
    assert PUBLISHED_CASE not in march and LATE_CASE not in march
    _, forum = get(services, "/forum/lchnv")
    assert PUBLISHED_CASE not in forum and UNPUBLISHED_CASE not in forum


def test_absence_notes_never_reach_a_page(network, engine) -> None:  # type: ignore[no-untyped-def]
    add_published_meeting(network, sent=True)
    services = services_for(network, engine, now=at("2020-05-01T09:00"))
    for status, _, body in fetch(services, "/forum/lchnv", "/forum/lchnv/mote/2020-03-06", "/forum/lchnv/kalender.ics"):
        assert status == 200
        assert SECRET_NOTE not in body and SECRET_NOTE_2 not in body


def test_unknown_forum_or_meeting_gives_a_swedish_404(network, engine) -> None:  # type: ignore[no-untyped-def]
    services = services_for(network, engine, now=at("2020-05-01T09:00"))
    results = fetch(
        services,
        "/forum/finns-inte",
        "/forum/lchnv/mote/2020-03-07",
        "/forum/lchnv/mote/inte-ett-datum",
        "/forum/lchnv/mote/2020-02-30",
        "/forum/finns-inte/kalender.ics",
        "/forum/lchnv/annat/sida",
    )
    for status, ctype, body in results:
        assert status == 404
        assert ctype.startswith("text/html")
        assert '<html lang="sv">' in body and "<h1>Sidan finns inte</h1>" in body
    assert "Det finns inget forum med adressen ”finns-inte”" in results[0][2]
    assert "LCHNV har inget möte" in results[1][2]


def test_an_address_with_a_nul_character_gives_a_404_not_a_server_error(network, engine) -> None:  # type: ignore[no-untyped-def]
    """PostgreSQL refuses a NUL in a query parameter; the reader gets the page that says the forum is unknown."""
    services = services_for(network, engine, now=at("2020-05-01T09:00"))
    for status, __, body in fetch(services, "/forum/lch%00nv", "/forum/lch%00nv/kalender.ics",
                                  "/forum/lch%00nv/mote/2020-03-06"):
        assert status == 404 and "<h1>Sidan finns inte</h1>" in body


def test_pages_are_accessible_and_work_without_javascript(network, engine) -> None:  # type: ignore[no-untyped-def]
    add_published_meeting(network, sent=True)
    services = services_for(network, engine, now=at("2020-05-01T09:00"))
    for status, _, body in fetch(services, "/forum", "/forum/lchnv", "/forum/lchnv/mote/2020-03-06"):
        assert status == 200
        for landmark in ("<header", "<nav", "<main", "<footer"):
            assert landmark in body
        assert "<h1>" in body and "<script" not in body.lower()
        assert 'name="viewport"' in body and "@media print" in body
        assert 'href="#innehall"' in body and 'id="innehall"' in body


def test_untrusted_text_is_escaped_and_odd_links_are_not_linked(network, engine) -> None:  # type: ignore[no-untyped-def]
    from sqlalchemy import select

    from storage.models import AgendaItem

    ids = add_published_meeting(network)
    with network() as s:
        # The agenda as published (here from before versions were stored, so from its item).
        item = s.scalar(select(AgendaItem).where(AgendaItem.case_id == ids.case_id))
        item.title = "Ärende <script>alert(1)</script>"
        item.attachments = [*(item.attachments or []), {"url": "javascript:alert(1)", "title": "Konstig bilaga"}]
        s.commit()
    services = services_for(network, engine, now=at("2020-05-01T09:00"))
    _, body = get(services, "/forum/lchnv/mote/2020-03-06")
    assert "<script>" not in body and "&lt;script&gt;" in body
    assert 'href="javascript:' not in body and "Konstig bilaga" in body


def test_cancelled_meeting_is_marked_on_the_pages(network, engine) -> None:  # type: ignore[no-untyped-def]
    ids = add_published_meeting(network)
    set_meeting(network, ids.june_id, cancelled=True)
    services = services_for(network, engine, now=at("2020-05-01T09:00"))
    _, forum = get(services, "/forum/lchnv")
    assert "Mötet är inställt" in forum.split('id="kommande"')[1].split("</section>")[0]
    _, june = get(services, "/forum/lchnv/mote/2020-06-12")
    assert "Mötet är inställt." in june and UNPUBLISHED_CASE not in june


def test_index_lists_the_forums(network, engine) -> None:  # type: ignore[no-untyped-def]
    services = services_for(network, engine, now=at("2020-05-01T09:00"))
    status, body = get(services, "/forum")
    assert status == 200
    assert 'href="/forum/lchnv"' in body and 'href="/forum/styrgrupp-lchnv"' in body


def test_kansli_serve_wires_the_pages(tmp_path: Path) -> None:
    services = build(Settings(KANSLI_DATABASE_URL=f"sqlite:///{tmp_path / 'k.db'}"))
    load_network(services.sessionmaker)

    async def go() -> tuple[int, str]:
        from bot.serve import create_app

        async with TestClient(TestServer(create_app(services))) as client:
            resp = await client.get("/forum/lchnv")
            return resp.status, await resp.text()

    status, body = asyncio.run(go())
    assert status == 200 and "Länsnätverket för förvaltningschefer" in body


def test_markup_in_a_case_title_is_shown_as_text_on_the_page(network, engine) -> None:  # type: ignore[no-untyped-def]
    from sqlalchemy import select

    from storage.models import AgendaItem

    ids = add_published_meeting(network)
    with network() as s:
        # the item as it stands on the published agenda (a later change to the case does not reach it)
        item = s.scalar(select(AgendaItem).where(AgendaItem.case_id == ids.case_id))
        item.title = '[Logga in här](https://evil.example/login) <a href="https://evil.example">x</a>'
        s.commit()
    services = services_for(network, engine, now=at("2020-05-01T09:00"))
    _, body = get(services, "/forum/lchnv/mote/2020-03-06")
    assert 'href="https://evil.example' not in body and "&lt;a href=" in body
    assert "[Logga in här](https://evil.example/login)" in body


def test_an_absence_link_with_odd_characters_is_refused_not_a_server_error(network, engine) -> None:  # type: ignore[no-untyped-def]
    """A link someone edits by hand (letters outside ASCII where the signature goes) is a link that does not
    hold: the page says so, with 403, never 500."""
    from bot import absence_link

    services = services_for(network, engine, now=at("2020-02-20T09:00"))
    services.settings = Settings(KANSLI_PUBLIC_URL="https://kansli.example", KANSLI_LINK_SECRET="x" * 40)

    async def go() -> list[int]:
        app = web.Application()
        absence_link.setup(app, services)
        async with TestClient(TestServer(app)) as client:
            out = []
            for token in ("1.2.3.4.%C3%A5%C3%A4", "1.2.3.4.abc", "%D9%A1.2.3.4.abc"):
                out.append((await client.get(f"/franvaro/{token}")).status)
                out.append((await client.post(f"/franvaro/{token}", data={"csrf": "å"},
                                              headers={"Cookie": f"{absence_link.COOKIE}=nonce"})).status)
            return out

    assert asyncio.run(go()) == [403] * 6
