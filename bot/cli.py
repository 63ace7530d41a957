"""The `kansli` command line: import, chat, tick, serve, run and the operator commands.

Each subcommand lives in a small function here or registers itself from its own
module through `SUBCOMMAND_MODULES` (a module with `add_parser(subparsers)`).
Every message to the user is Swedish; a failure prints one sentence, never a
traceback.
"""
from __future__ import annotations

import argparse
import asyncio
import importlib
import logging
import sys
from datetime import datetime
from pathlib import Path
from typing import Callable
from zoneinfo import ZoneInfo

from bot.config import SettingsError, load_settings
from handlers.i18n import _

STOCKHOLM = ZoneInfo("Europe/Stockholm")
EXAMPLE_NETWORK = Path(__file__).with_name("data") / "example-network.yaml"

# Modules that add their own subcommands: each has add_parser(subparsers) setting func=.
SUBCOMMAND_MODULES: list[str] = ["bot.export", "bot.teams_package", "bot.outbox_cli", "bot.ops"]


class CliError(Exception):
    """A Swedish sentence for the operator; the CLI prints it and exits 1."""


def parse_now(text: str | None) -> datetime | None:
    """--now: an ISO date-time; without a zone it is Stockholm time."""
    if not text:
        return None
    try:
        dt = datetime.fromisoformat(text)
    except ValueError:
        raise CliError(_("--now ”{text}” är ingen tidpunkt; skriv till exempel --now 2020-02-20T09:00.", text=text)) from None
    if dt.tzinfo is None:
        dt = dt.replace(tzinfo=STOCKHOLM)
    return dt


def fixed_clock(now: datetime | None) -> Callable[[], datetime]:
    from bot.app import system_clock

    if now is None:
        return system_clock
    return lambda: now


def services_for(args: argparse.Namespace, *, transports=None):  # type: ignore[no-untyped-def]
    from bot.app import build

    settings = load_settings()
    clock = fixed_clock(parse_now(getattr(args, "now", None)))
    return build(settings, clock=clock, transports=transports)


# ------------------------------------------------------------------------------------ import


def import_network(services, path: str) -> list[str]:  # type: ignore[no-untyped-def]
    from storage.network import apply, load_file

    data = load_file(path)
    with services.sessionmaker() as session:
        summary = apply(session, data, now=services.clock())
        if services.settings.email_enabled:
            from handlers.kallelse import sync_invitations

            # A meeting moved, re-placed or cancelled here: its invitation update is queued now.
            sync_invitations(session, now=services.clock())
        session.commit()
    return summary.lines()


def cmd_import(args: argparse.Namespace) -> int:
    from storage.network import NetworkFileError

    services = services_for(args)
    try:
        lines = import_network(services, args.file)
    except NetworkFileError as exc:
        print(_("Filen {file} lästes inte in; inget har ändrats. Rätta följande och försök igen:", file=args.file), file=sys.stderr)
        for err in exc.errors:
            print(f"  - {err}", file=sys.stderr)
        return 1
    print(_("Läste in {file}.", file=args.file))
    for line in lines:
        print(line)
    return 0


# ------------------------------------------------------------------------------------ chat


def chat_usage_error(services, handle: str, channel: str | None) -> str | None:  # type: ignore[no-untyped-def]
    """Why `kansli chat --as HANDLE [--channel FORUM]` cannot run at all, or None."""
    from storage import queries

    with services.sessionmaker() as session:
        if queries.person_by_handle(session, handle) is None:
            return (_("Kansli känner inte igen ”{handle}”. Kontrollera stavningen, eller be "
                      "samordnaren lägga till personen med /ledamot ny @{handle} NAMN; organisation: ID.",
                      handle=handle))
        if channel and queries.forum_by_key(session, channel.lstrip("#")) is None:
            from sqlalchemy import select

            from storage.models import Forum

            keys = ", ".join(session.scalars(select(Forum.key).order_by(Forum.key)))
            return _("Det finns inget forum ”{channel}”. Skriv --channel med forumets id: {keys}.",
                     channel=channel, keys=keys)
    return None


def cmd_chat(args: argparse.Namespace) -> int:
    """Exit status: 0 answered, 1 the (last) command was refused, 2 usage error (unknown handle or channel)."""
    from bot.delivery import ConsoleTransport
    from bot.dispatch import Identity
    from bot.render.text import render_text
    from bot.turn import Turn, TurnPipeline

    services = services_for(args, transports=[ConsoleTransport()])
    # The terminal's turns run through the same pipeline as Slack's and Teams': the answer rendered as
    # text and printed, then the messages the command queued printed by the console transport.
    turns = TurnPipeline(services, render=render_text)
    now = parse_now(args.now)
    identity = Identity(handle=args.as_handle)
    problem = chat_usage_error(services, args.as_handle.lstrip("@"), args.channel)
    if problem:
        print(problem, file=sys.stderr)
        return 2

    async def printed(dispatched) -> None:  # type: ignore[no-untyped-def]
        print(dispatched.rendered)

    async def one_turn(text: str) -> bool:
        turn = Turn(identity=identity, platform="cli", text=text, channel=args.channel, now=now)
        dispatched = await turns.run(turn, printed)
        await turns.drain()  # the notifications, before the next prompt
        return dispatched is not None and dispatched.reply.ok

    def answer(text: str) -> bool:
        return asyncio.run(one_turn(text))

    if args.text:
        return 0 if answer(" ".join(args.text)) else 1
    print(_("Kansli – du skriver som {as_handle}. Skriv /hjälp för kommandon, tom rad eller "
            "Ctrl-D avslutar.",
            as_handle=args.as_handle))
    while True:
        try:
            line = input("> ")
        except (EOFError, KeyboardInterrupt):
            print()
            return 0
        if not line.strip():
            return 0
        answer(line)


# ------------------------------------------------------------------------------------ tick


def cmd_tick(args: argparse.Namespace) -> int:
    from bot.delivery import ConsoleTransport

    try:
        scheduler = importlib.import_module("bot.scheduler")
    except ModuleNotFoundError:
        raise CliError(_("Påminnelserna är inte installerade i den här versionen av Kansli.")) from None
    services = services_for(args, transports=[ConsoleTransport()])
    now = parse_now(args.now) or services.clock()
    result = asyncio.run(scheduler.run_pass(services, now=now))
    if args.verbose:
        print(_("Körning klar: {result}", result=result))
    return 0


# ------------------------------------------------------------------------------------ serve / run


def check_port(host: str, port: int) -> None:
    """Refuse at once, in a sentence, when something else listens on the port. (Several kansli workers share
    a port with SO_REUSEPORT, which would otherwise let a second kansli start silently beside the first.)"""
    import socket

    try:
        found = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM, flags=socket.AI_PASSIVE)
    except socket.gaierror:
        raise CliError(_("Kansli känner inte igen adressen {host}; ange en IP-adress eller ett värdnamn med "
                         "--host eller KANSLI_HOST.", host=host)) from None
    for family, kind, proto, _name, address in found:
        with socket.socket(family, kind, proto) as probe:
            probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
            try:
                probe.bind(address)
            except OSError:
                raise CliError(_("Port {port} på {host} används redan, kanske av en kansli som redan kör; "
                                 "stoppa den eller välj en annan port med --port eller KANSLI_PORT.",
                                 port=port, host=host)) from None


def cmd_serve(args: argparse.Namespace) -> int:
    from bot.serve import serve

    settings = load_settings()
    host, port = args.host or settings.host, args.port or settings.port
    check_port(host, port)
    serve(settings, host=host, port=port)
    return 0


def cmd_run(args: argparse.Namespace) -> int:
    """make run: migrate, load the example network into an empty store, then serve."""
    from bot.app import build, store_is_empty
    from bot.serve import serve

    settings = load_settings()
    host, port = args.host or settings.host, args.port or settings.port
    check_port(host, port)
    services = build(settings)
    if store_is_empty(services):
        from bot.demo import seed_demo

        import_network(services, str(EXAMPLE_NETWORK))
        seed_demo(services)
        print(_("Databasen var tom: läste in exempelnätverket ({name}) med mötena 6 mars och 25 september 2020 "
                "och tre kommande möten.", name=EXAMPLE_NETWORK.name))
    print(_("Kansli lyssnar på http://{host}:{port}  (hälsa: http://{host}:{port}/healthz)",
            host=host, port=port))
    print(_("Mötessidorna: http://{host}:{port}/forum/lchnv/mote/2020-03-06 och …/2020-09-25", host=host, port=port))
    print(_("Prova chatten i en annan terminal (guiderna finns i docs/ledamot.md och docs/samordnare.md):"))
    print(_("  .venv/bin/kansli chat --as eva.strand '/möten'"))
    print(_("  .venv/bin/kansli chat --as maria.lind        (utan text: interaktivt läge)"))
    services.engine.dispose()
    serve(settings, host=host, port=port)
    return 0


# ------------------------------------------------------------------------------------ main


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="kansli", description=_("kansli – sekretariatets assistent i Slack och Teams"))
    sub = parser.add_subparsers(dest="command", required=True, metavar="KOMMANDO")

    p = sub.add_parser("import", help=_("läs in en nätverksfil (YAML); samma fil två gånger ändrar ingenting"))
    p.add_argument("file", metavar="FIL.yaml")
    p.set_defaults(func=cmd_import)

    p = sub.add_parser("chat", help=_("chatta med Kansli i terminalen"))
    p.add_argument("--as", dest="as_handle", required=True, metavar="HANDLE", help=_("vem du skriver som"))
    p.add_argument("--now", metavar="ISO", help=_("låtsas att klockan är denna (Stockholmstid om zon saknas)"))
    p.add_argument("--channel", metavar="FORUM", help=_("skriv som i forumets kanal"))
    p.add_argument("text", nargs="*", help=_("kommandot; utan text startar ett interaktivt läge"))
    p.set_defaults(func=cmd_chat)

    p = sub.add_parser("tick", help=_("kör påminnelserna en gång"))
    p.add_argument("--now", metavar="ISO")
    p.add_argument("-v", "--verbose", action="store_true")
    p.set_defaults(func=cmd_tick)

    for name, helptext, func in (
        ("serve", _("starta tjänsten (Slack, Teams, webbsidor, påminnelser)"), cmd_serve),
        ("run", _("som serve, och läser in exempelnätverket i en tom databas"), cmd_run),
    ):
        p = sub.add_parser(name, help=helptext)
        p.add_argument("--host")
        p.add_argument("--port", type=int)
        p.set_defaults(func=func)

    for module in SUBCOMMAND_MODULES:
        importlib.import_module(module).add_parser(sub)
    return parser


def main(argv: list[str] | None = None) -> int:
    from bot.logging_setup import configure

    configure("text", logging.WARNING)  # the same redacting formatter as the service
    args = build_parser().parse_args(argv)
    try:
        return int(args.func(args) or 0)
    except (CliError, SettingsError) as exc:
        print(str(exc), file=sys.stderr)
        return 1
    except Exception as exc:  # noqa: BLE001 - one Swedish line, details in the log
        from sqlalchemy.exc import OperationalError

        logging.getLogger("kansli").debug("command failed", exc_info=True)
        if isinstance(exc, OperationalError):
            print(_("Kansli når inte databasen; kontrollera KANSLI_DATABASE_URL och försök igen."), file=sys.stderr)
        else:
            print(_("Kansli stötte på ett fel ({name__}); inget mer gjordes. Försök igen.", name__=type(exc).__name__), file=sys.stderr)
        return 1


if __name__ == "__main__":
    # Run the one bot.cli module (not a second copy as __main__), so errors raised by
    # subcommand modules (bot.cli.CliError) are the ones main() catches.
    from bot.cli import main as _main

    sys.exit(_main())
