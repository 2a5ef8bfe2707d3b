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


OLD_LENGTH = 32


def downgrade() -> None:
    """Refused, naming why, while a From longer than revision 0010 holds is stored: PostgreSQL
    would fail mid-way with a bare StringDataRightTruncation, and cutting a SIP address short
    would keep a From that is no one's."""
    longer = op.get_bind().execute(sa.text(
        "SELECT count(*) FROM calls WHERE length(from_number) > :most"),
        {"most": OLD_LENGTH}).scalar_one()
    if longer:
        raise RuntimeError(
            f"cannot downgrade below 0011: {longer} call(s) have a From longer than "
            f"{OLD_LENGTH} characters (SIP or client callers), which revision 0010 cannot "
            "hold; delete or shorten them first, or stay at 0011 or later")
    with op.batch_alter_table("calls") as batch:
        batch.alter_column("from_number", type_=sa.String(32), existing_type=sa.String(64))
