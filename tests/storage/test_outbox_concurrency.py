"""Two scheduler passes at once on one database never deliver the same reminder twice.

Real threads, each with its own engine and real commits (not the rolled-back
`db` fixture), over more than 1,000 due reminders. On PostgreSQL the test works
in a schema of its own that it drops afterwards, so the shared test database is
left as it was; on SQLite it uses a file of its own.
"""
from __future__ import annotations

import asyncio
import threading
from collections import Counter
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import Iterator

import pytest
from sqlalchemy import Engine, func, select
from sqlalchemy.orm import sessionmaker

from storage.db import make_engine, migrate
from storage.models import Assignment, Forum, Membership, Outbox, Person, ReminderLedger
from tests.bot.reminder_support import Recorder, services
from tests.conftest import at, private_postgres_schema

PEOPLE = 1100
COORDINATOR_SHARE = 100  # the coordinator also gets the first 100 assignments, combined into one message


@pytest.fixture(params=["sqlite", "postgresql"])
def store(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[tuple[str, dict]]:
    """A URL and engine options for a private store, removed afterwards."""
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path / 'concurrent.db'}", {}
        return
    with private_postgres_schema("kansli_concurrency") as url:
        yield url, {}


def _engine(url: str, options: dict) -> Engine:
    return make_engine(url, **options)


def _seed(engine: Engine, due: date) -> None:
    maker = sessionmaker(engine, expire_on_commit=False)
    with maker() as s:
        forum = Forum(key="stort-natverk", name="Ett stort nätverk")
        s.add(forum)
        coordinator = Person(handle="samordnare", name="Sam Ordnare")
        s.add(coordinator)
        s.flush()
        s.add(Membership(forum_id=forum.id, person_id=coordinator.id, role="coordinator"))
        for i in range(PEOPLE):
            p = Person(handle=f"ledamot{i:04d}", name=f"Ledamot {i}")
            s.add(p)
            s.flush()
            s.add(Assignment(forum_id=forum.id, assignee_id=p.id, title=f"Uppdrag {i}", due=due))
        s.commit()
    # Only the first COORDINATOR_SHARE assignments are in a forum with a coordinator: move the rest.
    with maker() as s:
        other = Forum(key="utan-samordnare", name="Utan samordnare")
        s.add(other)
        s.flush()
        ids = list(s.scalars(select(Assignment.id).order_by(Assignment.id)))[COORDINATOR_SHARE:]
        for a in s.scalars(select(Assignment).where(Assignment.id.in_(ids))):
            a.forum_id = other.id
        s.commit()


def test_two_concurrent_passes_deliver_each_of_over_a_thousand_reminders_exactly_once(store) -> None:
    url, options = store
    setup = _engine(url, options)
    migrate(setup)
    _seed(setup, date(2020, 4, 1))
    setup.dispose()

    instants = [at("2020-04-01T08:00"), at("2020-04-01T08:00"), at("2020-04-01T08:01"), at("2020-04-01T09:00")]
    recorders = [Recorder(with_parts=False), Recorder(with_parts=False)]
    barrier = threading.Barrier(2)
    errors: list[BaseException] = []

    def worker(rec: Recorder) -> None:
        engine = _engine(url, options)
        try:
            svc = services(sessionmaker(engine, expire_on_commit=False), rec)

            async def passes() -> None:
                from bot.scheduler import run_pass

                for now in instants:
                    barrier.wait()
                    rec.now = now
                    await run_pass(svc, now=now)

            asyncio.run(passes())
        except BaseException as exc:  # noqa: BLE001 - reported by the main thread
            errors.append(exc)
            barrier.abort()
        finally:
            engine.dispose()

    threads = [threading.Thread(target=worker, args=(r,)) for r in recorders]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=300)
    assert not errors, errors
    assert not any(t.is_alive() for t in threads)

    sent = [m for r in recorders for m in r.sent]
    per_person = Counter(m.to for m in sent)
    assert len(per_person) == PEOPLE + 1
    assert max(per_person.values()) == 1, [p for p, n in per_person.items() if n > 1][:5]
    assert sum(per_person.values()) == PEOPLE + 1

    check = _engine(url, options)
    with check.connect() as conn:
        ledger = conn.execute(select(func.count()).select_from(ReminderLedger)).scalar()
        by_status = dict(conn.execute(select(Outbox.status, func.count()).group_by(Outbox.status)).all())
        coordinator_row = conn.execute(
            select(Outbox.payload).join(Person, Person.id == Outbox.person_id)
            .where(Person.handle == "samordnare", Outbox.status == "sent")
        ).scalar_one()
    check.dispose()
    assert ledger == PEOPLE + COORDINATOR_SHARE  # every reminder recorded once: 1,100 assignees + 100 to the coordinator
    assert by_status == {"sent": PEOPLE + 1}
    assert coordinator_row["title"] == f"{COORDINATOR_SHARE} påminnelser från Kansli"
