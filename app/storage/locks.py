"""Named locks held until the transaction ends, for writes that must not interleave.

PostgreSQL runs writers concurrently under READ COMMITTED, so two transactions that each read
a call's facts and then write its row could each miss the other's facts (an answer and a
hang-up arriving together left a call both answered and abandoned). A transaction-scoped
advisory lock serialises them and needs no row, so it also holds for a call whose row a
racing webhook has not made yet. SQLite needs none: a write transaction holds the whole file.
"""

from __future__ import annotations

from sqlalchemy import Connection, text

_HOLD = text("SELECT pg_advisory_xact_lock(hashtext(:key))")


def hold(conn: Connection, key: str) -> None:
    """Until `conn`'s transaction ends, no other transaction holding `key` runs past here."""
    if conn.dialect.name == "postgresql":
        conn.execute(_HOLD, {"key": key})


def hold_call(conn: Connection, call_id: str) -> None:
    """The call's lock: every write of a call's facts takes it first (app.storage.apply), so
    its facts are read and its row rebuilt one writer at a time, in one lock order."""
    hold(conn, f"holdwell-call:{call_id}")
