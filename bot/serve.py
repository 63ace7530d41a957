"""The kansli service: one aiohttp process for Slack, Teams, the pages, health and the scheduler.

Parts plug in as components: a module listed in COMPONENTS with a
`setup(app, services)` function that adds routes, transports and background
tasks. A component whose module is not present is skipped.
"""
from __future__ import annotations

import asyncio
import importlib
import importlib.util
import logging

from aiohttp import web

from bot.app import Services, build, system_clock
from bot.config import Settings
from storage.db import current_revision, head_revision

log = logging.getLogger("kansli.serve")

SERVICES_KEY: web.AppKey[Services] = web.AppKey("services", Services)

# In this order: transports first (Slack, Teams), then pages, then the scheduler that uses the transports.
COMPONENTS = ("bot.slack", "bot.teams_setup", "bot.web", "bot.absence_link", "bot.scheduler")
# Seconds a stopping service waits for requests in flight (systemd TimeoutStopSec and compose
# stop_grace_period are set above this).
SHUTDOWN_TIMEOUT = 30


async def healthz(request: web.Request) -> web.Response:
    return web.json_response({"status": "ok"})


async def readyz(request: web.Request) -> web.Response:
    services = request.app[SERVICES_KEY]

    def check() -> tuple[bool, str]:
        try:
            current, head = current_revision(services.engine), head_revision(services.engine)
        except Exception as exc:  # noqa: BLE001 - report, never raise
            return False, f"database unreachable: {type(exc).__name__}"
        if current != head:
            return False, f"schema at {current}, head is {head}"
        return True, "ok"

    ok, detail = await services.threads.run(check)
    return web.json_response({"status": "ok" if ok else "unavailable", "detail": detail}, status=200 if ok else 503)


async def _take_back_deliveries(app: web.Application) -> None:
    from bot.delivery import take_back_abandoned

    services = app[SERVICES_KEY]
    try:
        await services.threads.run(take_back_abandoned, services.sessionmaker)
    except Exception:  # noqa: BLE001 - STALE_CLAIM takes them back later anyway
        log.warning("could not hand back deliveries left by a stopped process", exc_info=True)


async def _close_threads(app: web.Application) -> None:
    from bot.delivery import release_own_claims

    services = app[SERVICES_KEY]
    try:  # deliveries cancelled by the shutdown are due again for the next start (or another replica)
        await services.threads.run(release_own_claims, services.sessionmaker)
    except Exception:  # noqa: BLE001 - the next start takes them back anyway
        log.warning("could not hand back unfinished deliveries", exc_info=True)
    await asyncio.to_thread(services.threads.close)


def create_app(services: Services) -> web.Application:
    from bot.logging_setup import request_id_middleware

    app = web.Application(client_max_size=1024 * 1024, middlewares=[request_id_middleware()])
    app[SERVICES_KEY] = services
    app.on_startup.append(_take_back_deliveries)
    app.router.add_get("/healthz", healthz)
    app.router.add_get("/readyz", readyz)
    for name in COMPONENTS:
        if importlib.util.find_spec(name) is None:
            continue
        module = importlib.import_module(name)
        setup = getattr(module, "setup", None)
        if setup is not None:
            setup(app, services)
    # Last, after every component's own cleanup has used them (a delivery recording its outcome).
    app.on_cleanup.append(_close_threads)
    return app


def warm_up() -> None:
    """Load what the first user would otherwise wait for (date language data, holiday tables)."""
    from bot import dates
    from handlers.calendar import is_working_day
    from handlers.fmt import local

    try:
        getattr(dates, "warm_up", lambda: None)()
        is_working_day(local(system_clock()).date())
    except Exception:  # noqa: BLE001 - a failed warm-up only costs the first user time
        log.warning("warm-up failed; the first request will load the date reader", exc_info=True)


def serve(settings: Settings, *, host: str, port: int) -> None:
    from bot.logging_setup import access_logger_class, configure_from_settings

    configure_from_settings(settings)
    services = build(settings)
    warm_up()
    app = create_app(services)
    log.info("kansli listening on http://%s:%s", host, port)
    # On SIGTERM/SIGINT run_app stops listening, lets requests in flight finish (up to
    # shutdown_timeout seconds), then runs on_shutdown/on_cleanup (the scheduler stops there).
    web.run_app(app, host=host, port=port, print=None, shutdown_timeout=SHUTDOWN_TIMEOUT,
                access_log_class=access_logger_class())
    log.info("kansli stopped")
