"""Console sessions kept on the server, so signing out ends one.

The session cookie was the whole session: signed, valid 12 hours, and a copy taken before
sign-out still worked after it. Now the cookie carries a random id whose hash is a row here;
sign-out deletes the row, and a cookie without one is no credential.

Revision ID: 0012
Revises: 0011
Create Date: 2026-12-01
"""

import sqlalchemy as sa
from alembic import op

revision = "0012"
down_revision = "0011"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "console_sessions",
        sa.Column("id_hash", sa.String(64), primary_key=True),
        sa.Column("user_id", sa.Integer, sa.ForeignKey("users.id", ondelete="CASCADE"),
                  nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
    )
    op.create_index("ix_console_sessions_created_at", "console_sessions", ["created_at"])


def downgrade() -> None:
    op.drop_index("ix_console_sessions_created_at", table_name="console_sessions")
    op.drop_table("console_sessions")
