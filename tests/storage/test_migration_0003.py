"""Migration 0003 on a store with data: every case placed on a meeting becomes an item there, with its
decisions, assignments and follow-ups; the downgrade refuses once records exist."""
from __future__ import annotations

from contextlib import contextmanager
from pathlib import Path
from typing import Iterator

import pytest
from alembic import command
from sqlalchemy import Engine, text

from storage.db import alembic_config, make_engine


@contextmanager
def fresh_store(backend: str, tmp_path: Path) -> Iterator[Engine]:
    if backend == "sqlite":
        engine = make_engine(f"sqlite:///{tmp_path / 'm3.db'}")
        yield engine
        engine.dispose()
        return
    from tests.conftest import private_postgres_schema

    with private_postgres_schema("m3") as url:
        engine = make_engine(url)
        try:
            yield engine
        finally:
            engine.dispose()


def to(engine: Engine, revision: str, *, down: bool = False) -> None:
    with engine.begin() as conn:
        cfg = alembic_config(engine)
        cfg.attributes["connection"] = conn
        (command.downgrade if down else command.upgrade)(cfg, revision)


STAMP = "'2020-03-06 08:30:00'"


def seed(engine: Engine) -> None:
    """A store as revision 0002 left it: two meetings, three cases (two placed on March, one returned)."""
    rows = [
        "INSERT INTO forum (id, key, name, substitutes, reminder_time, chair_agenda_time) "
        "VALUES (1, 'lchnv', 'LCHNV', false, '08:00:00', '07:30:00')",
        "INSERT INTO person (id, handle, name, erased) VALUES (1, 'maria', 'Maria Lind', false)",
        f"INSERT INTO meeting (id, forum_id, starts_at, cancelled, version, agenda_published_at) "
        f"VALUES (1, 1, {STAMP}, false, 1, '2020-02-27 09:00:00')",
        "INSERT INTO meeting (id, forum_id, starts_at, cancelled, version) "
        "VALUES (2, 1, '2020-06-12 07:30:00', false, 1)",
        "INSERT INTO case_item (id, forum_id, number, year, seq, title, purpose, status, raised_on, meeting_id, "
        "agenda_order, late_addition, description, proposal, presenter_id, version) VALUES "
        "(1, 1, '2020:3', 2020, 3, 'Avtal', 'beslut', 'behandlat', '2020-02-01', 1, 2, false, 'Bakgrund', "
        "'att förlänga', 1, 1)",
        "INSERT INTO case_item (id, forum_id, number, year, seq, title, purpose, status, raised_on, meeting_id, "
        "agenda_order, late_addition, version) VALUES "
        "(2, 1, '2020:4', 2020, 4, 'Arbetsgrupp', 'information', 'pa_dagordning', '2020-02-28', 1, 1, true, 1)",
        "INSERT INTO case_item (id, forum_id, number, year, seq, title, purpose, status, raised_on, "
        "late_addition, version) VALUES (3, 1, '2020:5', 2020, 5, 'Ny fråga', 'information', 'aktualiserat', "
        "'2020-05-01', false, 1)",
        "INSERT INTO attachment (id, case_id, url, title) VALUES (1, 1, 'https://a.se/18a.pdf', 'Bilaga 18a')",
        f"INSERT INTO decision (id, case_id, meeting_id, text, decided_at) VALUES (1, 1, 1, 'att förlänga', {STAMP})",
        "INSERT INTO assignment (id, forum_id, case_id, assignee_id, title, due, report_back, version) "
        "VALUES (1, 1, 1, 1, 'Utvärdera', '2020-11-30', false, 1)",
        "INSERT INTO follow_up (id, case_id, due, responsible_id) VALUES (1, 1, '2020-09-25', 1)",
        "INSERT INTO assignment_extension (id, assignment_id, previous_due, new_due, meeting_id) "
        "VALUES (1, 1, '2020-09-30', '2020-11-30', 1)",
    ]
    with engine.begin() as conn:
        for sql in rows:
            conn.execute(text(sql))


@pytest.mark.parametrize("backend", ["sqlite", "postgresql"])
def test_cases_on_meetings_become_items_with_their_decisions_and_downgrade_refuses_records(
        backend: str, tmp_path: Path) -> None:
    with fresh_store(backend, tmp_path) as engine:
        to(engine, "0002")
        seed(engine)
        to(engine, "0003")
        with engine.connect() as conn:
            items = conn.execute(text(
                "SELECT meeting_id, number, title, case_id, standing, late_addition, text, proposal, presenter_id "
                "FROM agenda_item ORDER BY meeting_id, number")).all()
            decision = conn.execute(text("SELECT item_id, meeting_id FROM decision")).one()
            assignment_item = conn.execute(text("SELECT item_id FROM assignment")).scalar()
            follow_item = conn.execute(text("SELECT item_id FROM follow_up")).scalar()
            extension_item = conn.execute(text("SELECT item_id FROM assignment_extension")).scalar()
            ids = dict(conn.execute(text("SELECT case_id, id FROM agenda_item WHERE case_id IS NOT NULL")).all())
            attachments = conn.execute(text("SELECT attachments FROM agenda_item WHERE case_id = 1")).scalar()
        # March: the four standing items, then the cases in their agenda order; nothing for June or 2020:5.
        assert [(m, n, t, c, bool(s), bool(late)) for m, n, t, c, s, late, *_ in items] == [
            (1, 1, "Mötets öppnande", None, True, False),
            (1, 2, "Godkännande av dagordning", None, True, False),
            (1, 3, "Föregående minnesanteckningar", None, True, False),
            (1, 4, "Rapporter och delgivningar", None, True, False),
            (1, 5, "Arbetsgrupp", 2, False, True),
            (1, 6, "Avtal", 1, False, False),
        ]
        assert items[5][6:] == ("Bakgrund", "att förlänga", 1)
        if isinstance(attachments, str):
            import json

            attachments = json.loads(attachments)
        assert attachments == [{"url": "https://a.se/18a.pdf", "title": "Bilaga 18a"}]
        assert decision == (ids[1], 1)
        assert assignment_item == ids[1] and follow_item == ids[1] and extension_item == ids[1]

        # Without published versions or sent minutes the downgrade goes back to 0002, cases intact.
        to(engine, "0002", down=True)
        with engine.connect() as conn:
            assert conn.execute(text("SELECT count(*) FROM case_item WHERE meeting_id = 1")).scalar() == 2
        to(engine, "0003")
        with engine.begin() as conn:
            conn.execute(text(f"INSERT INTO agenda_version (meeting_id, version, published_at, content) "
                              f"VALUES (1, 1, {STAMP}, '{{}}')"))
        with pytest.raises(RuntimeError, match="Refusing to downgrade below 0003"):
            to(engine, "0002", down=True)
        with engine.connect() as conn:
            assert conn.execute(text("SELECT count(*) FROM agenda_version")).scalar() == 1
