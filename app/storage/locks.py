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
_TRY_HOLD = text("SELECT key FROM unnest(CAST(:keys AS text[])) AS key "
                 "WHERE NOT pg_try_advisory_xact_lock(hashtext(key))")
CALL_LOCK = "holdwell-call:"


def hold(conn: Connection, key: str) -> None:
    """Until `conn`'s transaction ends, no other transaction holding `key` runs past here."""
    if conn.dialect.name == "postgresql":
        conn.execute(_HOLD, {"key": key})


def hold_call(conn: Connection, call_id: str) -> None:
    """The call's lock: every write of a call's facts takes it first (app.storage.apply), so
    its facts are read and its row rebuilt one writer at a time, in one lock order."""
    hold(conn, CALL_LOCK + call_id)


def hold_calls_free(conn: Connection, call_ids: list[str]) -> set[str]:
    """Take, without waiting, the locks of those calls no other transaction holds; the
    calls being written right now, whose locks could not be had. Waiting instead, in a
    batch's order, could deadlock with a write holding two calls' locks (a rejoined leg's)."""
    if conn.dialect.name != "postgresql" or not call_ids:
        return set()
    busy = conn.execute(_TRY_HOLD, {"keys": [CALL_LOCK + call for call in call_ids]})
    return {key.removeprefix(CALL_LOCK) for key in busy.scalars()}
