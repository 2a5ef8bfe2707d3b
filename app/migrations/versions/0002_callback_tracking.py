"""Callback tracking: last poll per call, last attempt result and resolution per callback.

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-23
"""

import sqlalchemy as sa
from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("calls") as batch:
        batch.add_column(sa.Column("last_polled_at", sa.DateTime(timezone=True)))
    with op.batch_alter_table("callbacks") as batch:
        batch.add_column(sa.Column("last_result", sa.String(32)))
        batch.add_column(sa.Column("resolved_at", sa.DateTime(timezone=True)))


def downgrade() -> None:
    with op.batch_alter_table("callbacks") as batch:
        batch.drop_column("resolved_at")
        batch.drop_column("last_result")
    with op.batch_alter_table("calls") as batch:
        batch.drop_column("last_polled_at")
