"""The kansli service: aiohttp serving Slack, Teams, the pages, health and the scheduler.

Parts plug in as components: each module listed in COMPONENTS has a `setup(app, services)` function that
adds routes, transports and background tasks (and does nothing when its platform is not configured). On
PostgreSQL several worker processes serve one port (`worker_count`, `_supervise`).
"""
from __future__ import annotations

import asyncio
import gc
import importlib
import logging
import os
import select
import signal
import socket
import time
from typing import Awaitable, Callable

from aiohttp import web

from bot.app import Services, build, system_clock
from bot.balance import SharedLoad, spread_middleware
from bot.config import Settings
from storage.db import current_revision, head_revision, make_engine, migrate

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


def create_app(services: Services, *, shared_load: SharedLoad | None = None) -> web.Application:
    """The service's web application; with `shared_load` (a worker of several) it evens out the workers'
    kept-alive connections (bot.balance)."""
    from bot.logging_setup import request_id_middleware

    middlewares = [request_id_middleware()]
    if shared_load is not None:
        middlewares.append(spread_middleware(shared_load, lambda: _background_turns(services)))
    app = web.Application(client_max_size=1024 * 1024, middlewares=middlewares)
    app[SERVICES_KEY] = services
    app.on_startup.append(_take_back_deliveries)
    app.router.add_get("/healthz", healthz)
    app.router.add_get("/readyz", readyz)
    for name in COMPONENTS:
        importlib.import_module(name).setup(app, services)
    # Last, after every component's own cleanup has used them (a delivery recording its outcome).
    app.on_cleanup.append(_close_threads)
    return app


# What the components import when they are set up (Bolt, both Teams SDKs, the scheduler), beside themselves.
PRELOAD = (*COMPONENTS, "bot.slack.app", "apscheduler.schedulers.asyncio", "apscheduler.triggers.interval")


def preload() -> None:
    """Before the workers are forked: import what each of them would import on its own as it sets up its
    components, once. Every worker then starts sooner (they start listening together, so the slowest one
    decides when kansli answers) and shares those pages with the others."""
    for name in PRELOAD:
        try:
            importlib.import_module(name)
        except ImportError:  # an optional part that is not installed: the worker says so when it needs it
            log.debug("not preloaded: %s", name, exc_info=True)


def _background_turns(services: Services) -> int:
    """Slack answers still being worked on after their request was acknowledged."""
    slack = services.slack
    return int(slack.turns.inflight) if slack is not None else 0


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


# The youngest generation is collected after this many new objects (CPython's default is 700): one command
# makes thousands of short-lived objects (rows, ORM states, Block Kit), so the default collects several times
# per command, and promotes survivors into the older generations that full collections walk.
GC_THRESHOLDS = (10_000, 20, 20)


def settle_memory() -> None:
    """Once started: what is loaded by now (modules, the SDKs, the date reader's tables, the services) is
    moved out of the cyclic collector's sight, so no full collection walks it again (each took 80-100 ms of a
    command's time on the bench machine) and, before the workers are forked, its pages stay shared between
    them; then the collector runs less often (GC_THRESHOLDS). Measured in `make bench`."""
    gc.collect()
    gc.freeze()
    gc.set_threshold(*GC_THRESHOLDS)


# Processes chosen when KANSLI_WORKERS is 0 (one per core): more than this buys little and costs connections.
MAX_AUTO_WORKERS = 4


def worker_count(settings: Settings) -> int:
    """How many processes serve the port: one on SQLite (a single writer), else KANSLI_WORKERS or one per core."""
    if settings.database_url.startswith("sqlite") or not hasattr(socket, "SO_REUSEPORT"):
        if settings.workers > 1:
            log.warning("KANSLI_WORKERS=%d ignored: this store (or system) takes one process", settings.workers)
        return 1
    if settings.workers:
        return settings.workers
    return max(1, min(len(os.sched_getaffinity(0)), MAX_AUTO_WORKERS))


def worker_settings(settings: Settings, index: int) -> Settings:
    """The first process runs the scheduler and Slack Socket Mode (one connection, one clock); the others serve
    HTTP only. Correctness never depends on this: outbox keys and event records hold across processes."""
    if index == 0:
        return settings
    return settings.model_copy(update={"scheduler": False, "slack_app_token": ""})


def serve(settings: Settings, *, host: str, port: int) -> None:
    from bot.logging_setup import configure_from_settings

    configure_from_settings(settings)
    workers = worker_count(settings)
    if workers == 1:
        _serve_one(settings, host=host, port=port)
        log.info("kansli stopped")
        return
    # Migrate once, before any worker opens the store, and load what every worker shares (date reader).
    engine = make_engine(settings.database_url)
    try:
        migrate(engine)
    finally:
        engine.dispose()
    warm_up()
    preload()
    settle_memory()  # before the fork: the workers share these pages
    code = _supervise(settings, host=host, port=port, workers=workers, shared_load=SharedLoad(workers))
    log.info("kansli stopped")
    if code:
        raise SystemExit(code)


def _serve_one(settings: Settings, *, host: str, port: int, worker: int | None = None,
               start_line: tuple[int, int] | None = None, shared_load: SharedLoad | None = None) -> None:
    from bot.logging_setup import access_logger_class

    services = build(settings, run_migrations=worker is None)
    if worker is None:
        warm_up()
    if shared_load is not None and worker is not None:
        shared_load.join(worker)
    app = create_app(services, shared_load=shared_load)
    settle_memory()
    if worker is not None:
        app.on_startup.append(_one_signal_stops)
    if start_line is not None:
        app.on_startup.append(_wait_at_the_start_line(start_line, worker))  # last: all else is ready
    log.info("kansli listening on http://%s:%s%s", host, port,
             "" if worker is None else f" (process {worker + 1}, pid {os.getpid()})")
    # On SIGTERM/SIGINT run_app stops listening, lets requests in flight finish (up to
    # shutdown_timeout seconds), then runs on_shutdown/on_cleanup (the scheduler stops there).
    # Several workers each bind their own socket to the port (SO_REUSEPORT): the kernel spreads connections.
    web.run_app(app, host=host, port=port, print=None, shutdown_timeout=SHUTDOWN_TIMEOUT,
                access_log_class=access_logger_class(), reuse_port=worker is not None or None)


def _wait_at_the_start_line(start_line: tuple[int, int], worker: int | None
                            ) -> Callable[[web.Application], Awaitable[None]]:
    """A worker's last start-up step: say it is ready, then wait until the supervisor lets all the workers
    start listening together. With SO_REUSEPORT a connection goes to the sockets listening when it is
    opened, so a worker that listened a second before the others took every kept-alive connection opened
    meanwhile (in `make bench`, every one of them) and kept them."""
    ready, go = start_line

    async def wait(app: web.Application) -> None:
        try:
            os.write(ready, b"r")
            await asyncio.get_running_loop().run_in_executor(None, os.read, go, 1)  # b"" once released
        finally:
            os.close(ready)
            os.close(go)
        log.info("process %s accepts connections", "?" if worker is None else worker + 1)

    return wait


async def _one_signal_stops(app: web.Application) -> None:
    """A worker may get the stop signal twice (systemd signals the whole group, the supervisor forwards it):
    the first starts the graceful stop, a second must not cut it short."""
    from aiohttp.web_runner import GracefulExit

    loop = asyncio.get_running_loop()
    stopping = False

    def stop() -> None:
        nonlocal stopping
        if not stopping:
            stopping = True
            raise GracefulExit()

    for sig in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(sig, stop)


def _die_with_parent() -> None:
    """Linux: a worker gets SIGTERM when the supervisor dies, so no worker outlives it."""
    try:
        import ctypes

        libc = ctypes.CDLL(None, use_errno=True)
        libc.prctl(1, signal.SIGTERM)  # PR_SET_PDEATHSIG
    except (OSError, AttributeError):
        pass


# How long the supervisor waits for every worker to be ready before it lets them start anyway.
START_TIMEOUT_S = 120.0


def _start_together(ready: int, workers: int, stopping: Callable[[], bool]) -> None:
    """Wait until every worker said it is ready, a worker exited (the wait below reports it), kansli is
    being stopped, or START_TIMEOUT_S passed."""
    deadline = time.monotonic() + START_TIMEOUT_S
    seen = 0
    while seen < workers and not stopping():
        if time.monotonic() > deadline:
            log.warning("only %d of %d processes were ready after %.0f s; starting anyway", seen, workers,
                        START_TIMEOUT_S)
            return
        try:
            readable, _, _ = select.select([ready], [], [], 0.2)
        except InterruptedError:
            continue
        if readable:
            data = os.read(ready, 64)
            if not data:
                return  # every worker closed its end: none is left to wait for
            seen += len(data)
        elif os.waitid(os.P_ALL, 0, os.WEXITED | os.WNOHANG | os.WNOWAIT) is not None:
            return  # a worker exited before it was ready (left for the wait below to report)


def _supervise(settings: Settings, *, host: str, port: int, workers: int,
               shared_load: SharedLoad | None = None) -> int:
    """Fork the workers, pass a stop signal on to each once, and wait for all of them. A worker that exits
    while nobody asked stops the others, and the supervisor exits non-zero (systemd or compose restarts it)."""
    parent = os.getpid()
    children: dict[int, int] = {}
    ready_r, ready_w = os.pipe()  # each worker writes one byte once it is ready to listen
    go_r, go_w = os.pipe()  # closed by the supervisor when they may: every worker's read returns
    for index in range(workers):
        pid = os.fork()
        if pid == 0:
            code = 0
            try:
                os.close(ready_r)
                os.close(go_w)
                _die_with_parent()
                if os.getppid() != parent:  # the supervisor died before the line above
                    os._exit(1)
                _serve_one(worker_settings(settings, index), host=host, port=port, worker=index,
                           start_line=(ready_w, go_r), shared_load=shared_load)
            except SystemExit as exc:
                code = exc.code if isinstance(exc.code, int) else (0 if exc.code is None else 1)
            except KeyboardInterrupt:  # Ctrl-C before the worker was listening: stopped as asked
                code = 0
            except BaseException:  # noqa: BLE001 - a worker reports and exits; the supervisor decides
                log.exception("worker %d stopped on an error", index + 1)
                code = 1
            finally:
                logging.shutdown()
                os._exit(code)
        children[pid] = index
    os.close(ready_w)
    os.close(go_r)
    log.info("kansli runs %d processes on port %s (pids %s)", workers, port, ", ".join(map(str, children)))

    stopping = False
    released = False

    def release() -> None:
        nonlocal released
        if not released:
            released = True
            os.close(go_w)

    def stop_all(signum: int = signal.SIGTERM, frame: object = None) -> None:
        nonlocal stopping
        if stopping:
            return
        stopping = True
        release()  # a worker still at the start line goes on, and stops
        for pid in children:
            try:
                os.kill(pid, signal.SIGTERM)
            except ProcessLookupError:
                pass

    signal.signal(signal.SIGTERM, stop_all)
    signal.signal(signal.SIGINT, stop_all)
    _start_together(ready_r, workers, lambda: stopping)
    os.close(ready_r)
    release()
    code = 0
    while children:
        try:
            pid, status = os.wait()
        except ChildProcessError:
            break
        index = children.pop(pid, None)
        if index is None:
            continue
        exit_code = os.waitstatus_to_exitcode(status)
        if not stopping:
            log.error("worker %d (pid %d) exited with %d; stopping the others", index + 1, pid, exit_code)
            code = exit_code or 1
            stop_all()
        elif exit_code and exit_code not in (-signal.SIGTERM, -signal.SIGINT):
            # (a worker stopped by the signal itself, before it could take it gracefully, stopped as asked)
            code = code or exit_code
    return code
