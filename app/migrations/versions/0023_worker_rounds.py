"""When each `holdwell callbacks` worker last finished a round.

The worker is the backstop of every callback promise: it frees the claims of agent calls
that died unheard, checks ended claims and booking calls with Twilio, rings customer-first
callbacks by REST, texts customers it could not reach, and replays the journal. When it
stopped (a crashed process, a deploy without the Procfile's `worker:`), nothing said so:
claims stayed held and promises quietly lapsed. Each round now notes here that it ran, per
host, so `/healthz` and the console can say when it last did.

Revision ID: 0023
Revises: 0022
Create Date: 2026-12-07
"""

import sqlalchemy as sa
from alembic import op

revision = "0023"
down_revision = "0022"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "worker_rounds",
        sa.Column("host", sa.String(255), primary_key=True),
        sa.Column("pid", sa.Integer, nullable=False),
        sa.Column("interval_s", sa.Float, nullable=False),
        sa.Column("started_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("last_round_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("last_ok_at", sa.DateTime(timezone=True)),
        sa.Column("problem", sa.Text),
    )


def downgrade() -> None:
    op.drop_table("worker_rounds")
