"""The configuration the app runs, as numbered versions in the database.

The active version is the newest; a roll-back adds a new version with an old body, so the
history only grows and every worker needs one cheap query (the highest number) to notice.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

from sqlalchemy import Connection, Engine, func, insert, select
from sqlalchemy.exc import IntegrityError

from app.storage import audit
from app.storage.console_schema import config_versions
from app.storage.db import as_utc
from hold_policies.config import HoldwellConfig, parse_config, sets_nothing, written

log = logging.getLogger("holdwell.config")
LIST_LIMIT = 100
BATCH = 100
MAX_NUMBER = 2**31 - 1  # the column is a 32-bit INTEGER on PostgreSQL
MAX_NOTE_LENGTH = 500
"""A version's note, whichever way it comes (console, API, CLI): a reason, not a file."""


class SavesCollided(RuntimeError):
    """Other saves kept landing first, try after try: nothing was stored, and sending the
    same change again is safe (an answer, not a crash: 503 with Retry-After)."""


class NoteError(ValueError):
    """A note that cannot be stored as given; the message says why."""


def shortened(note: str) -> str:
    """A note the app writes itself, cut to fit (a split's arms, named in full, can pass
    MAX_NOTE_LENGTH: starting one had failed with a 500)."""
    return note if len(note) <= MAX_NOTE_LENGTH else note[:MAX_NOTE_LENGTH - 1] + "…"


def check_note(note: str) -> str:
    """The note if storable: at most MAX_NOTE_LENGTH characters, no NUL (PostgreSQL's text
    cannot hold one). `config import --note` had stored 100,000 characters, echoed into
    every export's header and every history page."""
    if "\x00" in note:
        raise NoteError("a note must not contain a NUL character (\\u0000)")
    if len(note) > MAX_NOTE_LENGTH:
        raise NoteError(f"a note is at most {MAX_NOTE_LENGTH} characters (got {len(note):,})")
    return note


@dataclass(frozen=True)
class ConfigVersion:
    number: int
    created_at: datetime
    author: str
    note: str
    body: dict[str, Any]

    def config(self) -> HoldwellConfig:
        return parse_config(self.body, f"config version {self.number}")


def body_of(config: HoldwellConfig) -> dict[str, Any]:
    """The config as stored and exported: JSON types, defaults left out so diffs stay short,
    in the file's order (stored with sorted keys, the first queue, which takes calls with no
    `?queue=` when `line.default_queue` is not set, had become the alphabetically first)."""
    return written(config)


def effective_body(config: HoldwellConfig) -> dict[str, Any]:
    """Every setting the config runs with, defaults filled in (`config export --effective`):
    what a stored version, defaults left out, does not show."""
    return written(config, defaults=True)  # a setting off is written as off ("", false); a
    # None left (a default: no value) is left out by the TOML writer; a voice its language
    # chose is left out too: imported back, it would be the operator's, and stop following


def _version(row) -> ConfigVersion:  # noqa: ANN001 - a row mapping
    return ConfigVersion(row["number"], as_utc(row["created_at"]), row["author"], row["note"],
                         json.loads(row["body"]))


def active_number(conn: Connection) -> int | None:
    """The active version's number (the highest), from the primary key alone."""
    return conn.execute(select(func.max(config_versions.c.number))).scalar()


def get(engine: Engine, number: int | None = None) -> ConfigVersion | None:
    """Version `number`, or the active one; None for a number no INTEGER column can hold
    (a typed-in ?show= or roll-back number must be a 'no such version', not a driver error)."""
    if number is not None and not 1 <= number <= MAX_NUMBER:
        return None
    with engine.connect() as conn:
        number = active_number(conn) if number is None else number
        row = conn.execute(select(config_versions).where(
            config_versions.c.number == number)).mappings().first()
    return _version(row) if row else None


def newest_first(conn: Connection) -> Iterator[ConfigVersion]:
    """Every version, newest first, fetched a batch at a time: no cap, so a search that stops
    at what it looks for (when a split began) is right however long the history is."""
    query = select(config_versions).order_by(config_versions.c.number.desc())
    for row in conn.execution_options(yield_per=BATCH).execute(query).mappings():
        yield _version(row)


@dataclass(frozen=True)
class History:
    """A page of versions, newest first: `older` when versions older than the page exist
    (the page had been cut at 100 without a word), and how many are stored in all."""

    versions: list[ConfigVersion]
    active: int | None
    total: int
    older: bool


def history(engine: Engine, limit: int = LIST_LIMIT, before: int | None = None) -> History:
    """The newest `limit` versions, or the newest `limit` numbered below `before`."""
    query = select(config_versions).order_by(config_versions.c.number.desc()).limit(limit + 1)
    if before is not None:
        query = query.where(config_versions.c.number < before)
    counted = select(func.count(), func.max(config_versions.c.number)).select_from(
        config_versions)
    with engine.connect() as conn:
        rows = [_version(row) for row in conn.execute(query).mappings()]
        total, active = conn.execute(counted).one()
    return History(rows[:limit], active, total, older=len(rows) > limit)


class ActiveMoved(RuntimeError):
    """Another version became active after the one a change was built on."""


def add(engine: Engine, config: HoldwellConfig, *, author: str, note: str,
        now: datetime, after: int | None = None) -> ConfigVersion:
    """Store a validated config as the next version (audited); it becomes active. With
    `after` (the version `config` was built from), only if that is still the active one:
    else ActiveMoved, and the caller builds again (storing it anyway would undo the other
    change, silently)."""
    check_note(note)
    body = body_of(config)
    for _ in range(5):  # two saves at once: the loser retries with the next number
        try:
            with engine.begin() as conn:
                active = active_number(conn)
                if after is not None and (active or 0) != after:
                    raise ActiveMoved(f"version {active} became active after {after}")
                number = (active or 0) + 1
                conn.execute(insert(config_versions).values(
                    number=number, created_at=now, author=author, note=note,
                    body=json.dumps(body)))
                audit.record(conn, actor=author, action="config.version", target=str(number),
                             detail={"note": note}, now=now)
            return ConfigVersion(number, now, author, note, body)
        except IntegrityError:
            continue
    raise SavesCollided("other config saves kept landing first: nothing was stored; send it "
                        "again")


def seed(engine: Engine, config: HoldwellConfig, now: datetime,
         source: Path | None = None) -> None:
    """Version 1 from HOLDWELL_CONFIG (read from `source`; None: the built-in defaults, no
    file) when the database has none yet."""
    with engine.connect() as conn:
        if active_number(conn) is not None:
            return
    try:
        with engine.begin() as conn:
            conn.execute(insert(config_versions).values(
                number=1, created_at=now, author="HOLDWELL_CONFIG",
                note=(f"seeded from {source} at start-up" if source is not None else
                      "seeded from the built-in defaults at start-up (no configuration file)"),
                body=json.dumps(body_of(config))))
    except IntegrityError:  # another worker seeded it first
        return
    if source is not None and (empty := sets_nothing(config, f"config file {source}")):
        log.warning("%s Seeded config version 1 from it all the same; if it is not meant, "
                    "`holdwell config import` the real file", empty)
