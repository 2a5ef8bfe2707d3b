"""Alembic environment: the URL comes from the caller (holdwell db upgrade / DATABASE_URL)."""

import fcntl
import os
from collections.abc import Iterator
from contextlib import contextmanager

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
        database = engine.url.database if engine.dialect.name == "sqlite" else None
        with sqlite_file_held(database), engine.connect() as conn:
            context.configure(connection=conn, target_metadata=metadata)
            with context.begin_transaction():
                hold(conn, MIGRATING)  # the revision is read after it: the winner's is seen
                context.run_migrations()
    finally:
        engine.dispose()  # a migration leaves no pooled connections behind


@contextmanager
def sqlite_file_held(database: str | None) -> Iterator[None]:
    """SQLite's MIGRATING: an flock on a file beside the database for the whole migration.
    Alembic runs SQLite's table rebuilds in several transactions, so two processes starting
    together (`serve` and `callbacks`) interleaved them and could leave a half-rebuilt
    table that failed every later upgrade. PostgreSQL holds its advisory lock instead."""
    if not database or database == ":memory:" or database.startswith("file:"):
        yield
        return
    try:
        fd = os.open(f"{database}.migrate-lock", os.O_RDWR | os.O_CREAT, 0o600)
    except OSError:  # no such folder, or none we may write: nor can SQLite, whose own error
        yield  # on connecting names the URL (this one said only "unexpected error")
        return
    try:
        fcntl.flock(fd, fcntl.LOCK_EX)
        yield
    finally:
        os.close(fd)


if context.is_offline_mode():
    run_migrations_offline()
else:
    run_migrations_online()
