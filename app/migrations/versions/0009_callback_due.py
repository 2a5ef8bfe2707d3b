"""When a callback booked outside opening hours may first be dialled (the next opening).

Callers who ring while the line is closed may book a callback for the next opening; the cap on
how many are booked per opening counts these rows by queue and due time.

Revision ID: 0009
Revises: 0008
Create Date: 2026-12-01
"""

import sqlalchemy as sa
from alembic import op

revision = "0009"
down_revision = "0008"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("callbacks") as batch:
        batch.add_column(sa.Column("due_at", sa.DateTime(timezone=True)))
    op.create_index("ix_callbacks_queue_due", "callbacks", ["queue", "due_at"])


def downgrade() -> None:
    op.drop_index("ix_callbacks_queue_due", table_name="callbacks")
    with op.batch_alter_table("callbacks") as batch:
        batch.drop_column("due_at")
