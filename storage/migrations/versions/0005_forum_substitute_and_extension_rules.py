"""forum rules: substitutes from another organisation, and forums that decide extensions

Revision ID: 0005
Revises: 0002
"""
from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0005"
down_revision = "0003"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("forum") as batch:
        batch.add_column(sa.Column("substitutes_other_organisation", sa.Boolean(), nullable=False,
                                   server_default=sa.false()))
        batch.add_column(sa.Column("extensions_by", sa.String(length=1000), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("forum") as batch:
        batch.drop_column("extensions_by")
        batch.drop_column("substitutes_other_organisation")
