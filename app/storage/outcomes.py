"""Final outcomes: a call's first one stands, so every outcome write is conditional.

The only later change is a callback taker's `left` becoming `callback_connected` or
`callback_failed` (in app.storage.callback_queue); an outcome is never cleared.
"""

from __future__ import annotations

from datetime import datetime
from functools import cache
from typing import Any

from sqlalchemy import Connection, RowMapping, Update, update

from app.storage.events import log_event
from app.storage.prepared import CALL, OUTCOME, ROW_COLUMNS, THIS_CALL, param
from app.storage.rows import CallRow
from app.storage.schema import call_events, calls
from hold_policies.records import Event, Outcome


@cache
def settle_statement(stamps: tuple[str, ...], returning: bool = False) -> Update:
    """Set the outcome only while none is set, stamping the named time columns (per shape)."""
    statement = update(calls).where(THIS_CALL, calls.c.outcome.is_(None)).values(
        outcome=param("new_outcome", calls.c.outcome), wait_s=param("waited_s", calls.c.wait_s),
        **{name: param(f"new_{name}", calls.c[name]) for name in stamps})
    return statement.returning(*ROW_COLUMNS) if returning else statement


def _settle_params(call_id: str, outcome: Outcome, wait_s: float, extra: dict) -> dict:
    stamps = {f"new_{name}": value for name, value in extra.items()}
    return {"call": call_id, "new_outcome": outcome.value, "waited_s": wait_s, **stamps}


def settle(conn: Connection, call_id: str, outcome: Outcome, wait_s: float, **extra: Any) -> bool:
    """Set the outcome only if none is set yet: a late event never overwrites a final one."""
    result = conn.execute(settle_statement(tuple(sorted(extra))),
                          _settle_params(call_id, outcome, wait_s, extra))
    return result.rowcount == 1


def settle_open(conn: Connection, call, outcome: Outcome, wait_s: float, **extra: Any) -> bool:  # noqa: ANN001
    """`settle`, skipped when `call` was read with an outcome: that one stands anyway."""
    return call.outcome is None and settle(conn, call.call_id, outcome, wait_s, **extra)


def settle_and_read(
    conn: Connection, call_id: str, outcome: Outcome, wait_s: float, **extra: Any
) -> RowMapping | None:
    """`settle`, returning the call's row if this set the outcome (one statement where the
    database has UPDATE ... RETURNING); None if the call is unknown or already final."""
    params = _settle_params(call_id, outcome, wait_s, extra)
    stamps = tuple(sorted(extra))
    if conn.dialect.update_returning:
        return conn.execute(settle_statement(stamps, returning=True), params).mappings().first()
    if conn.execute(settle_statement(stamps), params).rowcount != 1:
        return None
    return conn.execute(CALL, {"call": call_id}).mappings().one()


def refine_abandon_wait(conn: Connection, call_id: str, wait_s: float) -> None:
    """QueueTime from the Enqueue action beats the status callback's clock-based guess."""
    conn.execute(update(calls).where(calls.c.call_id == call_id).values(wait_s=wait_s))
    conn.execute(update(call_events).where(call_events.c.dedupe_key == f"{call_id}:ABANDON")
                 .values(wait_s=wait_s))


def log_abandon(conn: Connection, call: CallRow, wait_s: float, now: datetime,
                source: str) -> None:
    """The one ABANDON of a call (its dedupe key lets `refine_abandon_wait` find it)."""
    log_event(conn, dedupe_key=f"{call.call_id}:ABANDON", time=now, call_id=call.call_id,
              queue=call.queue, event=Event.ABANDON, policy=call.policy, arm=call.arm,
              wait_s=wait_s, data={"source": source})


def end_wait(
    conn: Connection, call: CallRow, result: str, wait_s: float, queue_time_s: float | None,
    now: datetime,
) -> Outcome | None:
    """Apply the Enqueue action's QueueResult; returns the outcome this request set, if any."""
    common: dict[str, Any] = {"call_id": call.call_id, "queue": call.queue,
                              "policy": call.policy, "arm": call.arm, "time": now}
    if result == "hangup":
        if settle_open(conn, call, Outcome.ABANDONED, wait_s, ended_at=now):
            log_abandon(conn, call, wait_s, now, source="queue-result")
            return Outcome.ABANDONED
        if call.outcome == Outcome.ABANDONED and queue_time_s is not None:
            refine_abandon_wait(conn, call.call_id, queue_time_s)
    elif result == "bridged":
        settled = settle_open(conn, call, Outcome.ANSWERED, wait_s, answered_at=now)
        log_event(conn, dedupe_key=f"{call.call_id}:COMPLETE", event=Event.COMPLETE,
                  wait_s=wait_s, **common)
        return Outcome.ANSWERED if settled else None
    elif result in ("leave", "redirected", "redirected-from-bridged"):
        if not call.callback_requested and settle_open(conn, call, Outcome.LEFT, wait_s,
                                                       ended_at=now):
            return Outcome.LEFT
    elif result in ("error", "system-error", "queue-full"):
        log_event(conn, dedupe_key=f"{call.call_id}:ERROR:{result}", event=Event.ERROR,
                  wait_s=wait_s, data={"queue_result": result}, **common)
        if settle_open(conn, call, Outcome.ERROR, wait_s, ended_at=now):
            return Outcome.ERROR
    return None


def outcome_after(conn: Connection, call: CallRow, settled: Outcome | None) -> str | None:
    """The call's outcome now, read again only if it could differ from what we know.

    A final outcome never changes except `left` (a callback may resolve it meanwhile).
    """
    if settled is not None:
        return settled.value
    if call.outcome is not None and call.outcome != Outcome.LEFT:
        return call.outcome
    return conn.execute(OUTCOME, {"call": call.call_id}).scalar()
