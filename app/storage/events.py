"""Insert-once event rows: the building block that makes every webhook write idempotent."""

from __future__ import annotations

import json
from collections.abc import Mapping
from datetime import datetime
from functools import cache
from typing import Any

from sqlalchemy import Connection, Insert, Table
from sqlalchemy.dialects import postgresql, sqlite

from app.storage.schema import call_events


@cache
def _insert_once(dialect_name: str, table: Table, key: str) -> Insert:
    dialect = postgresql if dialect_name == "postgresql" else sqlite
    return dialect.insert(table).on_conflict_do_nothing(index_elements=[key])


def insert_once(conn: Connection, table: Table, key: str) -> Insert:
    """INSERT ... ON CONFLICT DO NOTHING on `key`, built once per dialect: pass values to execute.

    Reusing one statement object lets SQLAlchemy skip building and re-keying it on every
    webhook; its compiled form comes from the engine's cache.
    """
    return _insert_once(conn.dialect.name, table, key)


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
    return inserted_once(conn, call_events, "dedupe_key", values)


def inserted_once(conn: Connection, table: Table, key: str, values: Mapping[str, Any]) -> bool:
    """INSERT ... ON CONFLICT DO NOTHING on `key`; True if this inserted the row.

    psycopg reports rowcount -1 for such an INSERT, so `rowcount == 1` said "already there"
    for every new row on PostgreSQL (a call whose status callback came first was never
    ended): there the new row's key is returned instead. sqlite3's rowcount is exact, and
    cheaper than RETURNING.
    """
    if conn.dialect.name == "sqlite":
        return conn.execute(insert_once(conn, table, key), values).rowcount == 1
    return conn.execute(_returning_key(conn.dialect.name, table, key), values).first() is not None


@cache
def _returning_key(dialect_name: str, table: Table, key: str) -> Insert:
    return _insert_once(dialect_name, table, key).returning(table.c[key])
