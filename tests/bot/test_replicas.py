"""Replicas: several kansli processes on one database neither lose updates nor send twice.

* Two `kansli serve` processes start together on one empty PostgreSQL database
  (the migration lock lets one migrate while the other waits), and both are ready.
* Commands from several processes at once land once each.
* Lost updates: optimistic versioning (Case, Meeting, Assignment carry a version
  column). When two people change one case at the same time, the one who commits
  second gets "Någon annan ändrade samma sak samtidigt …" and nothing of theirs is saved.
* Two deliverers (as in two replicas' schedulers) never send the same outbox row.
"""
from __future__ import annotations

import asyncio
import re
import subprocess
import threading
from pathlib import Path
from typing import Iterator

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm.exc import StaleDataError

from bot.app import Services, build
from bot.config import Settings
from bot.delivery import Deliverer
from bot.dispatch import CONFLICT, CONFLICT_RETRIES, LOCKED_RETRIES, Identity, is_write_conflict
from handlers.base import Reply
from storage import outbox
from storage.models import Absence, AuditLog, Case, Outbox, Person
from storage.network import apply, load_file
from tests.bot.opstools import (
    KANSLI,
    PgSchema,
    Served,
    env_for,
    http_get,
    kansli,
    need_postgres,
    schema_fixture,
    temporary_command,
)
from tests.conftest import EXAMPLE, at

NOW = at("2020-02-20T09:00")


@pytest.fixture
def pg() -> Iterator[PgSchema]:
    yield from schema_fixture()


@pytest.fixture
def pg2() -> Iterator[PgSchema]:
    yield from schema_fixture()


@pytest.fixture(params=["sqlite", "postgresql"])
def live(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Services]:
    """Services on a real store whose commits are real (not the rolled-back test transaction)."""
    if request.param == "sqlite":
        url, schema = f"sqlite:///{tmp_path / 'live.db'}", None
    else:
        schema = PgSchema(need_postgres())
        url = schema.url
    services = build(Settings(_env_file=None, KANSLI_DATABASE_URL=url, KANSLI_SCHEDULER=False),
                     clock=lambda: NOW)
    with services.sessionmaker() as s:
        apply(s, load_file(str(EXAMPLE)), now=at("2020-01-01T09:00"))
        s.commit()
    try:
        yield services
    finally:
        services.engine.dispose()
        if schema is not None:
            schema.drop()


def the_case(services: Services) -> int:
    with services.sessionmaker() as s:
        return s.scalar(select(Case.id).order_by(Case.id))


# ------------------------------------------------------------------------------------ processes


def test_two_serve_processes_start_together_on_one_empty_postgresql(pg: PgSchema, tmp_path: Path) -> None:
    first = Served(pg.url, cwd=tmp_path)
    second = Served(pg.url, cwd=tmp_path)
    try:
        first.wait_healthy()
        second.wait_healthy()
        for replica in (first, second):
            status, body, _ = http_get(replica.base + "/readyz")
            assert status == 200, body
        # Both replicas serve one store: what one process writes, the other reads.
        assert "Nya: 4 huvudmän, 6 personer" in kansli(["import", str(EXAMPLE)], pg.url, cwd=tmp_path).stdout
        assert http_get(first.base + "/readyz")[0] == http_get(second.base + "/readyz")[0] == 200
    finally:
        codes = (first.stop(), second.stop())
    assert codes == (0, 0), first.output() + second.output()
    for replica in (first, second):
        assert "Traceback" not in replica.output()


def test_commands_from_several_processes_at_once_land_once_each(pg: PgSchema, tmp_path: Path) -> None:
    assert kansli(["import", str(EXAMPLE)], pg.url, cwd=tmp_path).returncode == 0
    people = ["per.ek", "eva.strand", "karin.berg"]
    procs = [
        subprocess.Popen(KANSLI + ["chat", "--as", who, "--now", "2020-02-20T09:00", "/anmäl frånvaro 6 mars"],
                         env=env_for(pg.url), cwd=tmp_path, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        for who in people for _ in range(2)
    ]
    outputs = [p.communicate(timeout=120) for p in procs]
    for out, err in outputs:
        assert "Traceback" not in out + err
        assert "når inte sin databas" not in out
        assert any(s in out for s in ("Du är anmäld frånvarande", "Du har redan anmält frånvaro", CONFLICT)), out + err
    services = build(Settings(_env_file=None, KANSLI_DATABASE_URL=pg.url), run_migrations=False)
    with services.sessionmaker() as s:
        assert s.scalar(select(func.count()).select_from(Absence)) == 3
        reports = list(s.scalars(select(Outbox).where(Outbox.kind == "absence_report")))
    services.engine.dispose()
    assert len(reports) == 3, "the recipient is told once per person"


def test_two_replicas_ticking_at_the_same_instants_send_each_reminder_once(pg: PgSchema, pg2: PgSchema,
                                                                         tmp_path: Path) -> None:
    """Two `kansli tick` processes at each instant on one store print what one process prints on another."""
    from tests.conftest import split_sent

    instants = ["2020-02-17T08:00", "2020-02-28T08:00", "2020-03-06T07:30"]
    for schema in (pg, pg2):
        assert kansli(["import", str(EXAMPLE)], schema.url, cwd=tmp_path).returncode == 0
    reference: list[tuple[str, str]] = []
    together: list[tuple[str, str]] = []
    for when in instants:
        one = kansli(["tick", "--now", when], pg2.url, cwd=tmp_path)
        assert one.returncode == 0, one.stderr
        reference += split_sent(one.stdout)
        procs = [subprocess.Popen(KANSLI + ["tick", "--now", when], env=env_for(pg.url), cwd=tmp_path,
                                  stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True) for _ in range(2)]
        for p in procs:
            out, err = p.communicate(timeout=120)
            assert p.returncode == 0 and "Traceback" not in err, err
            together += split_sent(out)
    assert reference, "the example network has reminders due at these instants"
    assert sorted(together) == sorted(reference)


# ------------------------------------------------------------------------------------ lost updates


def change_title_racing(live: Services, case_id: int, *, races: int):  # type: ignore[no-untyped-def]
    """A command that changes a case's title while another coordinator commits a change first (`races` times)."""
    runs = [0]

    def change_title(ctx, args: str) -> Reply:  # type: ignore[no-untyped-def]
        runs[0] += 1
        case = ctx.session.get(Case, case_id)
        assert case.title  # read before the other coordinator's change
        if runs[0] <= races:
            with live.sessionmaker() as other:  # another coordinator, on another replica, saves first
                other.get(Case, case_id).title = f"Deras rubrik {runs[0]}"
                other.commit()
        case.title = "Min rubrik"
        ctx.audit("case_retitled", "case", case.id)
        ctx.notify_person(ctx.person, Reply(lines=["Rubriken ändrad."]), kind="test", key="retitle")
        return Reply(lines=["Rubriken är ändrad."])

    return change_title, runs


def test_the_second_of_two_concurrent_changes_to_a_case_gets_the_swedish_conflict_sentence(live: Services) -> None:
    """The dispatcher re-runs a command that lost a race (SQLite: its snapshot went stale; PostgreSQL: the
    version check failed), so the loser only hears of it when the other side keeps winning."""
    case_id = the_case(live)
    sqlite = live.engine.dialect.name == "sqlite"
    handler, runs = change_title_racing(live, case_id, races=10_000)  # the other coordinator always wins
    with temporary_command("testa samtidig ändring", handler):
        outcome = live.dispatcher.run("/testa samtidig ändring", identity=Identity(handle="maria.lind"),
                                      platform="cli", now=NOW)
    assert not outcome.reply.ok
    assert outcome.reply.plain_text() == CONFLICT
    assert outcome.outbox_ids == []
    with live.sessionmaker() as s:
        case = s.get(Case, case_id)
        assert case.title == f"Deras rubrik {runs[0]}" and case.version == runs[0] + 1, "only the winners' changes"
        assert s.scalar(select(func.count()).select_from(AuditLog).where(AuditLog.action == "case_retitled")) == 0
        assert s.scalar(select(func.count()).select_from(Outbox)) == 0, "the loser's message is not sent"
    assert runs[0] == (LOCKED_RETRIES + 1 if sqlite else CONFLICT_RETRIES + 1)


def test_a_command_overtaken_once_is_run_again_on_the_new_state(live: Services) -> None:
    case_id = the_case(live)
    handler, runs = change_title_racing(live, case_id, races=1)
    with temporary_command("testa samtidig ändring", handler):
        outcome = live.dispatcher.run("/testa samtidig ändring", identity=Identity(handle="maria.lind"),
                                      platform="cli", now=NOW)
    with live.sessionmaker() as s:
        case = s.get(Case, case_id)
        audits = s.scalar(select(func.count()).select_from(AuditLog).where(AuditLog.action == "case_retitled"))
        messages = s.scalar(select(func.count()).select_from(Outbox))
    # Run again on the new state, as if typed a moment later: once saved, once told, never twice.
    assert outcome.reply.ok and runs[0] == 2
    assert (case.title, case.version, audits, messages) == ("Min rubrik", 3, 1, 1)


def test_a_change_based_on_a_stale_read_raises_stale_data(live: Services) -> None:
    """Optimistic versioning across transactions: load, someone else commits, then save."""
    case_id = the_case(live)
    mine_session = live.sessionmaker()
    mine = mine_session.get(Case, case_id)
    mine_session.commit()  # the read is over; the object is kept (expire_on_commit=False)
    with live.sessionmaker() as other:
        other.get(Case, case_id).title = "Deras rubrik"
        other.commit()
    mine.title = "Min rubrik"
    with pytest.raises(StaleDataError):
        mine_session.commit()
    mine_session.close()


def test_a_write_conflict_inside_one_transaction_is_reported_as_a_conflict(live: Services) -> None:
    """Both sessions read in open transactions: PostgreSQL reports a stale version, SQLite a stale snapshot."""
    case_id = the_case(live)
    a, b = live.sessionmaker(), live.sessionmaker()
    a_case, b_case = a.get(Case, case_id), b.get(Case, case_id)
    a_case.title = "A"
    a.commit()
    b_case.title = "B"
    try:
        with pytest.raises(Exception) as err:
            b.commit()
        assert isinstance(err.value, StaleDataError) or is_write_conflict(err.value)  # type: ignore[arg-type]
    finally:
        a.close()
        b.close()
    with live.sessionmaker() as s:
        assert s.get(Case, case_id).title == "A"


# ------------------------------------------------------------------------------------ deliveries


class Recorder:
    name = "console"

    def __init__(self) -> None:
        self.sent: list[str] = []
        self.lock = threading.Lock()

    async def send(self, message) -> None:  # type: ignore[no-untyped-def]
        await asyncio.sleep(0)
        with self.lock:
            self.sent.append(message.key)


def test_two_deliverers_at_once_send_each_message_exactly_once(live: Services) -> None:
    with live.sessionmaker() as s:
        maria = s.scalar(select(Person).where(Person.handle == "maria.lind"))
        keys = [f"replica-test:{i}" for i in range(60)]
        for key in keys:
            outbox.enqueue(s, key=key, kind="test", payload={"lines": [key]}, now=NOW, person_id=maria.id)
        s.commit()
    recorder = Recorder()
    url = str(live.engine.url.render_as_string(hide_password=False))
    replicas = [build(Settings(_env_file=None, KANSLI_DATABASE_URL=url), run_migrations=False) for _ in range(2)]
    barrier = threading.Barrier(2)

    def run(services: Services) -> None:
        deliverer = Deliverer(sessionmaker=services.sessionmaker, transports=[recorder], clock=lambda: NOW)
        barrier.wait()
        for _ in range(5):
            asyncio.run(deliverer.deliver(now=NOW))

    threads = [threading.Thread(target=run, args=(r,)) for r in replicas]
    for t in threads:
        t.start()
    for t in threads:
        t.join(120)
    for r in replicas:
        r.engine.dispose()
    assert sorted(recorder.sent) == sorted(keys)
    with live.sessionmaker() as s:
        assert set(s.scalars(select(Outbox.status))) == {"sent"}


def test_the_conflict_sentence_is_plain_swedish_that_says_what_to_do() -> None:
    assert re.search(r"försök igen", CONFLICT) and "Någon annan" in CONFLICT
