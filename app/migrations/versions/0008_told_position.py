"""The lowest place in line a caller has been told, so no later check-in says a higher one.

Revision ID: 0008
Revises: 0007
Create Date: 2026-12-01
"""

import sqlalchemy as sa
from alembic import op

revision = "0008"
down_revision = "0007"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("calls") as batch:
        batch.add_column(sa.Column("told_position", sa.Integer()))


def downgrade() -> None:
    with op.batch_alter_table("calls") as batch:
        batch.drop_column("told_position")
