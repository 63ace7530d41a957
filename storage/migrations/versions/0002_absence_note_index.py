"""a partial index on absences that still hold a note

The scheduler's note clean-up (storage.privacy) runs on every pass; without this
index it read the whole absence table each minute.

Revision ID: 0002
Revises: 0001
"""
from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_index("ix_absence_with_note", "absence", ["meeting_id"], unique=False,
                    sqlite_where=sa.text("note IS NOT NULL"), postgresql_where=sa.text("note IS NOT NULL"))


def downgrade() -> None:
    op.drop_index("ix_absence_with_note", table_name="absence")
