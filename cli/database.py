"""Which database a command works on, and how to name it in messages without its password."""

from __future__ import annotations

import os
import re
from collections.abc import Iterator
from contextlib import contextmanager

import click

from app.settings import DEFAULT_DATABASE_URL


def database_url(given: str | None = None) -> str:
    """--db if given, else $DATABASE_URL, else the local SQLite file."""
    return given or os.environ.get("DATABASE_URL") or DEFAULT_DATABASE_URL


def safe_url(url: str) -> str:
    """The URL with any password masked, for messages."""
    return re.sub(r"(//[^:/@]+):[^@/]*@", r"\1:***@", url)


@contextmanager
def database_errors(url: str, flag: str) -> Iterator[None]:
    """One line naming `flag` for a database that cannot be read: a bad URL, a missing driver,
    no server, or tables never created (then the fix is `holdwell db upgrade`)."""
    from sqlalchemy.exc import SQLAlchemyError

    try:
        yield
    except (SQLAlchemyError, ImportError) as error:
        first = str(error).splitlines()[0] if str(error) else type(error).__name__
        missing = "no such table" in first or ("relation" in first and "does not exist" in first)
        hint = "; create the tables with `holdwell db upgrade`" if missing else ""
        raise click.ClickException(f"{flag}: cannot read the call log at {safe_url(url)}: "
                                   f"{first}{hint}") from None
