"""Call log: events, per-call records, callback requests.

Revision ID: 0001
Revises:
Create Date: 2026-11-23
"""

import sqlalchemy as sa
from alembic import op

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None

TZ = sa.DateTime(timezone=True)


def upgrade() -> None:
    op.create_table(
        "call_events",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("time", TZ, nullable=False),
        sa.Column("call_id", sa.String(64), nullable=False),
        sa.Column("queue", sa.String(64), nullable=False),
        sa.Column("event", sa.String(32), nullable=False),
        sa.Column("policy", sa.String(32), nullable=False, server_default=""),
        sa.Column("arm", sa.String(32), nullable=False, server_default=""),
        sa.Column("position", sa.Integer),
        sa.Column("wait_s", sa.Float),
        sa.Column("data", sa.Text, nullable=False, server_default="{}"),
        sa.Column("dedupe_key", sa.String(160), nullable=False, unique=True),
    )
    op.create_index("ix_call_events_queue_time", "call_events", ["queue", "time"])
    op.create_index("ix_call_events_call_id", "call_events", ["call_id"])
    op.create_table(
        "calls",
        sa.Column("call_id", sa.String(64), primary_key=True),
        sa.Column("queue", sa.String(64), nullable=False),
        sa.Column("policy", sa.String(32), nullable=False),
        sa.Column("arm", sa.String(32), nullable=False, server_default=""),
        sa.Column("from_number", sa.String(32)),
        sa.Column("arrived_at", TZ, nullable=False),
        sa.Column("entered_at", TZ),
        sa.Column("orig_position", sa.Integer),
        sa.Column("polls", sa.Integer, nullable=False, server_default="0"),
        sa.Column("announcements", sa.Integer, nullable=False, server_default="0"),
        sa.Column("last_announced_at", TZ),
        sa.Column("first_announced_wait_s", sa.Float),
        sa.Column("first_announced_at_s", sa.Float),
        sa.Column("callback_requested", sa.Boolean, nullable=False, server_default="0"),
        sa.Column("callback_promised_wait_s", sa.Float),
        sa.Column("outcome", sa.String(32)),
        sa.Column("wait_s", sa.Float),
        sa.Column("answered_at", TZ),
        sa.Column("ended_at", TZ),
        sa.Column("callback_wait_s", sa.Float),
    )
    op.create_index("ix_calls_queue_entered", "calls", ["queue", "entered_at"])
    op.create_table(
        "callbacks",
        sa.Column("call_id", sa.String(64), primary_key=True),
        sa.Column("queue", sa.String(64), nullable=False),
        sa.Column("number", sa.String(32), nullable=False),
        sa.Column("entered_at", TZ, nullable=False),
        sa.Column("requested_at", TZ, nullable=False),
        sa.Column("promised_by", TZ),
        sa.Column("status", sa.String(16), nullable=False, server_default="pending"),
        sa.Column("attempts", sa.Integer, nullable=False, server_default="0"),
        sa.Column("next_attempt_at", TZ),
        sa.Column("claimed_by", sa.String(64)),
        sa.Column("claimed_at", TZ),
    )
    op.create_index("ix_callbacks_queue_status_entered", "callbacks",
                    ["queue", "status", "entered_at"])


def downgrade() -> None:
    op.drop_table("callbacks")
    op.drop_table("calls")
    op.drop_table("call_events")
