"""Another connection holding a SQLite file's lock, for as long as a block runs."""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Literal


@contextmanager
def locked_sqlite(url: str, how: Literal["IMMEDIATE", "EXCLUSIVE"] = "IMMEDIATE"
                  ) -> Iterator[None]:
    """IMMEDIATE: another writer holds the file (reads still go through); EXCLUSIVE: nobody
    reads or writes it. Released, with nothing written, when the block ends. Taking it waits
    for a write under way (a live server's own) to finish."""
    locker = sqlite3.connect(url.removeprefix("sqlite:///"), timeout=10, isolation_level=None)
    locker.execute(f"BEGIN {how}")
    try:
        yield
    finally:
        locker.execute("ROLLBACK")
        locker.close()
