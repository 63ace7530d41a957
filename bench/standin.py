"""A loopback stand-in for everything kansli and the floor call out to during `make bench`.

One aiohttp process that answers, at once and with the smallest plausible body:
- the Slack Web API (`POST /api/<method>`: auth.test, conversations.open, chat.postMessage, …);
- Slack response_url posts (`POST /slack/response/<rid>`), noting when each arrived, because
  that arrival is when the user actually sees kansli's answer (kansli acknowledges first);
- the Bot Framework connector (`POST /v3/conversations[/…]`), noting Teams replies the same way.

It keeps only counters, one arrival instant per answer and the start of a bounded number of
answer texts. `GET /_wait/<key>` answers as soon as that answer has arrived (so a simulated
user waits for it before typing the next command); `GET /_arrivals` and `GET /_texts` hand
over what was kept and forget it; `GET /_stats` gives the counters. Instants are
`time.monotonic()`, on Linux the system-wide CLOCK_MONOTONIC, so the load generator in
another process can subtract its own send instants from them.

Run: python -m bench.standin [--port P]   (prints "READY <port>" once listening)
"""
from __future__ import annotations

import argparse
import asyncio
import itertools
import json
import sys
import time
from collections import Counter
from urllib.parse import parse_qs

from aiohttp import web

BOT_USER = "UKANSLIBOT"
TEXTS = 5000
TEXT_CHARS = 400


def _texts(value: object, out: list[str]) -> None:
    if isinstance(value, dict):
        for k, v in value.items():
            if k == "text" and isinstance(v, str):
                out.append(v)
            else:
                _texts(v, out)
    elif isinstance(value, list):
        for v in value:
            _texts(v, out)


def answer_text(body: bytes) -> str:
    """The words of an answer (Slack message or Bot Framework activity), shortened."""
    try:
        data = json.loads(body)
    except ValueError:
        return body[:TEXT_CHARS].decode("utf-8", "replace")
    if isinstance(data, dict) and isinstance(data.get("text"), str) and data["text"].strip():
        return data["text"][:TEXT_CHARS]
    found: list[str] = []
    _texts(data, found)
    return " | ".join(found)[:TEXT_CHARS]


class StandIn:
    def __init__(self) -> None:
        self.arrivals: dict[str, float] = {}
        self.waiters: dict[str, asyncio.Future[float]] = {}
        # The start of each answer's text (at most TEXTS of them), to check that the bench
        # measured real answers and not refusals.
        self.texts: dict[str, str] = {}
        self.calls: Counter[str] = Counter()
        self._ts = itertools.count(1)

    # ---------------------------------------------------------------- Slack Web API

    async def slack_api(self, request: web.Request) -> web.Response:
        method = request.match_info["method"]
        self.calls[f"slack:{method}"] += 1
        body = await request.read()
        args: dict[str, str] = {}
        if body:
            if request.content_type == "application/json":
                try:
                    args = {k: str(v) for k, v in json.loads(body).items() if isinstance(v, (str, int))}
                except ValueError:
                    args = {}
            else:
                args = {k: v[0] for k, v in parse_qs(body.decode("utf-8", "replace")).items()}
        ts = f"{int(time.time())}.{next(self._ts):06d}"
        if method == "auth.test":
            out = {"ok": True, "url": "https://bench.slack.invalid/", "team": "Bench", "user": "kansli",
                   "team_id": "TBENCH", "user_id": BOT_USER, "bot_id": "BKANSLI", "is_enterprise_install": False}
        elif method == "conversations.open":
            user = args.get("users", "U0").split(",")[0]
            out = {"ok": True, "channel": {"id": "D" + user.lstrip("UW")}}
        elif method in ("chat.postMessage", "chat.update"):
            out = {"ok": True, "channel": args.get("channel", "C0"), "ts": ts, "message": {"ts": ts}}
        elif method == "chat.postEphemeral":
            out = {"ok": True, "message_ts": ts}
        elif method == "users.info":
            user = args.get("user", "U0")
            out = {"ok": True, "user": {"id": user, "name": user.lower(), "tz": "Europe/Stockholm"}}
        else:
            out = {"ok": True}
        return web.json_response(out)

    async def slack_response(self, request: web.Request) -> web.Response:
        arrived = time.monotonic()
        body = await request.read()
        self.calls["slack:response_url"] += 1
        self._arrived("slack:" + request.match_info["rid"], arrived, body)
        return web.Response(text="ok")

    # ---------------------------------------------------------------- Bot Framework connector

    async def bf_create_conversation(self, request: web.Request) -> web.Response:
        await request.read()
        self.calls["teams:create_conversation"] += 1
        return web.json_response({"id": f"a:bench-{next(self._ts)}", "serviceUrl": str(request.url.origin()) + "/"})

    async def bf_activity(self, request: web.Request) -> web.Response:
        arrived = time.monotonic()
        body = await request.read()
        self.calls["teams:activity"] += 1
        reply_to = request.match_info.get("reply_to")
        if reply_to:
            self._arrived("teams:" + reply_to, arrived, body)
        return web.json_response({"id": f"bench-{next(self._ts)}"})

    async def bf_other(self, request: web.Request) -> web.Response:
        await request.read()
        self.calls["teams:other"] += 1
        return web.json_response({})

    # ---------------------------------------------------------------- control

    def _arrived(self, key: str, at: float, body: bytes) -> None:
        if key in self.arrivals:
            return
        self.arrivals[key] = at
        if len(self.texts) < TEXTS:
            self.texts[key] = answer_text(body)
        waiter = self.waiters.pop(key, None)
        if waiter is not None and not waiter.done():
            waiter.set_result(at)

    async def wait_for(self, request: web.Request) -> web.Response:
        """Long poll: answer when `key` has arrived (or 504 after `timeout` seconds)."""
        key = request.match_info["key"]
        if key in self.arrivals:
            return web.json_response({"at": self.arrivals[key]})
        waiter = self.waiters.setdefault(key, asyncio.get_running_loop().create_future())
        try:
            at = await asyncio.wait_for(asyncio.shield(waiter), float(request.query.get("timeout", "10")))
        except asyncio.TimeoutError:
            self.waiters.pop(key, None)
            return web.json_response({"at": None}, status=504)
        return web.json_response({"at": at})

    async def take_arrivals(self, request: web.Request) -> web.Response:
        out, self.arrivals = self.arrivals, {}
        return web.json_response(out)

    async def take_texts(self, request: web.Request) -> web.Response:
        out, self.texts = self.texts, {}
        return web.json_response(out)

    async def stats(self, request: web.Request) -> web.Response:
        return web.json_response(dict(self.calls))

    async def healthz(self, request: web.Request) -> web.Response:
        return web.Response(text="ok")

    def app(self) -> web.Application:
        app = web.Application(client_max_size=4 * 1024 * 1024)
        r = app.router
        r.add_post("/api/{method}", self.slack_api)
        r.add_post("/slack/response/{rid}", self.slack_response)
        r.add_post("/v3/conversations", self.bf_create_conversation)
        r.add_post("/v3/conversations/{conv}/activities/{reply_to}", self.bf_activity)
        r.add_post("/v3/conversations/{conv}/activities", self.bf_activity)
        r.add_route("*", "/v3/{tail:.*}", self.bf_other)
        r.add_get("/_arrivals", self.take_arrivals)
        r.add_get("/_wait/{key}", self.wait_for)
        r.add_get("/_texts", self.take_texts)
        r.add_get("/_stats", self.stats)
        r.add_get("/healthz", self.healthz)
        return app


async def serve(port: int) -> None:
    runner = web.AppRunner(StandIn().app(), access_log=None)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", port, backlog=1024)
    await site.start()
    bound = runner.addresses[0][1]
    print(f"READY {bound}", flush=True)
    await asyncio.Event().wait()


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.standin")
    parser.add_argument("--port", type=int, default=0)
    args = parser.parse_args(argv)
    try:
        asyncio.run(serve(args.port))
    except KeyboardInterrupt:
        pass
    return 0


if __name__ == "__main__":
    sys.exit(main())
