"""One truth per call: the calls row is a projection of its events; claims carry a fence.

`departed_at` is when a caller left the head of the line (answered, hung up, or called back),
decided from all of the call's facts; each poll counts the queue's recent departures from it
(`ix_calls_queue_departed`) instead of from raw events, so a hang-up and an answer raced on
one call count once. `last_poll_queue_time_s` makes counting a poll idempotent (Twilio may
retry one). `claim_token` fences callback attempts: a result applies only to its own claim.

Revision ID: 0005
Revises: 0004
Create Date: 2026-12-01
"""

import sqlalchemy as sa
from alembic import op

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("calls") as batch:
        batch.add_column(sa.Column("departed_at", sa.DateTime(timezone=True)))
        batch.add_column(sa.Column("last_poll_queue_time_s", sa.Float()))
    op.create_index("ix_calls_queue_departed", "calls", ["queue", "departed_at"])
    with op.batch_alter_table("callbacks") as batch:
        batch.add_column(sa.Column("claim_token", sa.String(36)))


def downgrade() -> None:
    with op.batch_alter_table("callbacks") as batch:
        batch.drop_column("claim_token")
    op.drop_index("ix_calls_queue_departed", table_name="calls")
    with op.batch_alter_table("calls") as batch:
        batch.drop_column("last_poll_queue_time_s")
        batch.drop_column("departed_at")
