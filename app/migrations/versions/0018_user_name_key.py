"""Console user names unique as people read them: "Ana" and "ana" are one name.

`add_user` compared names case-insensitively before inserting, but two adds at once could
both pass that check. `name_key` holds the name case-folded (Python's `casefold`, which also
folds what SQL's `lower` does not, e.g. "ß"), and a unique index on it lets the database
refuse the second. Names already stored that fold alike keep their accounts: the oldest gets
the key, the later ones none (NULL, which a unique index allows), and the upgrade says so.

Revision ID: 0018
Revises: 0017
Create Date: 2026-12-05
"""

import logging

import sqlalchemy as sa
from alembic import op

revision = "0018"
down_revision = "0017"
branch_labels = None
depends_on = None
log = logging.getLogger("holdwell.migrate")


def upgrade() -> None:
    with op.batch_alter_table("users") as batch:
        batch.add_column(sa.Column("name_key", sa.String(256)))
    conn = op.get_bind()
    keyed: dict[str, str] = {}
    for user_id, name in conn.execute(sa.text("SELECT id, name FROM users ORDER BY id")):
        key = name.casefold()
        if key in keyed:
            log.warning("users %r and %r differ only in case; %r keeps its account, but new "
                        "names are checked against both", keyed[key], name, name)
            continue
        keyed[key] = name
        conn.execute(sa.text("UPDATE users SET name_key = :key WHERE id = :id"),
                     {"key": key, "id": user_id})
    op.create_index("ux_users_name_key", "users", ["name_key"], unique=True)


def downgrade() -> None:
    op.drop_index("ux_users_name_key", table_name="users")
    with op.batch_alter_table("users") as batch:
        batch.drop_column("name_key")
