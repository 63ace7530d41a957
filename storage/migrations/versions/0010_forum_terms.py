"""forum.member_term and forum.coordinator_title: the forum's own words (network file `rules:`)

Revision ID: 0010
Revises: 0007
"""
from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0010"
down_revision = "0007"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("forum") as batch:
        batch.add_column(sa.Column("member_term", sa.String(length=30), nullable=True))
        batch.add_column(sa.Column("coordinator_title", sa.String(length=100), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("forum") as batch:
        batch.drop_column("coordinator_title")
        batch.drop_column("member_term")
