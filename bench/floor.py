"""The floor: what the frameworks cost on their own, measured beside kansli in the same run.

Two bare apps, each served by aiohttp in its own process on a loopback port:

- `slack`: a slack-bolt AsyncApp with signature verification (the same signing secret the
  load generator signs with) that acknowledges the same slash commands kansli registers with
  a constant text. It is mounted the way kansli mounts its Bolt app: an aiohttp route that
  turns the request into a Bolt request (slack_bolt.adapter.aiohttp), dispatches and converts
  the answer back. Its Web API client points at the stand-in (auth.test goes there).
- `teams`: a Bot Framework echo bot behind a CloudAdapter with an empty app id
  (unauthenticated, as kansli runs in the bench); it sends the message text back to the
  activity's serviceUrl (the stand-in) inside the turn, as any bot that answers does.

Run: python -m bench.floor slack|teams --standin URL [--port P]   (prints "READY <port>")
"""
from __future__ import annotations

import argparse
import asyncio
import logging
import sys
from types import SimpleNamespace

from aiohttp import web

SIGNING_SECRET = "bench-signing-secret"
BOT_TOKEN = "xoxb-bench-token"
# The slash commands the load generator sends (kansli registers these among others).
SLASH_COMMANDS = ("/uppdrag", "/dagordning", "/anmal")
CONSTANT = "ok"


def slack_app(standin: str) -> web.Application:
    from slack_bolt.adapter.aiohttp import to_aiohttp_response, to_bolt_request
    from slack_bolt.app.async_app import AsyncApp
    from slack_sdk.web.async_client import AsyncWebClient

    client = AsyncWebClient(token=BOT_TOKEN, base_url=standin.rstrip("/") + "/api/")
    bolt = AsyncApp(client=client, signing_secret=SIGNING_SECRET, process_before_response=False,
                    logger=logging.getLogger("bench.floor.slack"), name="floor")

    async def constant(ack) -> None:  # type: ignore[no-untyped-def]
        await ack(CONSTANT)

    for name in SLASH_COMMANDS:
        bolt.command(name)(constant)

    async def events(request: web.Request) -> web.Response:
        return await to_aiohttp_response(await bolt.async_dispatch(await to_bolt_request(request)))

    app = web.Application()
    app.router.add_post("/slack/events", events)
    return app


def teams_app() -> web.Application:
    from botbuilder.core import ActivityHandler, MessageFactory, TurnContext
    from botbuilder.integration.aiohttp import CloudAdapter, ConfigurationBotFrameworkAuthentication

    config = SimpleNamespace(APP_ID=None, APP_PASSWORD=None, APP_TYPE="MultiTenant", APP_TENANTID=None)
    adapter = CloudAdapter(ConfigurationBotFrameworkAuthentication(config))

    class Echo(ActivityHandler):
        async def on_message_activity(self, turn_context: TurnContext) -> None:
            await turn_context.send_activity(MessageFactory.text(turn_context.activity.text or ""))

    bot = Echo()

    async def messages(request: web.Request) -> web.StreamResponse:
        response = await adapter.process(request, bot)
        return response if response is not None else web.Response(status=200)

    app = web.Application()
    app.router.add_post("/api/messages", messages)
    return app


async def serve(app: web.Application, port: int) -> None:
    runner = web.AppRunner(app, access_log=None)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", port, backlog=1024)
    await site.start()
    print(f"READY {runner.addresses[0][1]}", flush=True)
    await asyncio.Event().wait()


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.floor")
    parser.add_argument("kind", choices=["slack", "teams"])
    parser.add_argument("--standin", required=True, help="base URL of the stand-in server")
    parser.add_argument("--port", type=int, default=0)
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.WARNING)
    app = slack_app(args.standin) if args.kind == "slack" else teams_app()
    try:
        asyncio.run(serve(app, args.port))
    except KeyboardInterrupt:
        pass
    return 0


if __name__ == "__main__":
    sys.exit(main())
