"""API tokens get a label and a last-used time, so one can be revoked alone.

An admin could revoke only every token of a person at once: the wallboard's token leaked,
and the reporting script's stopped too. A label says what a token is for, the last use
says whether anything still uses it, and its id revokes just that one. Tokens issued
before have no label (listed as "unlabelled") and no recorded use.

Revision ID: 0024
Revises: 0023
Create Date: 2026-12-07
"""

import sqlalchemy as sa
from alembic import op

revision = "0024"
down_revision = "0023"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("api_tokens") as batch:
        batch.add_column(sa.Column("label", sa.String(80)))
        batch.add_column(sa.Column("last_used_at", sa.DateTime(timezone=True)))


def downgrade() -> None:
    with op.batch_alter_table("api_tokens") as batch:
        batch.drop_column("last_used_at")
        batch.drop_column("label")
