"""A message left from the queue: its recording on the callback task it became.

Issue 16 item 5: a caller may leave the queue to leave a message; the message is a callback
task (a `callbacks` row) whose agent hears it (or its transcript) before the customer rings.

Revision ID: 0010
Revises: 0009
Create Date: 2026-12-01
"""

import sqlalchemy as sa
from alembic import op

revision = "0010"
down_revision = "0009"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("callbacks") as batch:
        batch.add_column(sa.Column("recording_url", sa.String(512)))
        batch.add_column(sa.Column("recording_sid", sa.String(34)))
        batch.add_column(sa.Column("recording_s", sa.Integer))
        batch.add_column(sa.Column("transcript", sa.Text))
    op.create_index("ix_callbacks_recording_sid", "callbacks", ["recording_sid"])


def downgrade() -> None:
    op.drop_index("ix_callbacks_recording_sid", table_name="callbacks")
    with op.batch_alter_table("callbacks") as batch:
        for column in ("transcript", "recording_s", "recording_sid", "recording_url"):
            batch.drop_column(column)
