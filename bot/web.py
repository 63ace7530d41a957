"""The published pages: a forum's meetings, agendas and minutes as Swedish HTML, and its calendar feed.

    GET /forum                          the forums kansli publishes
    GET /forum/{forum}                  coming meetings, published agendas, sent minutes, calendar link
    GET /forum/{forum}/mote/{YYYY-MM-DD} one meeting: the agenda once published, the minutes once sent
    GET /forum/{forum}/kalender.ics     every meeting of the forum as iCalendar

Nothing unpublished leaves the store: the agenda shown is the latest published version as it was
stored when published (earlier versions below it), and the minutes are the text stored when they
were sent, with its SHA-256. Database work and rendering run in
a worker thread so the event loop (Slack, Teams) is never blocked.
"""
from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

from aiohttp import web
from jinja2 import Environment, FileSystemLoader, select_autoescape

from bot.app import Services
from handlers.calendar import forum_deadlines
from handlers.fmt import format_date, local
from handlers.publication import (
    earlier_versions,
    forum_page,
    item_blocks,
    meeting_by_slug,
    meeting_info,
    published_agenda,
)
from storage import queries
from handlers.i18n import _, ngettext

log = logging.getLogger("kansli.web")

TEMPLATES = Path(__file__).with_name("templates")
HTML = "text/html"


def environment() -> Environment:
    env = Environment(
        loader=FileSystemLoader(str(TEMPLATES)),
        autoescape=select_autoescape(["html"]),
        trim_blocks=True,
        lstrip_blocks=True,
    )
    env.globals["item_blocks"] = item_blocks
    env.globals.update(_=_, ngettext=ngettext)  # the templates' text comes from the catalogue too
    env.filters["full_date"] = format_date
    return env


@dataclass
class Rendered:
    status: int
    body: bytes
    content_type: str = HTML
    headers: dict[str, str] | None = None


class Pages:
    """Builds each page from the store; every method is synchronous and runs in a worker thread."""

    def __init__(self, services: Services) -> None:
        self.services = services
        self.env = environment()

    def _html(self, template: str, status: int = 200, **context: Any) -> Rendered:
        body = self.env.get_template(template).render(**context)
        return Rendered(status=status, body=body.encode("utf-8"))

    def not_found(self, message: str, *, forum: Any = None) -> Rendered:
        return self._html("not_found.html", status=404, message=message, forum=forum, title=_("Sidan finns inte"))

    def index(self) -> Rendered:
        from sqlalchemy import select

        from storage.models import Forum

        with self.services.sessionmaker() as session:
            forums = [
                {"key": f.key, "name": f.name, "label": f.short or f.name}
                for f in session.scalars(select(Forum).order_by(Forum.name))
            ]
        return self._html("index.html", forums=forums, title="Forum")

    def forum(self, key: str, *, now: datetime, base: str) -> Rendered:
        with self.services.sessionmaker() as session:
            forum = queries.forum_by_key(session, key)
            if forum is None:
                return self.not_found(_("Det finns inget forum med adressen ”{key}” i Kansli.", key=key))
            page = forum_page(session, forum, now=now)
        return self._html(
            "forum.html",
            page=page,
            forum={"key": page.key, "name": page.name},
            title=page.name,
            base=base,
            today=format_date(local(now)),
        )

    def meeting(self, key: str, slug: str, *, now: datetime, base: str) -> Rendered:
        from handlers.minutes import minutes_doc

        with self.services.sessionmaker() as session:
            forum = queries.forum_by_key(session, key)
            if forum is None:
                return self.not_found(_("Det finns inget forum med adressen ”{key}” i Kansli.", key=key))
            meeting = meeting_by_slug(session, forum, slug)
            if meeting is None:
                return self.not_found(
                    _("{value} har inget möte som heter ”{slug}”. Mötena listas på forumets sida.",
                      value=forum.short or forum.name, slug=slug),
                    forum={"key": forum.key, "name": forum.name},
                )
            info = meeting_info(session, meeting)
            due = forum_deadlines(forum, info.day)
            today = local(now).date()
            # Only what has been published is ever read for the page.
            agenda = published_agenda(session, meeting) if not meeting.cancelled else None
            earlier = earlier_versions(session, meeting) if agenda is not None else []
            minutes = minutes_doc(session, meeting, now=now) if meeting.minutes_sent_at else None
            sha256 = meeting.minutes_sha256 if minutes is not None else None
        return self._html(
            "meeting.html",
            meeting=info,
            agenda=agenda,
            earlier=earlier,
            minutes=minutes,
            sha256=sha256,
            title=f"{info.forum_label} {info.date_text}",
            agenda_due=format_date(due.agenda, sentence=True) if due.agenda and due.agenda >= today else None,
            minutes_due=format_date(due.minutes, sentence=True) if due.minutes and due.minutes >= today else None,
            meeting_held=meeting.starts_at <= now,
            base=base,
            forum={"key": info.forum_key, "name": info.forum_name},
        )

    def calendar(self, key: str, *, now: datetime, base: str) -> Rendered:
        from bot.ics import forum_calendar

        with self.services.sessionmaker() as session:
            forum = queries.forum_by_key(session, key)
            if forum is None:
                return self.not_found(_("Det finns inget forum med adressen ”{key}” i Kansli.", key=key))
            body = forum_calendar(session, forum, base_url=base, now=now)
        return Rendered(
            status=200,
            body=body,
            content_type="text/calendar",
            headers={"Content-Disposition": f'inline; filename="{key}.ics"', "Cache-Control": "max-age=300"},
        )


PAGES_KEY: web.AppKey[Pages] = web.AppKey("kansli_pages", Pages)


def base_url(request: web.Request, services: Services) -> str:
    """KANSLI_PUBLIC_URL when set (behind a proxy), else the address kansli listens on.

    Never the request's Host header: whoever sends the request chooses that, and the links built from it
    end up in calendars and pages that others open."""
    configured = services.settings.public_url.strip().rstrip("/")
    if configured:
        return configured
    sockname = request.transport.get_extra_info("sockname") if request.transport is not None else None
    if isinstance(sockname, tuple) and len(sockname) >= 2:
        host, port = str(sockname[0]), int(sockname[1])
    else:
        host, port = services.settings.host, int(services.settings.port)
    if ":" in host:  # IPv6
        host = f"[{host}]"
    return f"http://{host}:{port}"


def _respond(r: Rendered) -> web.Response:
    resp = web.Response(status=r.status, body=r.body, content_type=r.content_type, charset="utf-8")
    for k, v in (r.headers or {}).items():
        resp.headers[k] = v
    return resp


def setup(app: web.Application, services: Services) -> None:
    pages = Pages(services)
    app[PAGES_KEY] = pages

    async def run(fn, *args: Any, **kwargs: Any) -> web.Response:  # type: ignore[no-untyped-def]
        try:
            rendered = await services.threads.run(fn, *args, **kwargs)
        except Exception:  # noqa: BLE001 - a reader gets a Swedish page, the log gets the details
            log.exception("page failed")
            body = pages.env.get_template("error.html").render(title=_("Något gick fel"))
            return web.Response(status=500, text=body, content_type=HTML, charset="utf-8")
        return _respond(rendered)

    async def index(request: web.Request) -> web.Response:
        return await run(pages.index)

    async def forum(request: web.Request) -> web.Response:
        return await run(pages.forum, request.match_info["forum"], now=services.clock(),
                         base=base_url(request, services))

    async def meeting(request: web.Request) -> web.Response:
        return await run(pages.meeting, request.match_info["forum"], request.match_info["slug"],
                         now=services.clock(), base=base_url(request, services))

    async def calendar(request: web.Request) -> web.Response:
        return await run(pages.calendar, request.match_info["forum"], now=services.clock(),
                         base=base_url(request, services))

    app.router.add_get("/forum", index)
    app.router.add_get("/forum/", index)
    app.router.add_get("/forum/{forum}/kalender.ics", calendar)
    app.router.add_get("/forum/{forum}/mote/{slug}", meeting)
    app.router.add_get("/forum/{forum}", forum)
    app.router.add_get("/forum/{forum}/", forum)

    async def unknown(request: web.Request) -> web.Response:
        return _respond(pages.not_found(_("Adressen finns inte bland kanslis sidor. Forumen listas på /forum.")))

    app.router.add_get("/forum/{tail:.+}", unknown)
