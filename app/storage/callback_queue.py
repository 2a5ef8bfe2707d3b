"""Pending callbacks as a virtual queue ordered by when each caller first entered.

Exactly once: a claim is atomic (`FOR UPDATE SKIP LOCKED` on PostgreSQL, a conditional
UPDATE on SQLite), a claim whose agent call died is released, and everything lives in the
database so a restart loses nothing.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import Connection, Engine, or_, select, update

from app.storage.db import as_utc
from app.storage.events import log_event
from app.storage.prepared import param
from app.storage.schema import callbacks, calls
from hold_policies.records import Event, Outcome

OUTSTANDING = ("pending", "claimed", "on_line")
"""Statuses of a promise not yet kept or failed (on_line: called back by REST, in the
priority queue waiting for the next agent)."""
RECENT_POLL_S = 150
"""A waiting caller counts as still in line if Twilio polled for them this recently."""


@dataclass(frozen=True)
class Callback:
    call_id: str
    queue: str
    number: str
    entered_at: datetime
    promised_by: datetime | None
    attempts: int
    policy: str = ""
    arm: str = ""


# Built once at import, like app.storage.prepared: agents ask on every loop of their Dial.
_NOW = param("now", callbacks.c.next_attempt_at)
OLDEST_ELIGIBLE = select(callbacks).where(
    callbacks.c.queue == param("queue", callbacks.c.queue), callbacks.c.status == "pending",
    or_(callbacks.c.next_attempt_at.is_(None), callbacks.c.next_attempt_at <= _NOW),
).order_by(callbacks.c.entered_at).limit(1)
OLDEST_ELIGIBLE_UNLOCKED = OLDEST_ELIGIBLE.with_for_update(skip_locked=True)
OLDEST_WAITING = select(calls.c.entered_at).where(
    # `outcome IS NULL` matches the partial index ix_calls_waiting: settled calls are skipped.
    calls.c.queue == param("queue", calls.c.queue), calls.c.outcome.is_(None),
    calls.c.entered_at.is_not(None),
    calls.c.last_polled_at >= param("recent", calls.c.last_polled_at),
).order_by(calls.c.entered_at).limit(1)
CLAIM = update(callbacks).where(
    callbacks.c.call_id == param("callback", callbacks.c.call_id), callbacks.c.status == "pending",
).values(status="claimed", claimed_by=param("agent", callbacks.c.claimed_by),
         claimed_at=param("now", callbacks.c.claimed_at))
CALLBACK = select(callbacks).where(callbacks.c.call_id == param("callback", callbacks.c.call_id))
CALL_LABELS = select(calls.c.policy, calls.c.arm).where(
    calls.c.call_id == param("call", calls.c.call_id))
PENDING = select(
    callbacks, calls.c.policy.label("call_policy"), calls.c.arm.label("call_arm")
).select_from(callbacks.outerjoin(calls, calls.c.call_id == callbacks.c.call_id)).where(
    callbacks.c.status.in_(OUTSTANDING)).order_by(callbacks.c.entered_at)


def oldest_waiting_entered_at(conn: Connection, queue: str, now: datetime) -> datetime | None:
    """When the longest-waiting caller still on the line entered (stale calls are ignored)."""
    recent = now - timedelta(seconds=RECENT_POLL_S)
    return as_utc(conn.execute(OLDEST_WAITING, {"queue": queue, "recent": recent}).scalar())


def claim_next(engine: Engine, queue: str, agent_call_id: str, now: datetime,
               *, only_if_older_than_queue: bool = True) -> Callback | None:
    """Claim the oldest eligible callback for this agent, if it entered before the queue's head.

    The callback is looked up first: usually there is none, and then the queue's head is
    never needed. If the oldest eligible callback is not older than the head, no other is.
    """
    with engine.begin() as conn:
        oldest = OLDEST_ELIGIBLE_UNLOCKED if conn.dialect.name == "postgresql" else OLDEST_ELIGIBLE
        row = conn.execute(oldest, {"queue": queue, "now": now}).mappings().first()
        if row is None or (only_if_older_than_queue and not _before_head(conn, row, now)):
            return None
        claimed = conn.execute(CLAIM, {"callback": row["call_id"], "agent": agent_call_id,
                                       "now": now})
        if claimed.rowcount != 1:  # SQLite: another agent won the race; they take this one
            return None
        return _with_call(conn, row)


def _before_head(conn: Connection, row, now: datetime) -> bool:  # noqa: ANN001
    """True if the callback entered before everyone still waiting in the Twilio queue."""
    head = oldest_waiting_entered_at(conn, row["queue"], now)
    return head is None or as_utc(row["entered_at"]) < head


def _with_call(conn: Connection, row) -> Callback:  # noqa: ANN001
    call = conn.execute(CALL_LABELS, {"call": row["call_id"]}).first()
    return _callback(row, call.policy if call else "", call.arm if call else "")


def _callback(row, policy: str, arm: str) -> Callback:  # noqa: ANN001
    return Callback(call_id=row["call_id"], queue=row["queue"], number=row["number"],
                    entered_at=as_utc(row["entered_at"]), promised_by=as_utc(row["promised_by"]),
                    attempts=row["attempts"], policy=policy, arm=arm)


def _row(conn: Connection, call_id: str):  # noqa: ANN202 - a row mapping or None
    return conn.execute(CALLBACK, {"callback": call_id}).mappings().first()


def _unresolved(conn: Connection, call_id: str, now: datetime) -> tuple[Callback, dict] | None:
    """The callback and the common event columns, unless it is unknown or already resolved."""
    row = _row(conn, call_id)
    if row is None or row["status"] in ("connected", "failed"):
        return None
    cb = _with_call(conn, row)
    common = {"time": now, "call_id": call_id, "queue": cb.queue, "policy": cb.policy,
              "arm": cb.arm, "wait_s": (now - cb.entered_at).total_seconds()}
    return cb, common


def get(engine: Engine, call_id: str) -> Callback | None:
    with engine.connect() as conn:
        row = _row(conn, call_id)
        return _with_call(conn, row) if row else None


def record_connected(engine: Engine, call_id: str, now: datetime) -> bool:
    """The customer picked up and is being bridged to the agent: the promise is kept."""
    with engine.begin() as conn:
        found = _unresolved(conn, call_id, now)
        if found is None:
            return False
        cb, common = found
        waited = common["wait_s"]
        conn.execute(update(callbacks).where(callbacks.c.call_id == call_id).values(
            status="connected", last_result="answered", resolved_at=now,
            attempts=callbacks.c.attempts + 1))
        log_event(conn, dedupe_key=f"{call_id}:CALLBACK_ATTEMPT:{cb.attempts + 1}",
                  event=Event.CALLBACK_ATTEMPT, data={"result": "answered",
                  "attempt": cb.attempts + 1}, **common)
        log_event(conn, dedupe_key=f"{call_id}:CALLBACK_CONNECT", event=Event.CALLBACK_CONNECT,
                  **common)
        conn.execute(update(calls).where(
            calls.c.call_id == call_id, calls.c.outcome == Outcome.LEFT.value
        ).values(outcome=Outcome.CALLBACK_CONNECTED.value, callback_wait_s=waited))
        return True


def record_unanswered(
    engine: Engine, call_id: str, result: str, now: datetime, *, max_attempts: int,
    retry_after_s: float, attempt_key: str,
) -> str | None:
    """Busy, no answer, failed or voicemail: retry later, or fail after the last attempt.

    Returns the callback's new status ("pending" or "failed"), or None if nothing changed
    (unknown callback, already resolved, or this attempt was already counted).
    """
    with engine.begin() as conn:
        found = _unresolved(conn, call_id, now)
        if found is None:
            return None
        cb, common = found
        attempt = cb.attempts + 1
        if not log_event(conn, dedupe_key=f"{call_id}:CALLBACK_ATTEMPT:{attempt_key}",
                         event=Event.CALLBACK_ATTEMPT,
                         data={"result": result, "attempt": attempt}, **common):
            return None
        if attempt >= max_attempts:
            conn.execute(update(callbacks).where(callbacks.c.call_id == call_id).values(
                status="failed", attempts=attempt, last_result=result, resolved_at=now))
            log_event(conn, dedupe_key=f"{call_id}:CALLBACK_FAILED", event=Event.CALLBACK_FAILED,
                      data={"attempts": attempt, "last_result": result}, **common)
            conn.execute(update(calls).where(
                calls.c.call_id == call_id, calls.c.outcome == Outcome.LEFT.value
            ).values(outcome=Outcome.CALLBACK_FAILED.value))
            return "failed"
        conn.execute(update(callbacks).where(callbacks.c.call_id == call_id).values(
            status="pending", attempts=attempt, last_result=result, claimed_by=None,
            claimed_at=None, next_attempt_at=now + timedelta(seconds=retry_after_s)))
        return "pending"


def release_stale_claims(engine: Engine, now: datetime, claim_timeout_s: float) -> int:
    """Claims whose agent call died without a result go back to the line, in their old place."""
    cutoff = now - timedelta(seconds=claim_timeout_s)
    with engine.begin() as conn:
        result = conn.execute(update(callbacks).where(
            callbacks.c.status == "claimed", callbacks.c.claimed_at < cutoff
        ).values(status="pending", claimed_by=None, claimed_at=None))
        return result.rowcount


def pending(engine: Engine) -> list[Callback]:
    """Callbacks not yet resolved, oldest first, with their call's policy and arm (one query)."""
    with engine.connect() as conn:
        rows = conn.execute(PENDING).mappings().all()
    return [_callback(row, row["call_policy"] or "", row["call_arm"] or "") for row in rows]
