"""A claim whose agent call ended with no result is checked with Twilio before release.

When an agent's call ended while its claim had no result, the claim went back to the line at
once. If the result (the customer answered) was journaled on a host cut off from the
database, the next agent rang a customer already helped. `agent_ended_at` marks such a
claim; `holdwell callbacks` asks Twilio's REST API how the customer's leg went before it
releases it (app.claim_checks).

Revision ID: 0016
Revises: 0015
Create Date: 2026-12-02
"""

import sqlalchemy as sa
from alembic import op

revision = "0016"
down_revision = "0015"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("callbacks") as batch:
        batch.add_column(sa.Column("agent_ended_at", sa.DateTime(timezone=True)))


def downgrade() -> None:
    with op.batch_alter_table("callbacks") as batch:
        batch.drop_column("agent_ended_at")
