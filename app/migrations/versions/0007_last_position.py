"""The caller's place in line at their last counted poll.

Twilio's Gather action carries no QueuePosition, so a key pressed during the wait (a callback
request) takes the caller's place from the log, not "first in line".

Revision ID: 0007
Revises: 0006
Create Date: 2026-12-01
"""

import sqlalchemy as sa
from alembic import op

revision = "0007"
down_revision = "0006"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("calls") as batch:
        batch.add_column(sa.Column("last_position", sa.Integer()))


def downgrade() -> None:
    with op.batch_alter_table("calls") as batch:
        batch.drop_column("last_position")
