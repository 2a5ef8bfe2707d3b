"""PostgreSQL's SQLSTATE codes that holdwell acts on, named once.

Why: the server writes its messages in its own language, but a SQLSTATE is the same in
every one, so code that must tell a refused privilege from a missing table reads these.
SQLite has no SQLSTATE: its callers read its English words beside these.
"""

from __future__ import annotations

FEATURE_NOT_SUPPORTED = "0A000"  # e.g. "cached plan must not change result type"
READ_ONLY = "25006"  # a standby after a failover, or writes switched off for a while
PERMISSION_DENIED = "42501"  # the role lacks a privilege
UNDEFINED_TABLE = "42P01"  # a table missing until `holdwell db upgrade` makes it again
UNDEFINED_COLUMN = "42703"  # a column missing: the schema is behind the code
QUERY_CANCELED = "57014"  # a statement stopped by statement_timeout
INSUFFICIENT_RESOURCES_CLASS = "53"  # out of memory, disk or connections: passes


def sqlstate_of(error: BaseException) -> str | None:
    """PostgreSQL's SQLSTATE of `error` (SQLAlchemy's wrapper or psycopg's own), if any, or
    of the error it was raised from: a DatabaseUnavailable carries the driver's as its
    cause, and /healthz had read a PostgreSQL database with no tables as refusing writes."""
    seen: set[int] = set()
    current: BaseException | None = error
    while current is not None and id(current) not in seen:  # a loop of causes ends too
        seen.add(id(current))
        state = getattr(getattr(current, "orig", None), "sqlstate", None) \
            or getattr(current, "sqlstate", None)
        if isinstance(state, str):
            return state
        current = current.__cause__
    return None


def table_missing(state: str | None, said: str) -> bool:
    """Whether a database error (its SQLSTATE, its message) says a table is not there:
    PostgreSQL's undefined_table, in any language, or SQLite's English words."""
    return state == UNDEFINED_TABLE or "no such table" in said
