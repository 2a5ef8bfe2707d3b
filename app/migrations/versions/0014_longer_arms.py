"""An experiment arm's name as long as the config allows (64 characters).

A variant's name is an arm (and, for a call that ran it, its policy label): config check
took 64 characters while `calls` and `call_events` held 32, so on PostgreSQL every fact of a
call in such an arm was refused and set aside.

Revision ID: 0014
Revises: 0013
Create Date: 2026-12-02
"""

import sqlalchemy as sa
from alembic import op

revision = "0014"
down_revision = "0013"
branch_labels = None
depends_on = None

TABLES = ("calls", "call_events")
COLUMNS = ("policy", "arm")
OLD_LENGTH, NEW_LENGTH = 32, 64


def resize(to: int, was: int) -> None:
    for table in TABLES:
        with op.batch_alter_table(table) as batch:
            for column in COLUMNS:
                batch.alter_column(column, type_=sa.String(to), existing_type=sa.String(was),
                                   existing_nullable=False)


def upgrade() -> None:
    resize(NEW_LENGTH, OLD_LENGTH)


def downgrade() -> None:
    """Refused, naming why, while a longer name is stored (PostgreSQL would fail mid-way with
    a bare truncation error, and a name cut short names no arm)."""
    bind = op.get_bind()
    longer = sum(bind.execute(sa.text(
        f"SELECT count(*) FROM {table} WHERE length({column}) > :most"),  # noqa: S608
        {"most": OLD_LENGTH}).scalar_one() for table in TABLES for column in COLUMNS)
    if longer:
        raise RuntimeError(
            f"cannot downgrade below 0014: {longer} stored arm or policy name(s) are longer "
            f"than {OLD_LENGTH} characters, which revision 0013 cannot hold; rename those "
            "variants' rows first, or stay at 0014 or later")
    resize(OLD_LENGTH, NEW_LENGTH)
