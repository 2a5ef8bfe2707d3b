"""A failed callback's text is owed until it is sent, whoever made the callback fail.

The text ("we tried to call you back") was sent only by the request that failed the
callback; a final attempt journaled during an outage and applied later failed the callback
with no text. `failure_text` marks it owed (set with the failure), then sent or not sent
(claimed once, by the request or by `holdwell callbacks`, whichever comes first).

Revision ID: 0015
Revises: 0014
Create Date: 2026-12-02
"""

import sqlalchemy as sa
from alembic import op

revision = "0015"
down_revision = "0014"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("callbacks") as batch:
        batch.add_column(sa.Column("failure_text", sa.String(8)))


def downgrade() -> None:
    with op.batch_alter_table("callbacks") as batch:
        batch.drop_column("failure_text")
