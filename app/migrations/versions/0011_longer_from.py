"""A caller's From as long as the webhook keeps it (SIP and Twilio Client callers).

Twilio's From is a SIP URI (`sip:alice.smith@example.sip.us1.twilio.com`) or a client name
for callers who are not on the phone network; `calls.from_number` held 32 characters while
the webhook kept 64, so on PostgreSQL such a caller's first write failed (and, taken for an
outage, held the journal up behind it).

Revision ID: 0011
Revises: 0010
Create Date: 2026-12-01
"""

import sqlalchemy as sa
from alembic import op

revision = "0011"
down_revision = "0010"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("calls") as batch:
        batch.alter_column("from_number", type_=sa.String(64), existing_type=sa.String(32))


def downgrade() -> None:
    with op.batch_alter_table("calls") as batch:
        batch.alter_column("from_number", type_=sa.String(32), existing_type=sa.String(64))
