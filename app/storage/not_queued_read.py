"""The calls of the app's log that never joined a queue, counted per group for `report` and
`export` (analytics.not_queued): the records leave them out (`app.storage.read.is_record`),
so without this a report on the database said nothing of them, while one on a record file
said how many it left out.

Here, beside the records' reader, so the query of what a record is and of what it leaves out
live in one room; the CLI imports this on first use, as it does `read` (its commands load
without a database driver).
"""

from __future__ import annotations

from collections.abc import Sequence

import pandas as pd
from sqlalchemy import func, select

from analytics.not_queued import NotQueued
from app.storage.db import make_engine
from app.storage.read import NOT_QUEUE_CALLS
from app.storage.schema import callbacks, calls
from hold_policies.records import Outcome

BOOKING_FATES = {"connected": "closed_callbacks_connected", "failed": "closed_callbacks_failed"}
"""A closed call's callback status (the `callbacks` table) counted as its own field; any
other status (pending, claimed, on the line, cancelled) is booked, not connected."""


def not_queued_in_log(url: str, start: pd.Timestamp | None = None,
                      end: pd.Timestamp | None = None, queues: Sequence[str] = ()) -> NotQueued:
    """Calls with a NOT_QUEUED outcome that rang in [start, end) (`arrived_at`: they never
    entered a queue) in `queues` (all if none), per (queue, policy, arm), with the status of
    the callback each closed call booked for the opening; one grouped query."""
    status = callbacks.c.status
    keys = (calls.c.queue, calls.c.policy, calls.c.arm, calls.c.outcome, status)
    query = (select(*keys, func.count())
             .select_from(calls.outerjoin(callbacks, callbacks.c.call_id == calls.c.call_id))
             .where(calls.c.outcome.in_(NOT_QUEUE_CALLS))
             .group_by(*keys))
    if start is not None:
        query = query.where(calls.c.arrived_at >= start.tz_convert("UTC").to_pydatetime())
    if end is not None:
        query = query.where(calls.c.arrived_at < end.tz_convert("UTC").to_pydatetime())
    if queues:
        query = query.where(calls.c.queue.in_(list(queues)))
    engine = make_engine(url)
    try:
        with engine.connect() as conn:
            rows = conn.execute(query).all()
    finally:
        engine.dispose()
    counted = NotQueued()
    for queue, policy, arm, outcome, booking, n in rows:
        if outcome == Outcome.KEPT_CALLBACK.value:
            counted.add((queue, policy, arm or ""), {"kept_callback": n})
            continue
        counts = {"closed": n, "closed_callbacks_booked": n if booking is not None else 0}
        if booking in BOOKING_FATES:
            counts[BOOKING_FATES[booking]] = n
        counted.add((queue, policy, arm or ""), counts)
    return counted
