"""Writes of a caller who rang back while their callback was pending: keep it, or wait instead.

Either way they never have both: keeping it ends the new call before it is queued (fact
CALLBACK_KEPT, outcome `kept_callback`, no queue record); waiting cancels the pending callback
first (audited, actor "caller"), and only then is the new call queued.
"""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import Connection, or_, select, update

from app.storage import audit
from app.storage import commands as c
from app.storage.call_writes import begin_call
from app.storage.callback_admin import CANCELLED, cancel_pending, log_cancellation
from app.storage.callback_requests import LEAVING_S
from app.storage.facts import append_fact, ensure_call, project
from app.storage.prepared import OUTSTANDING, param
from app.storage.schema import callbacks
from hold_policies.call_outcome import RETURNING
from hold_policies.records import Event

HELD_WHILE_ASKED = update(callbacks).where(
    callbacks.c.call_id == param("call", callbacks.c.call_id), callbacks.c.status == "pending",
    or_(callbacks.c.next_attempt_at.is_(None),
        callbacks.c.next_attempt_at < param("until", callbacks.c.next_attempt_at)),
).values(next_attempt_at=param("until", callbacks.c.next_attempt_at))
"""A pending callback is not rung while its caller is on the line being asked about it: the
phone it would ring is the one they are calling from (busy: an attempt spent, the last one
had failed the promise while they were told it stood)."""


def rang_back(conn: Connection, command: c.RangBack) -> None:
    """The new call's row, labelled, with the caller's number, and the question or the choice
    to wait as a fact (RETURNING): the projection ends a call hung up at the question as
    kept_callback, since the callback stands (hold_policies.call_outcome). Asked, their
    callback is held back for LEAVING_S (the question and a second asking, with room)."""
    _new_call_fact(conn, command, RETURNING, f"{command.call_id}:{RETURNING}:{command.choice}",
                   {"booked": command.booked, "choice": command.choice}, command.from_number)
    if command.choice == "asked":
        conn.execute(HELD_WHILE_ASKED, {"call": command.booked,
                                        "until": command.now + timedelta(seconds=LEAVING_S)})


def kept_callback(conn: Connection, command: c.KeptCallback) -> None:
    _new_call_fact(conn, command, Event.CALLBACK_KEPT, f"{command.call_id}:CALLBACK_KEPT",
                   {"booked": command.booked})


def _new_call_fact(conn: Connection, command: c.Labelled, event: str, key: str,
                   data: dict[str, str], from_number: str | None = None) -> None:
    """The returning caller's new call, begun (labelled; with its number when known), one
    fact of it, and its row rebuilt from its facts."""
    begin_call(conn, c.BeginCall(call_id=command.call_id, now=command.now, queue=command.queue,
                                 policy=command.policy, arm=command.arm,
                                 from_number=from_number))
    call = ensure_call(conn, command.call_id, command.queue, command.now, None)
    append_fact(conn, call, command.now, event, key, None, data)
    project(conn, command.call_id)


STANDS, ENDED = "stands", "ended"
"""What `cancel_for_waiting` found instead of a pending callback: being dialled or kept (it
stands), or ended otherwise meanwhile (failed: nothing stands)."""
CONNECTED = "connected"
"""A callback's status once it reached its customer (app.storage.callback_writes)."""


def cancel_for_waiting(conn: Connection, command: c.CancelForWaiting) -> str:
    """CANCELLED if the pending callback is cancelled now (or was, by this same request or an
    operator); STANDS if an agent is dialling it; ENDED if it ended otherwise meanwhile (its
    last attempt rang this very call, busy), so the caller waits as they asked."""
    if not cancel_pending(conn, command.call_id, command.now):
        # a retried request, or cancelled by an operator: not both either way
        return _found(callback_status(conn, command.call_id))
    log_cancellation(conn, command.call_id, command.now, "caller", by_call=command.by_call)
    audit.record(conn, actor="caller", action="callback.cancel", target=command.call_id,
                 detail={"reason": "rang back and chose to wait on the line",
                         "by_call": command.by_call}, now=command.now)
    return CANCELLED


def cancel_stored(conn: Connection, command: c.CancelForWaiting) -> str | None:
    """What `cancel_for_waiting` did, read back after its COMMIT was cut off (None: nothing,
    the callback is still pending)."""
    status = callback_status(conn, command.call_id)
    return None if status == "pending" else _found(status)


def _found(status: str | None) -> str:
    """A connected callback stands too: its promise was kept (on another line, or to a
    machine), and its caller, never both, is not queued again."""
    return CANCELLED if status == CANCELLED else STANDS if status in (*OUTSTANDING, CONNECTED) \
        else ENDED


def callback_status(conn: Connection, call_id: str) -> str | None:
    """The status of the callback of `call_id` (None: it has none)."""
    return conn.execute(select(callbacks.c.status).where(callbacks.c.call_id == call_id)).scalar()


STORED = {c.CancelForWaiting: cancel_stored}
"""How to read back what a write never journaled did (app.storage.apply.stored)."""
WRITES = {c.RangBack: rang_back, c.KeptCallback: kept_callback,
          c.CancelForWaiting: cancel_for_waiting}
