"""Wiring: the store, the dispatcher and the deliverer, built once per process."""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timezone
from typing import Any, Callable, Mapping

from sqlalchemy import Engine, func, select
from sqlalchemy.orm import Session, sessionmaker

from bot import addressing
from bot.addressing import Addressing
from bot.config import Settings
from bot.delivery import Deliverer, Transport
from bot.dispatch import Dispatcher
from bot.threads import DatabaseThreads
from storage.db import make_engine, make_sessionmaker, migrate
from storage.models import Forum


def system_clock() -> datetime:
    """The real clock, aware and in UTC; logic gets time injected, only the edge reads this."""
    return datetime.now(timezone.utc)


@dataclass
class Services:
    settings: Settings
    engine: Engine
    sessionmaker: sessionmaker[Session]
    dispatcher: Dispatcher
    deliverer: Deliverer
    clock: Callable[[], datetime]
    transports: list[Transport] = field(default_factory=list)
    # The platform components `kansli serve` set up (None when the platform is off): bot.slack.app.SlackBot
    # and bot.teams.TeamsComponent. Named, not looked up by string; typed loosely because those modules
    # import this one.
    slack: Any = None
    teams: Any = None
    # Blocking database work from the service's event loop runs here (see bot.threads).
    threads: DatabaseThreads = field(default_factory=DatabaseThreads)
    # When the scheduler last pruned old event records and delivered outbox rows (bot.scheduler.prune).
    pruned_at: datetime | None = None


def build(
    settings: Settings,
    *,
    clock: Callable[[], datetime] = system_clock,
    transports: list[Transport] | None = None,
    engine: Engine | None = None,
    run_migrations: bool = True,
    more_addressing: Mapping[str, Addressing] | None = None,
) -> Services:
    """`more_addressing`: the addressing of stand-in transports (tests) next to kansli's platforms'."""
    engine = engine or make_engine(settings.database_url, pool_size=pool_size(settings))
    if run_migrations:
        migrate(engine)
    maker = make_sessionmaker(engine)
    transports = transports if transports is not None else []
    if settings.email_enabled and not any(t.name == "email" for t in transports):
        from bot.mail.transport import EmailTransport

        transports.insert(0, EmailTransport.from_settings(settings))
    mail = addressing.mail_config(settings) if settings.email_enabled else None
    threads = DatabaseThreads(size=settings.db_threads)
    return Services(
        settings=settings,
        engine=engine,
        sessionmaker=maker,
        dispatcher=Dispatcher(sessionmaker=maker, clock=clock, email=settings.email_enabled),
        deliverer=Deliverer(sessionmaker=maker, transports=transports, clock=clock, threads=threads,
                            addressing=addressing.standard(mail=mail, more=more_addressing)),
        clock=clock,
        transports=transports,
        threads=threads,
    )


def pool_size(settings: Settings) -> int:
    """Connections to keep: one per database thread, and two for work outside them (the scheduler's pass
    when it runs in a thread of its own, the health check); never fewer than SQLAlchemy's default five."""
    return max(5, settings.db_threads + 2)


def store_is_empty(services: Services) -> bool:
    with services.sessionmaker() as session:
        return (session.scalar(select(func.count()).select_from(Forum)) or 0) == 0
