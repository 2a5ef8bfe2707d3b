"""One callback per person: a number with a callback outstanding in a queue gets no second one.

FreePBX users were dialled twice when they asked twice; here the second request finds the
first. On PostgreSQL the check and the booking are serialised per (queue, number) with a
transaction-scoped advisory lock; SQLite serialises writers itself.
"""

from __future__ import annotations

from sqlalchemy import Connection, literal, select

from app.storage.callback_queue import OUTSTANDING
from app.storage.locks import hold
from app.storage.prepared import param
from app.storage.schema import callbacks


def hold_number(conn: Connection, queue: str, number: str) -> None:
    """Until this transaction ends, no other booking for this number in this queue runs."""
    hold(conn, f"holdwell-callback:{queue}:{number}")


OUTSTANDING_FOR = select(callbacks.c.call_id).where(
    callbacks.c.queue == param("queue", callbacks.c.queue),
    callbacks.c.number == param("number", callbacks.c.number),
    callbacks.c.status.in_([literal(status) for status in OUTSTANDING]),
    callbacks.c.call_id != param("other", callbacks.c.call_id),
).order_by(callbacks.c.entered_at).limit(1)
"""Built once: every incoming call asks it (a returning caller), so it only binds values."""


def outstanding_for(conn: Connection, queue: str, number: str, *,
                    other_than: str | None = None) -> str | None:
    """The call whose callback to `number` is still outstanding in `queue` (oldest), if any."""
    return conn.execute(OUTSTANDING_FOR, {"queue": queue, "number": number,
                                          "other": other_than or ""}).scalar()
