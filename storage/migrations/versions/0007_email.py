"""e-mail: where a person wants notifications, and what each meeting's invitation last said

Revision ID: 0007
Revises: 0006
"""
from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0007"
down_revision = "0006"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("person") as batch:
        batch.add_column(sa.Column("notify_via", sa.String(length=10), nullable=True))
    with op.batch_alter_table("meeting") as batch:
        batch.add_column(sa.Column("invited_state", sa.String(length=200), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("meeting") as batch:
        batch.drop_column("invited_state")
    with op.batch_alter_table("person") as batch:
        batch.drop_column("notify_via")
