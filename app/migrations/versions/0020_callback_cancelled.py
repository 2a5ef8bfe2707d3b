"""Whether a call's callback was withdrawn (cancelled) before it was rung.

A cancelled callback (an operator's cancel, or the caller rang back and chose to wait) left
the booking call's record `left` with its promise, which analytics counted as a promise still
open. A cancellation now logs a CALLBACK_CANCELLED fact, and the projection sets this column
from it. Callbacks cancelled before it get their fact, and the column, in 0021.

Revision ID: 0020
Revises: 0019
Create Date: 2026-12-06
"""

import sqlalchemy as sa
from alembic import op

revision = "0020"
down_revision = "0019"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("calls") as batch:
        batch.add_column(sa.Column("callback_cancelled", sa.Boolean, nullable=False,
                                   server_default="0"))


def downgrade() -> None:
    with op.batch_alter_table("calls") as batch:
        batch.drop_column("callback_cancelled")
