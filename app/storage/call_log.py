"""The live call log: one method per moment that matters, each idempotent and order-safe.

Outcomes follow one rule: a call's first final outcome stands. The only later change is a
callback taker's `left` becoming `callback_connected` or `callback_failed`.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import Connection, Engine, func, update

from app.storage.db import as_utc
from app.storage.events import insert_once, log_event
from app.storage.outcomes import (
    end_wait,
    log_abandon,
    outcome_after,
    settle,
    settle_and_read,
    settle_open,
)
from app.storage.prepared import (
    CALL,
    COUNT_ANNOUNCEMENT,
    COUNT_FIRST_ESTIMATE,
    COUNT_POLL,
    COUNT_POLL_RETURNING,
    QUEUE_VIEW,
)
from app.storage.rows import CallRow, call_row
from app.storage.schema import calls
from hold_policies.estimate import QueueFlow
from hold_policies.records import Event, Outcome
from hold_policies.steps import Segment


@dataclass(frozen=True)
class Poll:
    """One waitUrl request, as the log saw it."""

    call: CallRow
    flow: QueueFlow
    callbacks_ahead: int


class CallLogStore:
    """Reads and writes the call log for the voice routes."""

    def __init__(self, engine: Engine, *, estimate_window_s: float = 900) -> None:
        self.engine = engine
        self.estimate_window_s = estimate_window_s

    # -- reading -------------------------------------------------------------------------
    def call(self, call_id: str) -> CallRow | None:
        with self.engine.connect() as conn:
            row = conn.execute(CALL, {"call": call_id}).mappings().first()
        return call_row(row) if row else None

    # -- writing -------------------------------------------------------------------------
    def begin_call(
        self, *, call_id: str, queue: str, policy: str, arm: str, from_number: str | None,
        now: datetime,
    ) -> None:
        """A call reached /voice/incoming; a retry of that request changes nothing."""
        values = {"call_id": call_id, "queue": queue, "policy": policy, "arm": arm,
                  "from_number": from_number, "arrived_at": now}
        with self.engine.begin() as conn:
            conn.execute(insert_once(conn, calls, "call_id"), values)

    def note_poll(
        self, *, call_id: str, queue: str, policy: str, arm: str, queue_time_s: float,
        position: int, now: datetime,
    ) -> Poll:
        """Count a waitUrl poll; the first one fixes when and where the caller entered."""
        entered_at = now - timedelta(seconds=queue_time_s)
        counted = {"call": call_id, "entered": entered_at, "position": position, "now": now}
        with self.engine.begin() as conn:
            call = count_poll(conn, counted)
            if call is None:  # /voice/incoming was never logged: the first poll starts the row
                conn.execute(insert_once(conn, calls, "call_id"), {
                    "call_id": call_id, "queue": queue, "policy": policy, "arm": arm,
                    "arrived_at": entered_at})
                call = count_poll(conn, counted)
            poll = self._poll_view(conn, call, now)  # before ENTERQUEUE: it may start the log
            if call.polls == 1:  # ENTERQUEUE is logged once; later polls need not try again
                log_enterqueue(conn, call, call.entered_at or entered_at, position)
        return poll

    def snapshot(self, call_id: str, now: datetime) -> Poll | None:
        """The same view as a poll, without counting one (for key presses)."""
        with self.engine.connect() as conn:
            row = conn.execute(CALL, {"call": call_id}).mappings().first()
            return self._poll_view(conn, call_row(row), now) if row else None

    def _poll_view(self, conn: Connection, call: CallRow, now: datetime) -> Poll:
        """Departures from the head of the queue in the recent window (shorter if the log is
        new), and the pending callbacks that entered before this caller."""
        since = now - timedelta(seconds=self.estimate_window_s)
        view = conn.execute(QUEUE_VIEW, {
            "queue": call.queue, "since": since, "now": now,
            "entered": call.entered_at or call.arrived_at}).one()
        first = as_utc(view.first_event_at)
        window = (now - max(since, first)).total_seconds() if first else 0.0
        return Poll(call=call, flow=QueueFlow(departures=view.departures, window_s=window),
                    callbacks_ahead=view.callbacks_ahead)

    def record_announcement(
        self, call: CallRow, segment: Segment, *, queue_time_s: float, now: datetime,
        text: str,
    ) -> None:
        """An announcement was served; a retried poll (same QueueTime) logs nothing twice."""
        with self.engine.begin() as conn:
            fresh = log_event(
                conn, dedupe_key=f"{call.call_id}:ANNOUNCE:{queue_time_s:.0f}", time=now,
                call_id=call.call_id, queue=call.queue, event=Event.ANNOUNCE, policy=call.policy,
                arm=call.arm, position=segment.announced_position, wait_s=queue_time_s,
                data={"kind": segment.kind.value, "announced_wait_s": segment.announced_wait_s,
                      "keys": list(segment.offered_keys), "text": text},
            )
            if not fresh:
                return
            counted = {"call": call.call_id, "now": now}
            if segment.announced_wait_s is None:
                conn.execute(COUNT_ANNOUNCEMENT, counted)
            else:
                conn.execute(COUNT_FIRST_ESTIMATE, {
                    **counted, "announced_wait_s": segment.announced_wait_s,
                    "queue_time_s": queue_time_s})

    def record_keypress(
        self, call: CallRow, *, digit: str, choice: str, queue_time_s: float, now: datetime
    ) -> None:
        with self.engine.begin() as conn:
            log_event(conn, dedupe_key=f"{call.call_id}:KEYPRESS:{queue_time_s:.0f}:{digit}",
                      time=now, call_id=call.call_id, queue=call.queue, event=Event.KEYPRESS,
                      policy=call.policy, arm=call.arm, wait_s=queue_time_s,
                      data={"digit": digit, "choice": choice})

    def record_connect(
        self, *, call_id: str, queue: str, queue_time_s: float, agent_call_id: str | None,
        now: datetime,
    ) -> None:
        """An agent took the caller (the Queue noun's url request): the answer time."""
        with self.engine.begin() as conn:
            row = settle_and_read(conn, call_id, Outcome.ANSWERED, queue_time_s, answered_at=now)
            if row is not None:  # the usual case: one statement answers and reads the call
                call = call_row(row)
            else:  # already final (that outcome stands), or the first we hear of the call
                call = self._ensure_call(conn, call_id, queue, now, queue_time_s)
                settle_open(conn, call, Outcome.ANSWERED, queue_time_s, answered_at=now)
            log_entered(conn, call, queue_time_s, now, position=1)
            log_event(conn, dedupe_key=f"{call_id}:CONNECT", time=now, call_id=call_id,
                      queue=call.queue, event=Event.CONNECT, policy=call.policy, arm=call.arm,
                      wait_s=queue_time_s, data={"agent_call_id": agent_call_id})

    def record_queue_result(
        self, *, call_id: str, queue: str, result: str, queue_time_s: float | None, now: datetime
    ) -> str | None:
        """The Enqueue action: the truth about how the wait ended. Returns the call's outcome."""
        with self.engine.begin() as conn:
            call = self._ensure_call(conn, call_id, queue, now, queue_time_s)
            if queue_time_s is not None:  # Twilio sends QueueTime only if the call was enqueued
                log_entered(conn, call, queue_time_s, now, position=None)
            wait = queue_time_s if queue_time_s is not None else self._waited(call, now)
            settled = end_wait(conn, call, result, wait, queue_time_s, now)
            return outcome_after(conn, call, settled)

    def record_status(self, *, call_id: str, status: str, now: datetime) -> None:
        """The number's status callback: a backstop for calls whose Enqueue action never came."""
        if status not in ("completed", "busy", "failed", "no-answer", "canceled"):
            return
        with self.engine.begin() as conn:
            row = conn.execute(CALL, {"call": call_id}).mappings().first()
            if row is None or row["outcome"] is not None:
                return
            call = call_row(row)
            wait = self._waited(call, now)
            if settle(conn, call_id, Outcome.ABANDONED, wait, ended_at=now):
                log_abandon(conn, call, wait, now, source=f"status:{status}")

    # -- helpers -------------------------------------------------------------------------
    def _ensure_call(self, conn, call_id, queue, now, queue_time_s) -> CallRow:  # noqa: ANN001
        """Late or reordered webhooks may be the first we hear of a call: create it then."""
        row = conn.execute(CALL, {"call": call_id}).mappings().first()
        if row is None:  # rare, so the usual call costs one read instead of a write and a read
            # entered_at stays empty: log_entered fills it with its ENTERQUEUE
            arrived = now - timedelta(seconds=queue_time_s or 0.0)
            conn.execute(insert_once(conn, calls, "call_id"), {
                "call_id": call_id, "queue": queue, "policy": "", "arm": "",
                "arrived_at": arrived, "entered_at": None})
            row = conn.execute(CALL, {"call": call_id}).mappings().one()
        return call_row(row)

    @staticmethod
    def _waited(call: CallRow, now: datetime) -> float:
        start = call.entered_at or call.arrived_at
        return max((now - start).total_seconds(), 0.0)


def log_entered(
    conn: Connection, call: CallRow, queue_time_s: float | None, now: datetime,
    position: int | None,
) -> None:
    """A caller answered or gone before their first poll still entered the queue: log it once.

    (An agent waiting in <Dial><Queue> takes a new caller at once, with no waitUrl request.)
    """
    if call.polls or call.entered_at is not None:
        return  # the first poll (or an earlier answer or hang-up) logged it
    entered = now - timedelta(seconds=queue_time_s or 0.0)
    conn.execute(update(calls).where(calls.c.call_id == call.call_id).values(
        entered_at=func.coalesce(calls.c.entered_at, entered),
        orig_position=func.coalesce(calls.c.orig_position, position)))
    log_enterqueue(conn, call, entered, position)


def log_enterqueue(conn: Connection, call: CallRow, entered: datetime,
                   position: int | None) -> None:
    """ENTERQUEUE, once per call, whichever request first tells us the caller was queued."""
    log_event(conn, dedupe_key=f"{call.call_id}:ENTERQUEUE", time=entered, call_id=call.call_id,
              queue=call.queue, event=Event.ENTERQUEUE, policy=call.policy, arm=call.arm,
              position=position, wait_s=0.0)


def count_poll(conn: Connection, counted: dict[str, Any]) -> CallRow | None:
    """Count one poll and read the call back (one statement where RETURNING is supported)."""
    if conn.dialect.update_returning:
        row = conn.execute(COUNT_POLL_RETURNING, counted).mappings().first()
    elif conn.execute(COUNT_POLL, counted).rowcount == 1:
        row = conn.execute(CALL, {"call": counted["call"]}).mappings().one()
    else:
        row = None
    return call_row(row) if row else None
