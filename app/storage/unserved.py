"""Callers who were not served in a period (hold_policies.records.UNSERVED: abandoned, a
callback that failed, thrown out by a Twilio error, or overflowed), among the call records
(`read.is_record`): exactly the callers the wallboard's and the report's unserved rate count.

One query over every configured queue, in the order callers entered (entered_at, then call id):
when a period holds more than LIMIT, the oldest LIMIT are kept whatever their queue, and
`truncated` says that later ones were left out.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import Engine, func, select

from app.storage.db import as_utc
from app.storage.read import entered_between, is_record, queues_in_log
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


def unserved(engine: Engine, start: datetime, end: datetime) -> tuple[list[UnservedRow], bool]:
    """The period's unserved callers (entered the queue in it, as `holdwell report --from
    --to` reads a period), oldest first across every queue of the log (a queue since removed
    from the config too: the report counts its callers, and the list had dropped them), and
    whether LIMIT cut the list short (then the newest of the period are the ones left out)."""
    number = func.coalesce(callbacks.c.number, calls.c.from_number)
    query = select(calls.c.call_id, calls.c.queue, calls.c.outcome, number.label("number"),
                   calls.c.entered_at, calls.c.wait_s, calls.c.announcements).select_from(
        calls.outerjoin(callbacks, callbacks.c.call_id == calls.c.call_id)).where(
        *entered_between(start, end),
        calls.c.outcome.in_(LOST), *is_record(),
    ).order_by(calls.c.entered_at, calls.c.call_id).limit(LIMIT + 1)
    with engine.connect() as conn:
        rows = conn.execute(query.where(calls.c.queue.in_(queues_in_log(conn)))).all()
        truncated = len(rows) > LIMIT
        rows = rows[:LIMIT]
        heard = last_told(conn, [row.call_id for row in rows])
    return [UnservedRow(row.call_id, row.queue, row.outcome, row.number,
                        as_utc(row.entered_at), row.wait_s, heard.get(row.call_id),
                        row.announcements) for row in rows], truncated
