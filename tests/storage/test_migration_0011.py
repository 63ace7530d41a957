"""Migration 0011 on a store with data: the reminder ledger leaves the outbox (rows with status 'merged')
for a table of its own, keeping keys and ids, and the reminders already sent are not sent again."""
from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy import text

from storage.db import migrate
from storage.models import ReminderLedger
from storage.reminders import LedgerEntry, record_ledger
from tests.conftest import at
from tests.storage.test_migration_0003 import fresh_store, to


@pytest.mark.parametrize("backend", ["sqlite", "postgresql"])
def test_merged_outbox_rows_become_the_ledger_and_new_ids_stay_above_the_old(backend: str, tmp_path: Path) -> None:
    from sqlalchemy.orm import Session

    with fresh_store(backend, tmp_path) as engine:
        to(engine, "0007")
        stamp = "'2020-02-28 07:00:00'"
        with engine.begin() as conn:
            conn.execute(text("INSERT INTO person (id, handle, name, erased) VALUES (1, 'maria', 'Maria Lind', false)"))
            conn.execute(text(
                "INSERT INTO outbox (id, key, kind, person_id, payload, status, attempts, created_at, next_attempt_at, "
                f"sent_at) VALUES (40, 'reminders:p1:41', 'reminders', 1, '{{\"title\": \"2 påminnelser\"}}', "
                f"'sent', 1, {stamp}, {stamp}, {stamp})"))
            for row_id, key in ((41, "reminder:agenda_deadline:m1:x:p1"), (42, "reminder:minutes:m0:y:p1")):
                conn.execute(text(
                    "INSERT INTO outbox (id, key, kind, person_id, payload, status, attempts, created_at, "
                    f"next_attempt_at) VALUES ({row_id}, '{key}', 'reminder.x', 1, "
                    f"'{{\"delivery\": 40, \"title\": \"t\"}}', 'merged', 0, {stamp}, {stamp})"))
        migrate(engine)
        with engine.connect() as conn:
            ledger = conn.execute(text(
                "SELECT id, key, person_id, delivery_id FROM reminder_ledger ORDER BY id")).all()
            outbox = conn.execute(text("SELECT id, status FROM outbox ORDER BY id")).all()
        assert [tuple(r) for r in ledger] == [(41, "reminder:agenda_deadline:m1:x:p1", 1, 40),
                                              (42, "reminder:minutes:m0:y:p1", 1, 40)]
        assert [tuple(r) for r in outbox] == [(40, "sent")]  # only the delivery stays in the outbox
        with Session(engine) as s:
            again = record_ledger(s, [LedgerEntry(key="reminder:agenda_deadline:m1:x:p1", kind="reminder.x",
                                                  person_id=1),
                                      LedgerEntry(key="reminder:new:p1", kind="reminder.x", person_id=1)],
                                  now=at("2020-03-01T08:00"))
            s.commit()
            assert list(again) == ["reminder:new:p1"]  # the carried-over reminder is known
            assert again["reminder:new:p1"] > 42  # so a delivery keyed by it cannot meet an old key
            assert s.get(ReminderLedger, 41) is not None
