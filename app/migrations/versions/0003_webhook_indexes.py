"""Indexes for the webhooks' hot reads, so their cost does not grow with the log.

`ix_calls_waiting` holds only unsettled calls: finding the longest-waiting caller (on each
agent request) no longer walks past every settled call. It replaces `ix_calls_queue_entered`,
whose only reader was that search, so a first poll still updates one index on `calls`.
`ix_call_events_queue_event_time` lets each poll count the queue's recent departures without
reading its other events.

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-24
"""

import sqlalchemy as sa
from alembic import op

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None

UNSETTLED = sa.text("outcome IS NULL")


def upgrade() -> None:
    op.create_index("ix_calls_waiting", "calls", ["queue", "entered_at"],
                    sqlite_where=UNSETTLED, postgresql_where=UNSETTLED)
    op.drop_index("ix_calls_queue_entered", table_name="calls")
    op.create_index("ix_call_events_queue_event_time", "call_events", ["queue", "event", "time"])


def downgrade() -> None:
    op.drop_index("ix_call_events_queue_event_time", table_name="call_events")
    op.create_index("ix_calls_queue_entered", "calls", ["queue", "entered_at"])
    op.drop_index("ix_calls_waiting", table_name="calls")
