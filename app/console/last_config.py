"""The config version this host last ran, kept beside the journal, for a worker that starts
while the database is away.

Such a worker had run the file (or the built-in defaults) until the database answered:
opening hours, queues and splits saved in the console were ignored, so callers outside
hours were put in line, and a console-made queue's callers joined the default queue
(operator audit 35, D1). The file names the database it came from (without user, password
or any query parameter but those naming the database), so another line's version is never
run here.
"""

from __future__ import annotations

import json
import logging
import os
from pathlib import Path
from typing import Any

from app.storage.db_identity import same_database, which_database

log = logging.getLogger("holdwell.config")
FILE_NAME = "last_config_version.json"


def remember(folder: str | None, database_url: str, number: int, body: dict[str, Any]) -> None:
    """Keep version `number` as this host's last run (written whole, then renamed over the
    old one); a failure is a warning: the database still holds every version."""
    if not folder:
        return
    path = Path(folder) / FILE_NAME
    temporary = path.with_name(f".{FILE_NAME}.{os.getpid()}")
    try:  # the journal's mode: only this user reads what the line's config says
        descriptor = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        with open(descriptor, "w", encoding="utf-8") as out:
            json.dump({"database": which_database(database_url), "number": number,
                       "body": body}, out)
            out.flush()
            os.fsync(out.fileno())
        os.replace(temporary, path)
    except OSError as error:
        log.warning("could not keep config version %s in %s (%s): a worker started while "
                    "the database is away will run the file", number, path, error)


def recall(folder: str | None, database_url: str) -> tuple[int, dict[str, Any]] | None:
    """The version last run on this host for this database, or None (none kept, unreadable,
    or another database's)."""
    if not folder:
        return None
    path = Path(folder) / FILE_NAME
    try:
        kept = json.loads(path.read_text(encoding="utf-8"))
        database, number, body = kept["database"], int(kept["number"]), dict(kept["body"])
    except FileNotFoundError:
        return None
    except (OSError, ValueError, KeyError, TypeError) as error:
        log.warning("%s cannot be read (%s); running the file", path, error)
        return None
    if not same_database(database, database_url):
        log.warning("%s holds config version %s of %s, not of this line's database; running "
                    "the file", path, number, database)
        return None
    return number, body

