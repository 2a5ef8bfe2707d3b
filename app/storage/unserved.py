"""Callers who were not served in a period (hold_policies.records.UNSERVED: abandoned, a
callback that failed, thrown out by a Twilio error, or overflowed), among the call records
(`read.is_record`): exactly the callers the wallboard's and the report's unserved rate count.

Read queue by queue on the (queue, arrived_at) index, at most LIMIT rows in all.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import Engine, func, select

from app.storage.db import as_utc
from app.storage.read import is_record
from app.storage.schema import callbacks, calls
from app.storage.wallboard import last_told
from hold_policies.records import UNSERVED

LIMIT = 5000
LOST = tuple(outcome.value for outcome in UNSERVED)


@dataclass(frozen=True)
class UnservedRow:
    call_id: str
    queue: str
    outcome: str
    number: str | None
    entered_at: datetime
    wait_s: float | None
    heard: str | None
    announcements: int


def unserved(engine: Engine, queues: list[str], start: datetime,
             end: datetime) -> tuple[list[UnservedRow], bool]:
    """The period's unserved callers, oldest first, and whether LIMIT cut the list short."""
    number = func.coalesce(callbacks.c.number, calls.c.from_number)
    query = select(calls.c.call_id, calls.c.queue, calls.c.outcome, number.label("number"),
                   calls.c.entered_at,
                   calls.c.wait_s, calls.c.announcements).select_from(
        calls.outerjoin(callbacks, callbacks.c.call_id == calls.c.call_id))
    rows = []
    with engine.connect() as conn:
        for queue in queues:
            rows += conn.execute(query.where(
                calls.c.queue == queue, calls.c.arrived_at >= start, calls.c.arrived_at <= end,
                calls.c.outcome.in_(LOST), *is_record()).order_by(calls.c.arrived_at)
                .limit(LIMIT + 1 - len(rows))).all()
            if len(rows) > LIMIT:
                break
        truncated = len(rows) > LIMIT
        rows = sorted(rows[:LIMIT], key=lambda row: as_utc(row.entered_at))
        heard = last_told(conn, [row.call_id for row in rows])
    return [UnservedRow(row.call_id, row.queue, row.outcome, row.number,
                        as_utc(row.entered_at), row.wait_s, heard.get(row.call_id),
                        row.announcements) for row in rows], truncated
