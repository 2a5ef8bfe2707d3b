"""Schema management with Alembic (`holdwell db upgrade`), usable from code and tests."""

from __future__ import annotations

from collections.abc import Callable
from functools import cache
from pathlib import Path

from alembic import command
from alembic.config import Config
from alembic.util.exc import CommandError
from sqlalchemy import Connection, text

MIGRATIONS = Path(__file__).resolve().parent.parent / "migrations"


def alembic_config(url: str) -> Config:
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    config.set_main_option("sqlalchemy.url", url.replace("%", "%%"))
    return config


@cache
def migration_scripts():  # noqa: ANN201 - alembic.script.ScriptDirectory
    """The migration scripts this code ships (read once)."""
    from alembic.script import ScriptDirectory

    return ScriptDirectory.from_config(alembic_config("sqlite://"))


@cache
def head_revision() -> str:
    """The newest migration this code ships."""
    return migration_scripts().get_current_head() or ""


def revision_of(conn: Connection) -> str | None:
    """The schema revision the database at `conn` records (raises when it has none)."""
    return conn.execute(text("SELECT version_num FROM alembic_version")).scalar()


MIGRATING = "holdwell-migrate"
"""Held while migrating: processes starting together (web workers, the callback worker, a
second host) each call upgrade(); without it two could both create the same table."""


class UnfinishedUpgrade(CommandError):
    """A SQLite table an earlier upgrade stopped rebuilding, its rows only in the copy."""


def upgrade(url: str, revision: str = "head", progress: Callable[[str], None] | None = None
            ) -> None:
    """Bring the database at `url` to `revision` (creating the tables on a new database),
    in one transaction; `progress` hears each migration as it finishes."""
    config = alembic_config(url)
    config.attributes["progress"] = progress
    command.upgrade(config, revision)


def stamp(url: str, revision: str) -> None:
    """Record `revision` as the database's without running any migration."""
    command.stamp(alembic_config(url), revision)


def downgrade(url: str, revision: str) -> None:
    command.downgrade(alembic_config(url), revision)


def table_names(url: str) -> set[str]:
    """The tables the database at `url` holds (one short-lived engine)."""
    from sqlalchemy import inspect

    from app.storage.db import make_engine

    engine = make_engine(url)
    try:
        return set(inspect(engine).get_table_names())
    finally:
        engine.dispose()


def recreate_missing_tables(url: str) -> list[str]:
    """Tables the schema needs but the database lacks although Alembic says it is current
    (dropped by hand, a half-restored backup): create them empty and name them."""
    from app.storage import console_schema  # noqa: F401 - its tables join the metadata
    from app.storage.db import make_engine
    from app.storage.schema import metadata

    present = table_names(url)
    missing = [table for name, table in metadata.tables.items() if name not in present]
    if missing:
        engine = make_engine(url)
        try:
            metadata.create_all(engine, tables=missing)
        finally:
            engine.dispose()
    return sorted(table.name for table in missing)
