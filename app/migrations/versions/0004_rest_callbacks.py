"""Callbacks placed through the REST API remember the customer's call leg.

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-23
"""

import sqlalchemy as sa
from alembic import op

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("callbacks") as batch:
        batch.add_column(sa.Column("rest_call_sid", sa.String(64)))


def downgrade() -> None:
    with op.batch_alter_table("callbacks") as batch:
        batch.drop_column("rest_call_sid")
