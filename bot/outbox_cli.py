"""`kansli utskick`: the outbox as the operator sees it, and a retry of failed deliveries.

    kansli utskick                    the latest deliveries, newest last
    kansli utskick --väntande         pending ones (also those waiting for a platform that reaches the person)
    kansli utskick --misslyckade      failed ones (gave up after repeated errors, or refused by the platform)
    kansli utskick --försök-igen      failed → pending again, then deliver

The reminder ledger (storage.models.ReminderLedger: each reminder that went out inside a
combined delivery) is bookkeeping in a table of its own and not listed.
"""
from __future__ import annotations

import argparse
import asyncio
from datetime import datetime

from sqlalchemy import select
from handlers.i18n import _
from bot.message_kinds import KIND_NAMES  # noqa: F401 - used through this module too

STATUS_NAMES = {
    "pending": "väntar",
    "sending": "skickas",
    "sent": "skickat",
    "failed": "misslyckat",
}
HEADERS = ("när", "till", "vad", "status", "försök", "fel")


def add_parser(subparsers) -> None:  # type: ignore[no-untyped-def]
    p = subparsers.add_parser(
        "utskick",
        help=_("visa utskicken (påminnelser och meddelanden) och försök igen med misslyckade"),
        description=_("Visar utskicken i Kansli: när, till vem, vad, status, antal försök och senaste fel."),
    )
    which = p.add_mutually_exclusive_group()
    which.add_argument("--väntande", "--vantande", dest="pending", action="store_true",
                       help=_("bara de som väntar på att skickas (också de som ingen plattform når ännu)"))
    which.add_argument("--misslyckade", dest="failed", action="store_true", help=_("bara de som misslyckats"))
    p.add_argument("--försök-igen", "--forsok-igen", dest="retry", action="store_true",
                   help=_("lägg tillbaka misslyckade utskick i kön och skicka dem"))
    p.add_argument("--antal", type=int, default=50, metavar="N", help=_("visa högst N rader (standard 50)"))
    p.add_argument("--now", metavar="ISO", help=_("låtsas att klockan är denna (Stockholmstid om zon saknas)"))
    p.set_defaults(func=cmd_utskick)


def _error_text(error: str | None) -> str:
    if not error:
        return ""
    if error.startswith("no platform reaches"):
        return _("ingen plattform når mottagaren ännu")
    return " ".join(error.split())[:80]


def _when(dt: datetime | None) -> str:
    from handlers.fmt import local

    return local(dt).strftime("%Y-%m-%d %H:%M") if dt else ""


def outbox_rows(session, *, which: str, limit: int) -> list[tuple[str, ...]]:  # type: ignore[no-untyped-def]
    """The listing as rows of Swedish text: när, till, vad, status, försök, fel."""
    from storage.models import Forum, Outbox, Person

    stmt = select(Outbox)
    if which == "pending":
        stmt = stmt.where(Outbox.status.in_(("pending", "sending")))
    elif which == "failed":
        stmt = stmt.where(Outbox.status == "failed")
    rows = list(session.scalars(stmt.order_by(Outbox.id.desc()).limit(max(limit, 1))))
    rows.reverse()
    out = []
    for row in rows:
        if row.person_id is not None:
            person = session.get(Person, row.person_id)
            to = person.handle if person else f"person {row.person_id}"
        elif row.forum_id is not None:
            forum = session.get(Forum, row.forum_id)
            to = f"#{forum.key}" if forum else f"forum {row.forum_id}"
        else:
            to = "–"
        title = (row.payload or {}).get("title") or ""
        what = title or KIND_NAMES.get(row.kind, row.kind)
        status = STATUS_NAMES.get(row.status, row.status)
        if row.status == "sent" and row.sent_at:
            status = f"skickat {_when(row.sent_at)}" + (f" ({row.transport})" if row.transport else "")
        elif row.status == "pending" and row.attempts == 0 and row.last_error is None:
            status = "väntar"
        elif row.status == "pending":
            status = _("väntar, nästa försök {next_attempt_at}", next_attempt_at=_when(row.next_attempt_at))
        out.append((_when(row.created_at), to, what[:70], status, str(row.attempts), _error_text(row.last_error)))
    return out


def format_table(rows: list[tuple[str, ...]]) -> str:
    widths = [max(len(h), *(len(r[i]) for r in rows)) if rows else len(h) for i, h in enumerate(HEADERS)]
    lines = ["  ".join(h.ljust(widths[i]) for i, h in enumerate(HEADERS)).rstrip()]
    lines.append("  ".join("-" * w for w in widths))
    lines += ["  ".join(c.ljust(widths[i]) for i, c in enumerate(r)).rstrip() for r in rows]
    return "\n".join(lines)


def _platforms_configured(settings) -> bool:  # type: ignore[no-untyped-def]
    return bool(settings.slack_bot_token or settings.microsoft_app_id)


def cmd_utskick(args: argparse.Namespace) -> int:
    from bot.cli import CliError, parse_now, services_for
    from bot.delivery import ConsoleTransport
    from storage import outbox

    if args.antal < 1:
        raise CliError(_("--antal ska vara ett positivt heltal, till exempel --antal 20."))
    services = services_for(args, transports=[ConsoleTransport()])
    now = parse_now(args.now) or services.clock()
    if args.retry:
        with services.sessionmaker() as session:
            n = outbox.retry_failed(session, now=now)
            session.commit()
        if n == 0:
            print(_("Inga misslyckade utskick att försöka igen med."))
        elif _platforms_configured(services.settings):
            print(_("{n_} misslyckade utskick ligger i kön igen; tjänsten (kansli serve) skickar dem "
                    "inom en minut.",
                    n_=n))
        else:
            print(_("{n_} misslyckade utskick ligger i kön igen och skickas nu:", n_=n))
            sent = {"sent": 0, "waiting": 0, "failed": 0}
            for __ in range(100):
                done = asyncio.run(services.deliverer.deliver(now=now))
                for k, v in done.items():
                    sent[k] = sent.get(k, 0) + v
                if not any(done.values()):
                    break
            print(_("\nSkickade {value}, väntar {value2}, misslyckades {value3}.",
                    value=sent['sent'], value2=sent['waiting'], value3=sent['failed']))
        if not (args.pending or args.failed):
            return 0
    which = "pending" if args.pending else "failed" if args.failed else "all"
    with services.sessionmaker() as session:
        rows = outbox_rows(session, which=which, limit=args.antal)
    if not rows:
        empty = {
            "pending": "Inga utskick väntar.",
            "failed": "Inga utskick har misslyckats.",
            "all": "Inga utskick ännu.",
        }[which]
        print(empty)
        return 0
    print(format_table(rows))
    return 0
