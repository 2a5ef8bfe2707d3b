"""The live call log: one method per moment that matters, each idempotent and order-safe.

Outcomes follow one rule: a call's first final outcome stands. The only later change is a
callback taker's `left` becoming `callback_connected` or `callback_failed`.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import Engine, func, select, update

from app.storage.db import as_utc
from app.storage.events import insert_ignoring_duplicates, log_event
from app.storage.schema import call_events, callbacks, calls
from hold_policies.estimate import QueueFlow
from hold_policies.records import Event, Outcome
from hold_policies.steps import Segment

DEPARTURES = (Event.CONNECT, Event.ABANDON, Event.CALLBACK_CONNECT)
"""Events that move the head of the line: answers, hang-ups and callbacks served."""


@dataclass(frozen=True)
class CallRow:
    """What the log knows about one call while it waits."""

    call_id: str
    queue: str
    policy: str
    arm: str
    from_number: str | None
    arrived_at: datetime
    entered_at: datetime | None
    polls: int
    announcements: int
    last_announced_at: datetime | None
    outcome: str | None
    callback_requested: bool


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
            row = conn.execute(select(calls).where(calls.c.call_id == call_id)).mappings().first()
        return call_row(row) if row else None

    def queue_flow(self, conn, queue: str, now: datetime) -> QueueFlow:  # noqa: ANN001
        """Departures from the head of `queue` in the recent window (shorter if the log is new)."""
        since = now - timedelta(seconds=self.estimate_window_s)
        in_queue = call_events.c.queue == queue
        first = as_utc(conn.execute(select(func.min(call_events.c.time)).where(in_queue)).scalar())
        departures = conn.execute(
            select(func.count()).where(
                in_queue, call_events.c.time > since, call_events.c.time <= now,
                call_events.c.event.in_([e.value for e in DEPARTURES]),
            )
        ).scalar_one()
        window = (now - max(since, first)).total_seconds() if first else 0.0
        return QueueFlow(departures=departures, window_s=window)

    # -- writing -------------------------------------------------------------------------
    def begin_call(
        self, *, call_id: str, queue: str, policy: str, arm: str, from_number: str | None,
        now: datetime,
    ) -> None:
        """A call reached /voice/incoming; a retry of that request changes nothing."""
        values = {"call_id": call_id, "queue": queue, "policy": policy, "arm": arm,
                  "from_number": from_number, "arrived_at": now}
        with self.engine.begin() as conn:
            conn.execute(insert_ignoring_duplicates(conn, calls, values, "call_id"))

    def note_poll(
        self, *, call_id: str, queue: str, policy: str, arm: str, queue_time_s: float,
        position: int, now: datetime,
    ) -> Poll:
        """Count a waitUrl poll; the first one fixes when and where the caller entered."""
        entered_at = now - timedelta(seconds=queue_time_s)
        with self.engine.begin() as conn:
            conn.execute(insert_ignoring_duplicates(conn, calls, {
                "call_id": call_id, "queue": queue, "policy": policy, "arm": arm,
                "arrived_at": entered_at}, "call_id"))
            first_poll = (calls.c.call_id == call_id) & calls.c.entered_at.is_(None)
            conn.execute(update(calls).where(first_poll)
                         .values(entered_at=entered_at, orig_position=position))
            conn.execute(update(calls).where(calls.c.call_id == call_id)
                         .values(polls=calls.c.polls + 1, last_polled_at=now))
            poll = self._poll_view(conn, call_id, now)
            call = poll.call
            log_event(conn, dedupe_key=f"{call_id}:ENTERQUEUE", time=call.entered_at or entered_at,
                      call_id=call_id, queue=call.queue, event=Event.ENTERQUEUE,
                      policy=call.policy, arm=call.arm, position=position, wait_s=0.0)
        return poll

    def snapshot(self, call_id: str, now: datetime) -> Poll | None:
        """The same view as a poll, without counting one (for key presses)."""
        with self.engine.connect() as conn:
            exists = conn.execute(select(calls.c.call_id).where(calls.c.call_id == call_id))
            return self._poll_view(conn, call_id, now) if exists.first() else None

    def _poll_view(self, conn, call_id: str, now: datetime) -> Poll:  # noqa: ANN001
        call = call_row(conn.execute(select(calls).where(calls.c.call_id == call_id))
                        .mappings().one())
        ahead = conn.execute(select(func.count()).where(
            callbacks.c.queue == call.queue, callbacks.c.status.in_(("pending", "claimed")),
            callbacks.c.entered_at < (call.entered_at or call.arrived_at))).scalar_one()
        return Poll(call=call, flow=self.queue_flow(conn, call.queue, now), callbacks_ahead=ahead)

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
            conn.execute(update(calls).where(calls.c.call_id == call.call_id).values(
                announcements=calls.c.announcements + 1, last_announced_at=now))
            if segment.announced_wait_s is not None:
                conn.execute(update(calls).where(
                    calls.c.call_id == call.call_id, calls.c.first_announced_wait_s.is_(None)
                ).values(first_announced_wait_s=segment.announced_wait_s,
                         first_announced_at_s=queue_time_s))

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
            call = self._ensure_call(conn, call_id, queue, now, queue_time_s)
            log_event(conn, dedupe_key=f"{call_id}:CONNECT", time=now, call_id=call_id,
                      queue=call.queue, event=Event.CONNECT, policy=call.policy, arm=call.arm,
                      wait_s=queue_time_s, data={"agent_call_id": agent_call_id})
            settle(conn, call_id, Outcome.ANSWERED, queue_time_s, answered_at=now)

    def record_queue_result(
        self, *, call_id: str, queue: str, result: str, queue_time_s: float | None, now: datetime
    ) -> str | None:
        """The Enqueue action: the truth about how the wait ended. Returns the call's outcome."""
        with self.engine.begin() as conn:
            call = self._ensure_call(conn, call_id, queue, now, queue_time_s)
            wait = queue_time_s if queue_time_s is not None else self._waited(call, now)
            common: dict[str, Any] = {"call_id": call_id, "queue": call.queue,
                                      "policy": call.policy, "arm": call.arm, "time": now}
            if result == "hangup":
                if settle(conn, call_id, Outcome.ABANDONED, wait, ended_at=now):
                    log_event(conn, dedupe_key=f"{call_id}:ABANDON", event=Event.ABANDON,
                              wait_s=wait, data={"source": "queue-result"}, **common)
                elif call.outcome == Outcome.ABANDONED and queue_time_s is not None:
                    refine_abandon_wait(conn, call_id, queue_time_s)
            elif result == "bridged":
                settle(conn, call_id, Outcome.ANSWERED, wait, answered_at=now)
                log_event(conn, dedupe_key=f"{call_id}:COMPLETE", event=Event.COMPLETE,
                          wait_s=wait, **common)
            elif result in ("leave", "redirected", "redirected-from-bridged"):
                if not call.callback_requested:
                    settle(conn, call_id, Outcome.LEFT, wait, ended_at=now)
            elif result in ("error", "system-error", "queue-full"):
                log_event(conn, dedupe_key=f"{call_id}:ERROR:{result}", event=Event.ERROR,
                          wait_s=wait, data={"queue_result": result}, **common)
                settle(conn, call_id, Outcome.ERROR, wait, ended_at=now)
            return conn.execute(select(calls.c.outcome).where(calls.c.call_id == call_id)).scalar()

    def record_status(self, *, call_id: str, status: str, now: datetime) -> None:
        """The number's status callback: a backstop for calls whose Enqueue action never came."""
        if status not in ("completed", "busy", "failed", "no-answer", "canceled"):
            return
        with self.engine.begin() as conn:
            row = conn.execute(select(calls).where(calls.c.call_id == call_id)).mappings().first()
            if row is None or row["outcome"] is not None:
                return
            call = call_row(row)
            wait = self._waited(call, now)
            if settle(conn, call_id, Outcome.ABANDONED, wait, ended_at=now):
                log_event(conn, dedupe_key=f"{call_id}:ABANDON", time=now, call_id=call_id,
                          queue=call.queue, event=Event.ABANDON, policy=call.policy,
                          arm=call.arm, wait_s=wait, data={"source": f"status:{status}"})

    # -- helpers -------------------------------------------------------------------------
    def _ensure_call(self, conn, call_id, queue, now, queue_time_s) -> CallRow:  # noqa: ANN001
        """Late or reordered webhooks may be the first we hear of a call: create it then."""
        entered = now - timedelta(seconds=queue_time_s or 0.0)
        conn.execute(insert_ignoring_duplicates(conn, calls, {
            "call_id": call_id, "queue": queue, "policy": "", "arm": "", "arrived_at": entered,
            "entered_at": entered}, "call_id"))
        row = conn.execute(select(calls).where(calls.c.call_id == call_id)).mappings().one()
        return call_row(row)

    @staticmethod
    def _waited(call: CallRow, now: datetime) -> float:
        start = call.entered_at or call.arrived_at
        return max((now - start).total_seconds(), 0.0)



def settle(conn, call_id: str, outcome: Outcome, wait_s: float, **extra: Any) -> bool:  # noqa: ANN001
    """Set the outcome only if none is set yet: a late event never overwrites a final one."""
    result = conn.execute(update(calls).where(
        calls.c.call_id == call_id, calls.c.outcome.is_(None)
    ).values(outcome=outcome.value, wait_s=wait_s, **extra))
    return result.rowcount == 1


def refine_abandon_wait(conn, call_id: str, wait_s: float) -> None:  # noqa: ANN001
    """QueueTime from the Enqueue action beats the status callback's clock-based guess."""
    conn.execute(update(calls).where(calls.c.call_id == call_id).values(wait_s=wait_s))
    conn.execute(update(call_events).where(call_events.c.dedupe_key == f"{call_id}:ABANDON")
                 .values(wait_s=wait_s))


def call_row(row) -> CallRow:  # noqa: ANN001
    return CallRow(
        call_id=row["call_id"], queue=row["queue"], policy=row["policy"], arm=row["arm"],
        from_number=row["from_number"], arrived_at=as_utc(row["arrived_at"]),
        entered_at=as_utc(row["entered_at"]), polls=row["polls"],
        announcements=row["announcements"], last_announced_at=as_utc(row["last_announced_at"]),
        outcome=row["outcome"], callback_requested=bool(row["callback_requested"]),
    )
