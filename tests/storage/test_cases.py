"""Case numbers ÅÅÅÅ:N: one more than the highest in the forum and year, and never the same twice."""
from __future__ import annotations

import threading
import time as clock
import uuid
from datetime import date
from pathlib import Path

from sqlalchemy import delete, select, text
from sqlalchemy.orm import Session

from storage import cases as store
from storage.models import Case, Forum
from tests.conftest import backend_engine


def forum(session: Session, key: str = "lchnv") -> Forum:
    return session.scalar(select(Forum).where(Forum.key == key))


def test_numbers_continue_after_the_highest_in_the_forum_and_year(network) -> None:
    with network() as s:
        lchnv, styr = forum(s), forum(s, "styrgrupp-lchnv")
        first = store.create_case(s, forum=lchnv, year=2020, title="A", raised_on=date(2020, 10, 1))
        other = store.create_case(s, forum=styr, year=2020, title="B", raised_on=date(2020, 10, 1))
        later = store.create_case(s, forum=lchnv, year=2021, title="C", raised_on=date(2021, 1, 4))
        assert (first.number, other.number, later.number) == ("2020:8", "2020:1", "2021:1")


def test_a_number_taken_meanwhile_is_skipped(network) -> None:
    with network() as s:
        lchnv = forum(s)
        # A row holding 2020:8 that the highest-number query does not count stands in for a
        # concurrent insert: the unique constraint refuses 2020:8 and the next number is taken.
        s.add(Case(forum_id=lchnv.id, number="2020:8", year=2020, seq=1, title="Samtidigt",
                   raised_on=date(2020, 10, 1)))
        s.flush()
        case = store.create_case(s, forum=lchnv, year=2020, title="Mitt", raised_on=date(2020, 10, 1))
        assert case.number == "2020:9"
        s.flush()
        assert sorted(s.scalars(select(Case.number).where(Case.forum_id == lchnv.id))) == ["2020:7", "2020:8", "2020:9"]


def test_two_transactions_raising_at_once_get_different_numbers(tmp_root: Path) -> None:
    """PostgreSQL only (skipped without KANSLI_TEST_DATABASE_URL; CI sets it): the second insert waits on the
    unique index, fails when the first commits, and retries with the next number. SQLite has one writer at a
    time, so two transactions cannot hold uncommitted cases at once there."""
    engine = backend_engine("postgresql", tmp_root)
    key = f"race-{uuid.uuid4().hex[:8]}"
    with Session(engine) as s:
        s.add(Forum(key=key, name="Kapplöpning"))
        s.commit()
    results: dict[str, object] = {}

    def second() -> None:
        try:
            with Session(engine) as b:
                case = store.create_case(b, forum=forum(b, key), year=2031, title="B", raised_on=date(2031, 1, 2))
                b.commit()
                results["b"] = case.number
        except Exception as exc:  # noqa: BLE001 - reported by the assert below
            results["b"] = exc

    try:
        with Session(engine) as a:
            first = store.create_case(a, forum=forum(a, key), year=2031, title="A", raised_on=date(2031, 1, 2)).number
            thread = threading.Thread(target=second)
            thread.start()
            with engine.connect() as probe:
                for _ in range(400):  # wait until the second insert is blocked on the first one's row
                    waiting = probe.execute(text(
                        "SELECT count(*) FROM pg_stat_activity WHERE wait_event_type = 'Lock' "
                        "AND datname = current_database()")).scalar()
                    if waiting:
                        break
                    clock.sleep(0.025)
            a.commit()
            thread.join(timeout=30)
        assert first == "2031:1"
        assert results["b"] == "2031:2"
    finally:
        with Session(engine) as s:
            fid = forum(s, key).id
            s.execute(delete(Case).where(Case.forum_id == fid))
            s.execute(delete(Forum).where(Forum.id == fid))
            s.commit()
