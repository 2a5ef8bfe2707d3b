"""When a caller put back in line began their current time in Twilio's queue.

After a Twilio `error` the app enqueues the caller again, and Twilio puts them at the back.
Their record keeps their first entry (their wait runs from it), so the head of the line,
which agents and callbacks are weighed against, cannot be read from `entered_at` alone: a
caller back in line looked older than everyone behind whom Twilio put them, and callers who
entered after a waiting callback were taken before it. `in_line_since` holds the later
start (NULL: still in their first time in line); `ix_calls_back_in_line` holds only such
callers still waiting, so a first poll updates no more indexes than before.

Revision ID: 0017
Revises: 0016
Create Date: 2026-12-04
"""

import sqlalchemy as sa
from alembic import op

revision = "0017"
down_revision = "0016"
branch_labels = None
depends_on = None

BACK_IN_LINE = sa.text("outcome IS NULL AND in_line_since IS NOT NULL")


def upgrade() -> None:
    with op.batch_alter_table("calls") as batch:
        batch.add_column(sa.Column("in_line_since", sa.DateTime(timezone=True)))
    op.create_index("ix_calls_back_in_line", "calls", ["queue", "in_line_since"],
                    sqlite_where=BACK_IN_LINE, postgresql_where=BACK_IN_LINE)


def downgrade() -> None:
    op.drop_index("ix_calls_back_in_line", table_name="calls")
    with op.batch_alter_table("calls") as batch:
        batch.drop_column("in_line_since")
