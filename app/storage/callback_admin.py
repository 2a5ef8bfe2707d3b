"""Operators' reads and changes of callback promises: the list with attempts, and cancel.

A cancelled callback has status "cancelled": the agent route's claim and the REST placer
take only "pending" ones, so a cancellation is respected from the next claim on. The booking
call's log says so too: a CALLBACK_CANCELLED fact (data.by: who withdrew it), logged in the
same transaction as the status, and its record rebuilt (`callback_cancelled`), so analytics
count the promise as withdrawn, not still open (analytics.promises).
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import Connection, Engine, func, select, update

from app.storage import audit
from app.storage.callback_queue import OUTSTANDING
from app.storage.callback_requests import CHECK_HOLDS
from app.storage.db import as_utc
from app.storage.facts import append_fact, ensure_call, project
from app.storage.locks import hold_call
from app.storage.messages import Message, messages_of
from app.storage.schema import call_events, callbacks
from hold_policies.records import Event

SETTLED_LIMIT = 500
"""Settled callbacks shown at most (newest first); open promises are all shown, always."""
BATCH = 500
RECENT_DAYS = 1
CANCELLED = "cancelled"


@dataclass(frozen=True)
class Attempt:
    time: datetime
    result: str


@dataclass(frozen=True)
class CallbackRow:
    call_id: str
    queue: str
    number: str
    status: str
    entered_at: datetime
    requested_at: datetime
    promised_by: datetime | None
    attempts: list[Attempt]
    messages: tuple[Message, ...] = ()  # left from the queue, oldest first
    due_at: datetime | None = None  # booked while closed: the opening it is due at
    line_full: bool = False  # booked at Twilio's queue-full (the overflow's offer)
    held_until: datetime | None = None  # not rung before, for what Twilio said of the
    held_because: str | None = None  # booking call (app.booking_checks), and why

    @property
    def booked_while_closed(self) -> bool:
        """Booked outside opening hours: the caller never entered the queue, and the row's
        entered_at is when they booked (it orders the promises), not a time in line."""
        return self.due_at is not None

    @property
    def never_queued(self) -> bool:
        """Booked while closed or from a full queue: entered_at is the booking's time."""
        return self.booked_while_closed or self.line_full


class CancelError(ValueError):
    """The callback cannot be cancelled now; the message says why (HTTP 404 or 409)."""

    def __init__(self, message: str, status: int) -> None:
        super().__init__(message)
        self.status = status


@dataclass(frozen=True)
class Listing:
    rows: list[CallbackRow]  # every open promise (oldest first), then settled (newest first)
    open_count: int
    settled_count: int  # settled in the last day, of which at most SETTLED_LIMIT are in rows

    @property
    def truncated(self) -> bool:
        return self.open_count + self.settled_count > len(self.rows)


def listing(engine: Engine, now: datetime) -> Listing:
    """Every promise not yet kept, oldest first, so none can be crowded out, then those
    settled in the last day, newest first and at most SETTLED_LIMIT; each with its attempts."""
    settled = (callbacks.c.status.not_in(OUTSTANDING),
               callbacks.c.resolved_at >= now - timedelta(days=RECENT_DAYS))
    open_q = select(callbacks).where(callbacks.c.status.in_(OUTSTANDING)).order_by(
        callbacks.c.entered_at, callbacks.c.call_id)
    settled_q = select(callbacks).where(*settled).order_by(
        callbacks.c.resolved_at.desc(), callbacks.c.call_id).limit(SETTLED_LIMIT)
    with engine.connect() as conn:
        open_rows = conn.execute(open_q).mappings().all()
        rows = open_rows + conn.execute(settled_q).mappings().all()
        settled_count = conn.execute(select(func.count()).select_from(callbacks).where(
            *settled)).scalar_one()
        return Listing(_with_attempts(conn, rows, now), len(open_rows), int(settled_count))


def _with_attempts(conn: Connection, rows: list, now: datetime) -> list[CallbackRow]:
    """The rows as CallbackRows, with each attempt's result, the messages left and whether
    it was booked from a full queue (its request's fact says so; read in batches: every
    open promise is listed, and a query takes only so many parameters)."""
    attempts: dict[str, list[Attempt]] = {}
    left: dict[str, tuple[Message, ...]] = {}
    line_full: set[str] = set()
    ids = [row["call_id"] for row in rows]
    for start in range(0, len(ids), BATCH):
        batch = ids[start:start + BATCH]
        for event in conn.execute(select(
                call_events.c.call_id, call_events.c.time, call_events.c.event,
                call_events.c.data).where(
                call_events.c.call_id.in_(batch),
                call_events.c.event.in_([Event.CALLBACK_ATTEMPT.value,
                                         Event.CALLBACK_REQUESTED.value]),
        ).order_by(call_events.c.time)):
            data = json.loads(event.data or "{}")
            if event.event == Event.CALLBACK_REQUESTED.value:
                if data.get("line_full"):
                    line_full.add(event.call_id)
                continue
            attempts.setdefault(event.call_id, []).append(Attempt(
                as_utc(event.time), str(data.get("result", "?"))))
        left.update(messages_of(conn, batch))
    return [CallbackRow(row["call_id"], row["queue"], row["number"], row["status"],
                        as_utc(row["entered_at"]), as_utc(row["requested_at"]),
                        as_utc(row["promised_by"]), attempts.get(row["call_id"], []),
                        left.get(row["call_id"], ()), as_utc(row["due_at"]),
                        row["call_id"] in line_full, *check_hold(row, now))
            for row in rows]


def check_hold(row, now: datetime) -> tuple[datetime | None, str | None]:  # noqa: ANN001
    """(until when, why) a pending callback is held for what Twilio said of its booking call
    (app.booking_checks); (None, None) if it is not held so now."""
    until = as_utc(row["next_attempt_at"])
    if row["status"] != "pending" or row["booking_check"] not in CHECK_HOLDS or \
            until is None or until <= now:
        return None, None
    return until, CHECK_HOLDS[row["booking_check"]]


def cancel_pending(conn: Connection, call_id: str, now: datetime,
                   statuses: tuple[str, ...] = ("pending",)) -> bool:
    """Cancel the call's callback if its status is one of `statuses` (True). Pending: nobody
    is dialling it yet, so nobody will now. Claimed: an attempt is under way, and its result
    will find the callback no longer in hand (callback_writes) and change nothing."""
    return conn.execute(update(callbacks).where(
        callbacks.c.call_id == call_id, callbacks.c.status.in_(statuses),
    ).values(status=CANCELLED, last_result=CANCELLED, resolved_at=now)).rowcount == 1


def cancellation_key(call_id: str) -> str:
    """The dedupe key of a call's CALLBACK_CANCELLED: a callback is cancelled once."""
    return f"{call_id}:{Event.CALLBACK_CANCELLED}"


def log_cancellation(conn: Connection, call_id: str, now: datetime, by: str,
                     **about: str) -> None:
    """The booking call's CALLBACK_CANCELLED (`by`: "operator" or "caller"; `about`: more
    data), once by its key, and its row rebuilt from its facts, in the transaction that
    cancelled the callback. Its wait is seconds since the call entered the queue, as the
    other callback events'. The caller of this holds the call's lock (hold_call)."""
    queue = conn.execute(select(callbacks.c.queue).where(
        callbacks.c.call_id == call_id)).scalar_one()
    call = ensure_call(conn, call_id, queue, now, None)
    waited = (max((now - call.entered_at).total_seconds(), 0.0)
              if call.entered_at is not None else None)
    if append_fact(conn, call, now, Event.CALLBACK_CANCELLED, cancellation_key(call_id),
                   waited, {"by": by, **about}):
        project(conn, call_id)


def cancel(engine: Engine, call_id: str, *, reason: str, actor: str, now: datetime) -> None:
    """Cancel a pending callback (audited with the reason).

    Only a pending one: a claimed callback is being dialled by an agent right now, and one
    on the line is already talking to us, so both are refused with a 409.
    """
    if "\x00" in call_id:  # no call has one, and PostgreSQL refuses it in a query
        raise CancelError(f"no callback for call {call_id!r}", 404)
    with engine.begin() as conn:
        hold_call(conn, call_id)  # the call's facts are written one writer at a time
        if not cancel_pending(conn, call_id, now):
            status = conn.execute(select(callbacks.c.status).where(
                callbacks.c.call_id == call_id)).scalar()
            if status is None:
                raise CancelError(f"no callback for call {call_id!r}", 404)
            raise CancelError(f"callback {call_id} is {status}; only a pending one can be "
                              "cancelled", 409)
        log_cancellation(conn, call_id, now, "operator")
        audit.record(conn, actor=actor, action="callback.cancel", target=call_id,
                     detail={"reason": reason}, now=now)
