"""Insert-once event rows: the building block that makes every webhook write idempotent."""

from __future__ import annotations

import json
from collections.abc import Mapping
from datetime import datetime
from typing import Any

from sqlalchemy import Connection
from sqlalchemy.dialects import postgresql, sqlite

from app.storage.schema import call_events


def insert_ignoring_duplicates(conn: Connection, table, values: Mapping[str, Any], key: str):  # noqa: ANN001
    """INSERT ... ON CONFLICT DO NOTHING on `key`, for SQLite and PostgreSQL alike."""
    dialect = postgresql if conn.dialect.name == "postgresql" else sqlite
    return dialect.insert(table).values(**values).on_conflict_do_nothing(index_elements=[key])


def log_event(
    conn: Connection,
    *,
    dedupe_key: str,
    time: datetime,
    call_id: str,
    queue: str,
    event: str,
    policy: str = "",
    arm: str = "",
    position: int | None = None,
    wait_s: float | None = None,
    data: Mapping[str, Any] | None = None,
) -> bool:
    """Log one event once; True if this call inserted it, False if it was already there."""
    values = {
        "dedupe_key": dedupe_key, "time": time, "call_id": call_id, "queue": queue,
        "event": event, "policy": policy, "arm": arm, "position": position, "wait_s": wait_s,
        "data": json.dumps(dict(data or {}), sort_keys=True),
    }
    result = conn.execute(insert_ignoring_duplicates(conn, call_events, values, "dedupe_key"))
    return result.rowcount == 1
