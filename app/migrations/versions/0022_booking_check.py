"""What `holdwell callbacks` learnt of a new callback's booking call from Twilio.

A caller answered on their own queue call while their callback's confirmation played, with
the answer journaled on a host cut off from the database, was dialled once the booking's
hold ended (F2). The worker now reads the booking call before then (app.booking_checks) and
keeps what it found here: `on_line` (still on it past the confirmation), `stayed` (it ended
after that: held for the journal), `left` (it ended in time, or their leaving the queue was
heard), and `booking_held_until` the hold it set (a hold someone else set since, a caller
ringing back being asked about their callback, is never cut short by the check's end). A
`leave` or `hangup` queue result after the booking ends the holds the check made.

Revision ID: 0022
Revises: 0021
Create Date: 2026-12-07
"""

import sqlalchemy as sa
from alembic import op

revision = "0022"
down_revision = "0021"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("callbacks") as batch:
        batch.add_column(sa.Column("booking_check", sa.String(16)))
        batch.add_column(sa.Column("booking_held_until", sa.DateTime(timezone=True)))


def downgrade() -> None:
    with op.batch_alter_table("callbacks") as batch:
        batch.drop_column("booking_held_until")
        batch.drop_column("booking_check")
