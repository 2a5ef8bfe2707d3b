"""Alembic environment: the URL comes from the caller (holdwell db upgrade / DATABASE_URL)."""

import fcntl
import logging
import os
from collections.abc import Iterator
from contextlib import contextmanager

from alembic import context
from sqlalchemy import Connection, Engine, event, inspect

from app.storage.db import make_engine
from app.storage.locks import hold
from app.storage.migrate import MIGRATING, UnfinishedUpgrade
from app.storage.schema import metadata

NO_STATEMENT_TIMEOUT = "SET LOCAL statement_timeout = 0"
"""A migration's statements may take as long as they need (an index built over a large
log, a wait for the process migrating first), unlike the few seconds an app's may: an
upgrade cut off there had failed on a busy or large database and stopped every start."""

config = context.config
log = logging.getLogger("holdwell.migrate")


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
    sqlite = engine.dialect.name == "sqlite"
    if sqlite:
        transactional_ddl(engine)
    try:
        with sqlite_file_held(engine.url.database if sqlite else None), \
                engine.connect() as conn:
            context.configure(connection=conn, target_metadata=metadata,
                              transactional_ddl=True, on_version_apply=_say_step)
            with context.begin_transaction():
                if not sqlite:
                    conn.exec_driver_sql(NO_STATEMENT_TIMEOUT)
                hold(conn, MIGRATING)  # the revision is read after it: the winner's is seen
                if sqlite:
                    clear_leftover_rebuilds(conn)
                context.run_migrations()
    finally:
        engine.dispose()  # a migration leaves no pooled connections behind


def transactional_ddl(engine: Engine) -> None:
    """SQLite runs the whole upgrade in one transaction, as PostgreSQL does. Python's sqlite3
    begins a transaction only before a row change, so each CREATE, DROP and ALTER of a
    table rebuild committed on its own: an upgrade stopped part-way (Ctrl-C, a deploy's
    timeout) left a half-rebuilt table that failed every later upgrade and start. Now it
    rolls back to the revision it started from."""

    @event.listens_for(engine, "connect")
    def _driver_leaves_transactions_to_us(dbapi_connection, _record) -> None:  # noqa: ANN001
        dbapi_connection.isolation_level = None

    @event.listens_for(engine, "begin")
    def _begin_before_any_statement(conn: Connection) -> None:
        conn.exec_driver_sql("BEGIN IMMEDIATE")


LEFTOVER = "_alembic_tmp_"
"""Alembic's name for a SQLite table being rebuilt: a copy that replaces the table, then
takes its name, within one migration."""


def clear_leftover_rebuilds(conn: Connection) -> None:
    """A copy left by an upgrade stopped part-way before this code (see `transactional_ddl`)
    is dropped when the table it was copied from is still there, untouched: the copy
    replaced nothing. If that table is gone, the copy holds its rows: refused, by name."""
    names = set(inspect(conn).get_table_names())
    for leftover in sorted(name for name in names if name.startswith(LEFTOVER)):
        table = leftover.removeprefix(LEFTOVER)
        if table not in names:
            raise UnfinishedUpgrade(
                f"an earlier upgrade stopped while rebuilding table {table}: its rows are in "
                f"{leftover}, and {table} is gone. Restore the database from a backup, or "
                f"rename {leftover} to {table} by hand (sqlite3: ALTER TABLE {leftover} "
                f"RENAME TO {table}) and run `holdwell db upgrade` again")
        conn.exec_driver_sql(f'DROP TABLE "{leftover}"')
        log.warning("dropped %s, left by an upgrade stopped part-way (%s is intact)",
                    leftover, table)


def _say_step(*, ctx, step, heads, run_args) -> None:  # noqa: ANN001 - Alembic's hook
    """Each migration as it finishes, to `progress` (the CLI's stderr), if one was given."""
    progress = config.attributes.get("progress")
    if progress is not None and step.up_revision is not None:
        doc = (step.up_revision.doc or "").strip().splitlines()
        progress(f"{step.up_revision_id}: {doc[0] if doc else ''}")


@contextmanager
def sqlite_file_held(database: str | None) -> Iterator[None]:
    """SQLite's MIGRATING: an flock on a file beside the database for the whole migration,
    taken before SQLite's own write lock, so processes starting together (`serve` and
    `callbacks`) take turns and the later ones find the work done instead of waiting out
    SQLite's busy timeout. (Before `transactional_ddl`, Alembic's table rebuilds ran in
    several transactions, and two such processes could interleave them.) PostgreSQL holds
    its advisory lock instead."""
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
