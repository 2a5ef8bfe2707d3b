"""Writing a callback request: committed before the caller hears the confirmation and leaves."""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import Engine, update

from app.storage.call_log import CallRow
from app.storage.events import insert_once, log_event
from app.storage.outcomes import settle
from app.storage.schema import callbacks, calls
from hold_policies.records import Event, Outcome


def record_callback_request(
    engine: Engine, call: CallRow, *, number: str, digit: str, promised_wait_s: float | None,
    queue_time_s: float, now: datetime,
) -> None:
    """Keep the caller's original place: the callback is ordered by when they entered."""
    entered_at = call.entered_at or (now - timedelta(seconds=queue_time_s))
    promised_by = now + timedelta(seconds=promised_wait_s) if promised_wait_s else None
    common = {"time": now, "call_id": call.call_id, "queue": call.queue,
              "policy": call.policy, "arm": call.arm, "wait_s": queue_time_s}
    with engine.begin() as conn:
        conn.execute(insert_once(conn, callbacks, "call_id"), {
            "call_id": call.call_id, "queue": call.queue, "number": number,
            "entered_at": entered_at, "requested_at": now, "promised_by": promised_by,
            "status": "pending"})
        log_event(conn, dedupe_key=f"{call.call_id}:CALLBACK_REQUESTED",
                  event=Event.CALLBACK_REQUESTED, data={"number": number,
                  "promised_wait_s": promised_wait_s}, **common)
        log_event(conn, dedupe_key=f"{call.call_id}:EXITWITHKEY", event=Event.EXITWITHKEY,
                  data={"key": digit}, **common)
        promised_total = queue_time_s + promised_wait_s if promised_wait_s else None
        conn.execute(update(calls).where(calls.c.call_id == call.call_id).values(
            callback_requested=True, callback_promised_wait_s=promised_total))
        settle(conn, call.call_id, Outcome.LEFT, queue_time_s, ended_at=now)
