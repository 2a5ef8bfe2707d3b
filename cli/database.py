"""Which database a command works on, and how to name it in messages without its password."""

from __future__ import annotations

import os
import re
from collections.abc import Iterator
from contextlib import contextmanager

import click

from app.settings import DEFAULT_DATABASE_URL, configured_database_url, sqlalchemy_url


def database_url(given: str | None = None) -> str:
    """--db if given, else $DATABASE_URL, else the local SQLite file; refused, naming where it
    came from, when its port or host cannot be read (that had been an "unexpected error"
    naming nothing) or when it is a SQLite database in memory, which keeps nothing from one
    command to the next (`db upgrade` had said it worked, and every later command asked for
    it again)."""
    from sqlalchemy.engine import make_url
    from sqlalchemy.exc import ArgumentError

    from app.storage.db_identity import sqlite_file

    source = "--db" if given else "DATABASE_URL"
    url = sqlalchemy_url(given) if given else configured_database_url(os.environ)
    try:
        parsed = make_url(url)
    except ValueError as error:
        raise click.ClickException(f"{source}: cannot read the host or port of {safe_url(url)} "
                                   f"({error})") from None
    except ArgumentError:  # not a URL at all: a path is named as one; the rest is said
        if "://" not in url and re.fullmatch(r"[^\s:]+\.(db|sqlite3?)", url):  # as before
            raise click.ClickException(
                f"{source}: {url!r} is a file's path, not a database URL; a SQLite file is "
                f"named sqlite:///{url} (three slashes, then the path, so an absolute one "
                "has four)") from None
        return url
    if parsed.get_backend_name() == "sqlite" and sqlite_file(parsed) is None:
        slashes = (f" ({url} names {parsed.host!r} as a host, which SQLite has none of: "
                   f"a file is sqlite:///{parsed.host}, with three slashes)"
                   if parsed.host else "")
        raise click.ClickException(f"{source}: {url} is a database in memory, which keeps "
                                   f"nothing once the command ends{slashes}; name a file, "
                                   f"e.g. {DEFAULT_DATABASE_URL}")
    return url


def safe_url(url: str) -> str:
    """The URL with any password masked, for messages (one with '/' or '@' in it too)."""
    from sqlalchemy.engine import make_url
    from sqlalchemy.exc import ArgumentError

    try:
        return make_url(url).render_as_string(hide_password=True)
    except (ArgumentError, ValueError):  # not a URL SQLAlchemy reads: mask to the last '@'
        return re.sub(r"(//[^:/@]+):.*@", r"\1:***@", url)


def cannot_use(url: str, flag: str, error: Exception) -> str:
    """One line for a database a command cannot use, naming the option or variable that gave
    it (`flag`) and the error's first line, its password masked."""
    return f"{flag}: cannot use the database at {safe_url(url)}: {error_said(url, error)}"


def error_said(url: str, error: BaseException) -> str:
    """The error's first line, with the cause SQLite leaves unsaid (a read-only or missing
    folder) when that is it."""
    from app.storage.db import sqlite_file_problem
    from app.storage.deadline import first_line

    cause = sqlite_file_problem(url, error)
    return f"{first_line(error)} ({cause})" if cause else first_line(error)


@contextmanager
def database_errors(url: str, flag: str) -> Iterator[None]:
    """One line naming `flag` for a database that cannot be read: a bad URL, a missing driver,
    no server, no such SQLite file (a read must not leave an empty one behind), or tables
    never created (then the fix is `holdwell db upgrade`)."""
    from sqlalchemy.exc import ArgumentError, SQLAlchemyError

    from app.storage.db import absent_sqlite_file
    from app.storage.deadline import first_line

    try:
        missing_file = absent_sqlite_file(url)
    except ArgumentError:
        missing_file = None  # the read below names the bad URL
    if missing_file is not None:
        raise click.ClickException(f"{flag}: no call log at {safe_url(url)}: "
                                   f"{missing_file} does not exist (a mistyped path? `holdwell "
                                   f"db upgrade` creates the database there)")
    try:
        yield
    except (SQLAlchemyError, ImportError) as error:
        first = first_line(error)
        missing = "no such table" in first or ("relation" in first and "does not exist" in first)
        hint = "; create the tables with `holdwell db upgrade`" if missing else ""
        raise click.ClickException(f"{flag}: cannot use the call log at {safe_url(url)}: "
                                   f"{error_said(url, error)}{hint}") from None


def schema_revision(url: str) -> str:
    """The revision the database says it is at (Alembic's table), "base" if none: what
    `db upgrade` reports, rather than the revision it was asked for."""
    from alembic.runtime.migration import MigrationContext

    from app.storage.db import make_engine

    engine = make_engine(url)  # the file it may make is made as every other: owner only
    try:
        with engine.connect() as conn:
            heads = MigrationContext.configure(conn).get_current_heads()
    finally:
        engine.dispose()
    return ", ".join(heads) or "base"


def current_schema(url: str, flag: str = "DATABASE_URL") -> None:
    """Refuse (one line naming `flag`) a database whose schema is not this code's: a command
    that only reads or adds rows never migrates it (that is `holdwell db upgrade`'s job, run
    once per deploy), nor creates a database where a path was mistyped."""
    from app.health import schema_problem

    with database_errors(url, flag):
        revision = schema_revision(url)
    if problem := schema_problem(None if revision == "base" else revision):
        raise click.ClickException(f"{flag}: {problem} (the database at {safe_url(url)})")
