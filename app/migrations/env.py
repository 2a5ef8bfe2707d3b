"""Alembic environment: the URL comes from the caller (holdwell db upgrade / DATABASE_URL)."""

from alembic import context

from app.storage.db import make_engine
from app.storage.locks import hold
from app.storage.schema import metadata

MIGRATING = "holdwell-migrate"
"""Held while migrating: processes starting together (web workers, the callback worker, a
second host) each call upgrade(); without it two could both create the same table."""

config = context.config


def run_migrations_offline() -> None:
    context.configure(url=config.get_main_option("sqlalchemy.url"), target_metadata=metadata,
                      literal_binds=True)
    with context.begin_transaction():
        context.run_migrations()


def run_migrations_online() -> None:
    connection = config.attributes.get("connection")
    if connection is not None:
        context.configure(connection=connection, target_metadata=metadata)
        with context.begin_transaction():
            context.run_migrations()
        return
    engine = make_engine(config.get_main_option("sqlalchemy.url"))
    try:
        with engine.connect() as conn:
            context.configure(connection=conn, target_metadata=metadata)
            with context.begin_transaction():
                hold(conn, MIGRATING)  # the revision is read after it: the winner's is seen
                context.run_migrations()
    finally:
        engine.dispose()  # a migration leaves no pooled connections behind


if context.is_offline_mode():
    run_migrations_offline()
else:
    run_migrations_online()
