"""meeting.sequence: the iCalendar SEQUENCE of a meeting, raised when it is moved, changed or cancelled

Before, the feed used the row's optimistic-lock version, which also moves when an agenda is published or
minutes are sent; calendar clients only need a higher number when the event itself changed.

Revision ID: 0006
Revises: 0002
"""
from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("meeting") as batch:
        batch.add_column(sa.Column("sequence", sa.Integer(), nullable=False, server_default="0"))


def downgrade() -> None:
    with op.batch_alter_table("meeting") as batch:
        batch.drop_column("sequence")
