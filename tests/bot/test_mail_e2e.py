"""Done when: with only SMTP configured, a network whose members have no chat ids runs reminders, the
kallelse with its invitation, absence by link, minutes with documents — all by e-mail — and
`kansli utskick` shows each delivery. The CLI runs as the operator runs it (subprocesses on an SQLite
file); the absence link is followed over HTTP into the same store; the mail lands in aiosmtpd.
"""
from __future__ import annotations

import asyncio
import os
import re
import subprocess
import sys
from pathlib import Path

from aiohttp import web
from aiohttp.test_utils import TestClient, TestServer
from icalendar import Calendar
from sqlalchemy import select

from tests.bot.mail_support import mail_env, mail_settings, parts, smtp  # noqa: F401
from tests.conftest import EXAMPLE, at

KANSLI = [sys.executable, "-m", "bot.cli"]
PUBLIC = "https://kansli.region.example"


def no_chat_network(tmp_path: Path) -> Path:
    """The example network without a single Slack or Teams id: only e-mail reaches anyone."""
    lines = [line for line in EXAMPLE.read_text(encoding="utf-8").splitlines()
             if not re.match(r"\s*(slack|teams|teams_aad|channels):", line)]
    path = tmp_path / "network.yaml"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def test_a_network_reached_only_by_email_runs_end_to_end(tmp_path: Path, smtp) -> None:  # type: ignore[no-untyped-def]
    db = tmp_path / "kansli.db"
    env = dict(os.environ, KANSLI_DATABASE_URL=f"sqlite:///{db}", **mail_env(smtp.port, PUBLIC))

    def kansli(*args: str) -> str:
        done = subprocess.run(KANSLI + list(args), env=env, capture_output=True, text=True, timeout=180,
                              cwd=tmp_path)
        assert done.returncode == 0, done.stderr
        return done.stdout

    kansli("import", str(no_chat_network(tmp_path)))

    # Reminders: the coordinator's two due reminders arrive as one e-mail.
    kansli("tick", "--now", "2020-02-28T08:00")
    [reminder] = smtp.inbox.messages("maria.lind@example.se")
    assert reminder["Auto-Submitted"] == "auto-generated"
    assert "fredagen den 28 februari 2020" in parts(reminder)["text/plain"][0].get_content()

    # The kallelse, with its invitation, to every member.
    out = kansli("chat", "--as", "maria.lind", "--now", "2020-02-28T09:00", "/publicera dagordning 6 mars")
    assert "Dagordningen för" in out
    members = ["karin.berg", "lars.holm", "maria.lind", "per.ek", "eva.strand"]
    for handle in members:
        kallelse = smtp.inbox.messages(f"{handle}@example.se")[-1]
        assert kallelse["Subject"] == "Kallelse: LCHNV fredag 6 mars 2020"
        cal = Calendar.from_ical(parts(kallelse)["text/calendar"][0].get_content())
        assert str(cal["method"]) == "REQUEST"
        assert str(cal.walk("VEVENT")[0]["attendee"]) == f"mailto:{handle}@example.se"

    # The meeting moved in the network file: `kansli import` queues the update, the next tick sends it.
    network = no_chat_network(tmp_path)
    moved = network.read_text(encoding="utf-8").replace(
        '{start: "2020-03-06T09:30", end: "2020-03-06T14:00", place: "Myntgatan 2, Falun, lokal Siljan"}',
        '{start: "2020-03-06T13:00", end: "2020-03-06T16:00", place: "Teams"}')
    assert moved != network.read_text(encoding="utf-8")
    network.write_text(moved, encoding="utf-8")
    kansli("import", str(network))
    kansli("tick", "--now", "2020-02-28T09:30")
    update = smtp.inbox.messages("per.ek@example.se")[-1]
    event = Calendar.from_ical(parts(update)["text/calendar"][0].get_content()).walk("VEVENT")[0]
    assert int(event["sequence"]) == 1 and str(event["location"]) == "Teams"
    assert event.decoded("dtstart").hour == 13
    count = len(smtp.inbox.messages("per.ek@example.se"))
    kansli("tick", "--now", "2020-02-28T09:31")

    # Absence by the link in Per's first kallelse, into the same store over HTTP.
    text = parts(smtp.inbox.messages("per.ek@example.se")[0])["text/plain"][0].get_content()
    link = re.search(re.escape(PUBLIC) + r"(/franvaro/\S+)", text).group(1)  # type: ignore[union-attr]
    assert len(smtp.inbox.messages("per.ek@example.se")) == count  # the second tick sent nothing again
    page = asyncio.run(report_by_link(db, smtp.port, link))
    assert "Frånvaro anmäld" in page and "fredag 6 mars 2020" in page
    told = smtp.inbox.messages("maria.lind@example.se")[-1]
    assert "Per Ek" in parts(told)["text/plain"][0].get_content()

    # The minutes, with the PDF and DOCX, to every member.
    kansli("chat", "--as", "maria.lind", "--now", "2020-03-06T15:00",
           "/minnesanteckningar tillägg 2020-03-06: Mötet hölls i Falun.")
    kansli("chat", "--as", "maria.lind", "--now", "2020-03-06T15:05", "/minnesanteckningar skickade 2020-03-06")
    for handle in members:
        minutes = smtp.inbox.messages(f"{handle}@example.se")[-1]
        names = sorted(p.get_filename() for p in minutes.iter_attachments())
        assert names == ["minnesanteckningar-lchnv-2020-03-06.docx", "minnesanteckningar-lchnv-2020-03-06.pdf"]

    listing = kansli("utskick", "--antal", "100")
    emailed = [line for line in listing.splitlines() if "(email)" in line]
    assert any(line.split()[2] == "maria.lind" and "påminnelse" in line.lower() for line in emailed), listing
    for handle in members:
        assert any(f" {handle} " in line and "Kallelse: LCHNV" in line for line in emailed), listing
        assert any(f" {handle} " in line and "Minnesanteckningar: LCHNV" in line for line in emailed), listing
    assert any("frånvaro" in line.lower() and " maria.lind " in line for line in emailed), listing


async def report_by_link(db: Path, port: int, path: str) -> str:
    from bot import absence_link
    from bot.app import build

    settings = mail_settings(port, KANSLI_DATABASE_URL=f"sqlite:///{db}")
    services = build(settings, clock=lambda: at("2020-02-28T10:00"))  # before the meeting, when the link holds
    app = web.Application()
    absence_link.setup(app, services)
    try:
        async with TestClient(TestServer(app)) as client:
            resp = await client.get(path)
            assert resp.status == 200
            form = await resp.text()
            csrf = re.search(r'name="csrf" value="([^"]+)"', form).group(1)  # type: ignore[union-attr]
            # The cookie is Secure (KANSLI_PUBLIC_URL is https): sent back as a browser over https would.
            cookie = resp.cookies[absence_link.COOKIE]
            assert cookie["secure"] and cookie["httponly"] and cookie["samesite"] == "Strict"
            resp = await client.post(path, data={"csrf": csrf, "omfattning": "till", "klockan": "14.00",
                                                 "notering": "Tandläkare"},
                                     headers={"Cookie": f"{absence_link.COOKIE}={cookie.value}"})
            assert resp.status == 200, await resp.text()
            return await resp.text()
    finally:
        await asyncio.to_thread(services.threads.close)
        services.engine.dispose()


def test_utskick_lists_a_refused_address_with_the_servers_reason(tmp_path: Path, smtp) -> None:  # type: ignore[no-untyped-def]
    smtp.inbox.refuse["maria.lind@example.se"] = "550 5.1.1 <maria.lind@example.se>: Recipient address rejected"
    db = tmp_path / "kansli.db"
    env = dict(os.environ, KANSLI_DATABASE_URL=f"sqlite:///{db}", **mail_env(smtp.port, PUBLIC))
    for args in (["import", str(no_chat_network(tmp_path))], ["tick", "--now", "2020-02-28T08:00"],
                 ["utskick", "--misslyckade"]):
        done = subprocess.run(KANSLI + args, env=env, capture_output=True, text=True, timeout=180, cwd=tmp_path)
        assert done.returncode == 0, done.stderr
    assert "maria.lind" in done.stdout and "misslyckat" in done.stdout and "SMTP 550" in done.stdout

    from storage.db import make_engine
    from storage.models import Outbox

    engine = make_engine(f"sqlite:///{db}")
    with engine.connect() as conn:
        errors = [r.last_error for r in conn.execute(select(Outbox).where(Outbox.status == "failed"))]
    engine.dispose()
    assert any("Recipient address rejected" in (e or "") for e in errors)
