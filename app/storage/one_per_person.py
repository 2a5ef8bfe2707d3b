"""One callback per person: a number with a callback outstanding in a queue gets no second one.

FreePBX users were dialled twice when they asked twice; here the second request finds the
first. On PostgreSQL the check and the booking are serialised per (queue, number) with a
transaction-scoped advisory lock; SQLite serialises writers itself.
"""

from __future__ import annotations

from sqlalchemy import Connection, select, text

from app.storage.callback_queue import OUTSTANDING
from app.storage.schema import callbacks


def hold_number(conn: Connection, queue: str, number: str) -> None:
    """Until this transaction ends, no other booking for this number in this queue runs."""
    if conn.dialect.name == "postgresql":
        conn.execute(text("SELECT pg_advisory_xact_lock(hashtext(:key))"),
                     {"key": f"holdwell-callback:{queue}:{number}"})


def outstanding_for(conn: Connection, queue: str, number: str, *,
                    other_than: str | None = None) -> str | None:
    """The call whose callback to `number` is still outstanding in `queue` (oldest), if any."""
    query = select(callbacks.c.call_id).where(
        callbacks.c.queue == queue, callbacks.c.number == number,
        callbacks.c.status.in_(OUTSTANDING))
    if other_than is not None:
        query = query.where(callbacks.c.call_id != other_than)
    return conn.execute(query.order_by(callbacks.c.entered_at).limit(1)).scalar()
