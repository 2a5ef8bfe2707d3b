"""The demo's own SQLite file: started afresh on every run, and never someone else's log.

Each `holdwell demo` shows one run, so the file it leaves holds that run's calls and
`holdwell report --db` on it reports what was just shown (runs used to pile up in it). A
file is only ever emptied if the demo wrote it: the demo marks its files with SQLite's
`application_id` header field, and refuses a file that holds anything without that mark (a
line's real call log passed as `--file` by mistake).
"""

from __future__ import annotations

import sqlite3
from pathlib import Path

DEMO_APPLICATION_ID = 0x486F6C64  # "Hold"


class NotADemoFile(ValueError):
    """The file holds data the demo did not write."""


def start_afresh(path: Path) -> None:
    """Remove the demo's previous file at `path` (and its WAL/journal companions); leave a
    missing or empty file alone; NotADemoFile for anything else."""
    if not path.exists() or path.stat().st_size == 0:
        return
    if _application_id(path) != DEMO_APPLICATION_ID:
        raise NotADemoFile(f"{path} holds data that `holdwell demo` did not write (a call "
                           f"log?); it is left untouched: name another file")
    for companion in (path, *(path.with_name(path.name + s) for s in ("-wal", "-shm",
                                                                      "-journal"))):
        companion.unlink(missing_ok=True)


def mark(path: Path) -> None:
    """Mark `path` as the demo's, so the next run may start it afresh (made, if new, as
    every database holdwell makes: readable by its owner only)."""
    from app.storage.db import CONNECT_TIMEOUT_S, open_sqlite_file

    conn = open_sqlite_file(str(path), CONNECT_TIMEOUT_S, creates_file=True)
    try:
        with conn:
            conn.execute(f"PRAGMA application_id = {DEMO_APPLICATION_ID}")
    finally:
        conn.close()


def _application_id(path: Path) -> int | None:
    try:
        conn = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
        try:
            return conn.execute("PRAGMA application_id").fetchone()[0]
        finally:
            conn.close()
    except sqlite3.DatabaseError:  # not an SQLite file at all
        return None
