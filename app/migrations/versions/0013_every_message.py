"""Every message a caller leaves, not just the first, reaches the agent.

A callbacks row had room for one recording; a caller who rang again and left a second
message (one callback per person: it rides on the first call's callback) lost it. Messages
get their own table, keyed by Twilio's RecordingSid; the callbacks' columns move into it.

Revision ID: 0013
Revises: 0012
Create Date: 2026-12-01
"""

import sqlalchemy as sa
from alembic import op

revision = "0013"
down_revision = "0012"
branch_labels = None
depends_on = None

MOVED = ("transcript", "recording_s", "recording_sid", "recording_url")


def upgrade() -> None:
    op.create_table(
        "callback_messages",
        sa.Column("recording_sid", sa.String(34), primary_key=True),
        sa.Column("callback_id", sa.String(64), nullable=False),
        sa.Column("call_id", sa.String(64), nullable=False),
        sa.Column("left_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("recording_url", sa.String(512), nullable=False),
        sa.Column("recording_s", sa.Integer),
        sa.Column("transcript", sa.Text),
    )
    op.create_index("ix_callback_messages_callback", "callback_messages",
                    ["callback_id", "left_at"])
    # A retried or replayed Record action could leave one recording on two callbacks: each
    # recording moves once, with the callback that first took it.
    op.execute("INSERT INTO callback_messages (recording_sid, callback_id, call_id, left_at, "
               "recording_url, recording_s, transcript) SELECT recording_sid, call_id, call_id, "
               "requested_at, recording_url, recording_s, transcript FROM callbacks c "
               "WHERE recording_sid IS NOT NULL AND recording_url IS NOT NULL "
               "AND NOT EXISTS (SELECT 1 FROM callbacks d WHERE d.recording_sid = "
               "c.recording_sid AND (d.requested_at < c.requested_at OR (d.requested_at = "
               "c.requested_at AND d.call_id < c.call_id)))")
    op.drop_index("ix_callbacks_recording_sid", table_name="callbacks")
    with op.batch_alter_table("callbacks") as batch:
        for column in MOVED:
            batch.drop_column(column)


def downgrade() -> None:
    """Back to one message per callback: each keeps its first."""
    with op.batch_alter_table("callbacks") as batch:
        batch.add_column(sa.Column("recording_url", sa.String(512)))
        batch.add_column(sa.Column("recording_sid", sa.String(34)))
        batch.add_column(sa.Column("recording_s", sa.Integer))
        batch.add_column(sa.Column("transcript", sa.Text))
    op.create_index("ix_callbacks_recording_sid", "callbacks", ["recording_sid"])
    first = ("(SELECT {column} FROM callback_messages m WHERE m.callback_id = callbacks.call_id "
             "ORDER BY m.left_at, m.recording_sid LIMIT 1)")
    op.execute("UPDATE callbacks SET " + ", ".join(
        f"{column} = {first.format(column=column)}" for column in MOVED))
    op.drop_index("ix_callback_messages_callback", table_name="callback_messages")
    op.drop_table("callback_messages")
