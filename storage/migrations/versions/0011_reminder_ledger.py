"""reminder ledger in a table of its own (was outbox rows with status 'merged')

Revision ID: 0011
Revises: 0007
"""
from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0011"
down_revision = "0010"
branch_labels = None
depends_on = None


def _delivery_of_payload() -> str:
    """SQL for the delivery row id a ledger row's payload named ({"delivery": id, ...})."""
    if op.get_bind().dialect.name == "postgresql":
        return "CAST(outbox.payload ->> 'delivery' AS INTEGER)"
    return "CAST(json_extract(outbox.payload, '$.delivery') AS INTEGER)"


def upgrade() -> None:
    op.create_table(
        "reminder_ledger",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("key", sa.String(length=300), nullable=False),
        sa.Column("kind", sa.String(length=50), nullable=False),
        sa.Column("person_id", sa.Integer(), nullable=True),
        sa.Column("delivery_id", sa.Integer(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["person_id"], ["person.id"], name=op.f("fk_reminder_ledger_person_id_person")),
        sa.ForeignKeyConstraint(["delivery_id"], ["outbox.id"], name=op.f("fk_reminder_ledger_delivery_id_outbox"),
                                ondelete="SET NULL"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_reminder_ledger")),
        sa.UniqueConstraint("key", name=op.f("uq_reminder_ledger_key")),
    )
    op.create_index(op.f("ix_reminder_ledger_person_id"), "reminder_ledger", ["person_id"])
    op.create_index(op.f("ix_reminder_ledger_delivery_id"), "reminder_ledger", ["delivery_id"])
    # Carry the ledger over with its ids: combined deliveries are keyed by their first ledger id
    # ('reminders:p<person>:<id>'), so new ledger ids must stay above the old ones.
    delivery = _delivery_of_payload()
    op.execute(
        "INSERT INTO reminder_ledger (id, key, kind, person_id, delivery_id, created_at) "
        f"SELECT outbox.id, outbox.key, outbox.kind, outbox.person_id, "
        f"(SELECT d.id FROM outbox d WHERE d.id = {delivery}), outbox.created_at "
        "FROM outbox WHERE outbox.status = 'merged'"
    )
    op.execute("DELETE FROM outbox WHERE status = 'merged'")
    if op.get_bind().dialect.name == "postgresql":
        op.execute("SELECT setval(pg_get_serial_sequence('reminder_ledger', 'id'), "
                   "COALESCE((SELECT MAX(id) FROM reminder_ledger), 0) + 1, false)")


def downgrade() -> None:
    op.execute(
        "INSERT INTO outbox (id, key, kind, person_id, payload, status, attempts, created_at, next_attempt_at) "
        "SELECT id + COALESCE((SELECT MAX(id) FROM outbox), 0), key, kind, person_id, '{}', 'merged', 0, "
        "created_at, created_at FROM reminder_ledger"
    )
    op.drop_index(op.f("ix_reminder_ledger_delivery_id"), table_name="reminder_ledger")
    op.drop_index(op.f("ix_reminder_ledger_person_id"), table_name="reminder_ledger")
    op.drop_table("reminder_ledger")
