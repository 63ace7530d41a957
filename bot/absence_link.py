"""The personal absence link of an e-mailed kallelse: KANSLI_PUBLIC_URL/franvaro/TOKEN.

    GET  /franvaro/{token}   a Swedish page with the meeting and a form: whole or part, note, substitute
                             (where the forum allows one); no JavaScript
    POST /franvaro/{token}   records the absence by running `/anmäl frånvaro` through the dispatcher as
                             the person, so the same rules, replies and notifications apply, and says so

The token (bot.mail.links) names the person and the meeting and is valid until the meeting starts. A
changed or expired token, or one issued before the person last withdrew an absence from that meeting,
gets a Swedish 403 page and records nothing. The form carries a CSRF token bound to the link and to a
cookie set with the form. Database work runs in the service's database threads, never on the loop.
"""
from __future__ import annotations

import logging
import re
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from aiohttp import web
from sqlalchemy import select

from bot.app import Services
from bot.dispatch import Identity
from bot.mail import links
from bot.web import environment
from handlers.absence import substitute_candidates
from handlers.fmt import format_date, local
from handlers.publication import time_text
from storage.models import Absence, Meeting, Person
from handlers.i18n import _

log = logging.getLogger("kansli.absence_link")

COOKIE = "kansli_franvaro"
DENIED = (_("Länken till frånvaroanmälan gäller inte. Den kan ha ändrats, mötet kan ha "
            "börjat, eller så har du återkallat en frånvaro som anmäldes med den. Anmäl "
            "frånvaro i chatten med /anmäl frånvaro, eller svara samordnaren."))
HEADERS = {
    "Cache-Control": "no-store",
    "Referrer-Policy": "no-referrer",
    "X-Frame-Options": "DENY",
    "Content-Security-Policy": "default-src 'none'; style-src 'unsafe-inline'; form-action 'self'; "
                               "frame-ancestors 'none'",
}
_ITEM = re.compile(r"^\d{1,3}$")
_TIME = re.compile(r"^([01]?\d|2[0-3])[:.]([0-5]\d)$")
_HANDLE = re.compile(r"^[\w.\-]{1,100}$")


@dataclass
class Page:
    status: int
    body: str
    cookie: str | None = None


@dataclass
class Found:
    person: Person
    meeting: Meeting


class AbsencePages:
    def __init__(self, services: Services) -> None:
        self.services = services
        self.env = environment()

    @property
    def secret(self) -> str:
        return self.services.settings.link_secret

    def _html(self, template: str, status: int = 200, **context: Any) -> str:
        return self.env.get_template(template).render(**context)

    def denied(self) -> Page:
        return Page(403, self._html("absence_denied.html", title=_("Länken gäller inte"), message=DENIED, forum=None))

    def _find(self, session, token: str, now: datetime) -> Found | None:  # type: ignore[no-untyped-def]
        found = links.verify(self.secret, token, now=now)
        if found is None:
            return None
        meeting = session.get(Meeting, found.meeting_id)
        person = session.get(Person, found.person_id)
        if meeting is None or person is None or person.erased or meeting.cancelled or meeting.starts_at <= now:
            return None
        absence = session.scalar(select(Absence).where(Absence.meeting_id == meeting.id,
                                                       Absence.person_id == person.id))
        if absence is not None and absence.withdrawn_at is not None and absence.withdrawn_at >= found.issued:
            return None  # withdrawn after this link was sent: the link is spent
        return Found(person=person, meeting=meeting)

    def _context(self, session, found: Found, *, csrf: str, error: str | None = None,  # type: ignore[no-untyped-def]
                 values: dict[str, str] | None = None) -> dict[str, Any]:
        meeting, person = found.meeting, found.person
        forum = meeting.forum
        substitutes = [{"handle": p.handle, "name": p.name}
                       for p in substitute_candidates(session, meeting, person)]
        current = session.scalar(select(Absence).where(Absence.meeting_id == meeting.id,
                                                       Absence.person_id == person.id,
                                                       Absence.withdrawn_at.is_(None)))
        label = forum.short or forum.name
        return {
            "title": _("Anmäl frånvaro – {label} {starts_at}", label=label, starts_at=format_date(meeting.starts_at)),
            "forum": {"key": forum.key, "name": forum.name},
            "person": person.name,
            "label": label,
            "date_text": format_date(meeting.starts_at),
            "time_text": time_text(meeting),
            "place": meeting.place,
            "already": current is not None,
            "substitutes": substitutes,
            "csrf": csrf,
            "error": error,
            "values": values or {},
        }

    def form(self, token: str, *, now: datetime) -> Page:
        nonce = links.new_nonce()
        with self.services.sessionmaker() as session:
            found = self._find(session, token, now)
            if found is None:
                return self.denied()
            context = self._context(session, found, csrf=links.csrf_token(self.secret, token, nonce))
        return Page(200, self._html("absence_form.html", **context), cookie=nonce)

    def submit(self, token: str, form: dict[str, str], *, nonce: str | None, now: datetime) -> tuple[Page, list[int]]:
        if not links.csrf_ok(self.secret, token, nonce, form.get("csrf")):
            return self.denied(), []
        with self.services.sessionmaker() as session:
            found = self._find(session, token, now)
            if found is None:
                return self.denied(), []
            try:
                text = command_text(found.meeting, form)
            except ValueError as exc:
                context = self._context(session, found, csrf=form.get("csrf", ""), error=str(exc), values=form)
                return Page(400, self._html("absence_form.html", **context)), []
            handle = found.person.handle
            label = found.meeting.forum.short or found.meeting.forum.name
            date_text = format_date(found.meeting.starts_at)
            forum = {"key": found.meeting.forum.key, "name": found.meeting.forum.name}
        outcome = self.services.dispatcher.run(text, identity=Identity(handle=handle), platform="web", now=now)
        reply = outcome.reply
        if not reply.ok:
            with self.services.sessionmaker() as session:
                found = self._find(session, token, now)
                if found is None:
                    return self.denied(), []
                context = self._context(session, found, csrf=form.get("csrf", ""),
                                        error=" ".join(reply.lines) or DENIED, values=form)
            return Page(400, self._html("absence_form.html", **context)), []
        page = self._html("absence_done.html", title=_("Frånvaro anmäld – {label} {date_text}", label=label, date_text=date_text), forum=forum,
                          reply=reply)
        return Page(200, page), outcome.outbox_ids


def command_text(meeting: Meeting, form: dict[str, str]) -> str:
    """The `/anmäl frånvaro` command the form stands for; a ValueError (Swedish) for a bad field."""
    start = local(meeting.starts_at)
    parts = [_("/anmäl frånvaro {isoformat} kl {start:%H.%M}", isoformat=start.date().isoformat(), start=start)]
    scope = form.get("omfattning", "hela")
    if scope == "punkter":
        first, last = form.get("punkt_fran", "").strip(), form.get("punkt_till", "").strip() or None
        if not _ITEM.match(first) or (last is not None and not _ITEM.match(last)):
            raise ValueError(_("Skriv punkterna med siffror, till exempel från 4 till 6."))
        parts.append(f"punkt {first}-{last}" if last else f"punkt {first}")
    elif scope in ("till", "fran"):
        m = _TIME.match(form.get("klockan", "").strip())
        if not m:
            raise ValueError(_("Skriv klockslaget som 10.30."))
        parts.append(f"{'till' if scope == 'till' else 'från'} kl {int(m.group(1)):02d}.{m.group(2)}")
    elif scope != "hela":
        raise ValueError(_("Välj hela mötet eller en del av det."))
    parts.append(f"; forum: {meeting.forum.key}")
    substitute = form.get("ersattare", "").strip()
    if substitute:
        if not _HANDLE.match(substitute):
            raise ValueError(_("Välj ersättaren i listan."))
        parts.append(_("; ersättare: @{substitute}", substitute=substitute))
    # The note runs to the end of the command; a semicolon in it must not start another option.
    note = " ".join(form.get("notering", "").split()).replace(";", ",")
    if note:
        parts.append(f"; notering: {note}")
    return " ".join(parts)


ABSENCE_KEY: web.AppKey[AbsencePages] = web.AppKey("kansli_absence_pages", AbsencePages)


def setup(app: web.Application, services: Services) -> None:
    pages = AbsencePages(services)
    app[ABSENCE_KEY] = pages
    secure = services.settings.public_url.startswith("https://")

    def respond(page: Page) -> web.Response:
        resp = web.Response(status=page.status, text=page.body, content_type="text/html", charset="utf-8")
        resp.headers.update(HEADERS)
        if page.cookie:
            resp.set_cookie(COOKIE, page.cookie, path=links.PATH.rstrip("/"), httponly=True, samesite="Strict",
                            secure=secure, max_age=3600 * 12)
        return resp

    async def run(fn, *args: Any, **kwargs: Any) -> Any:  # type: ignore[no-untyped-def]
        return await services.threads.run(fn, *args, **kwargs)

    async def get(request: web.Request) -> web.Response:
        if not pages.secret:
            return respond(pages.denied())
        try:
            page = await run(pages.form, request.match_info["token"], now=services.clock())
        except Exception:  # noqa: BLE001 - a reader gets a Swedish page, the log the details
            log.exception("absence page failed")
            return respond(Page(500, pages._html("error.html", title=_("Något gick fel"), forum=None)))
        return respond(page)

    async def post(request: web.Request) -> web.Response:
        if not pages.secret:
            return respond(pages.denied())
        data = await request.post()
        form = {k: str(v) for k, v in data.items() if isinstance(v, str)}
        try:
            page, ids = await run(pages.submit, request.match_info["token"], form,
                                  nonce=request.cookies.get(COOKIE), now=services.clock())
        except Exception:  # noqa: BLE001
            log.exception("absence report by link failed")
            return respond(Page(500, pages._html("error.html", title=_("Något gick fel"), forum=None)))
        if ids:
            try:
                await services.deliverer.deliver(ids)
            except Exception:  # noqa: BLE001 - the outbox keeps them; the scheduler sends them
                log.warning("delivering the absence notifications failed; the scheduler retries", exc_info=True)
        return respond(page)

    app.router.add_get(links.PATH + "{token}", get)
    app.router.add_post(links.PATH + "{token}", post)
