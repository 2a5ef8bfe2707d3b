"""A callback request: the caller keeps their original place, one callback per person.

Stored before the caller is told (never journaled: a promise is only made once it is in the
database), so when its COMMIT is cut off what it did is read back (`request_stored`).
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import Connection, and_, case, select, update

from app.storage import commands as c
from app.storage.db import as_utc
from app.storage.events import inserted_once
from app.storage.facts import FACT_BY_KEY, append_fact, ensure_call, project
from app.storage.one_per_person import hold_number, outstanding_for
from app.storage.prepared import param
from app.storage.rows import CallRow
from app.storage.schema import callbacks
from hold_policies.records import Event, Outcome


@dataclass(frozen=True)
class Booking:
    """What a callback request did: stored a new callback, found this request's own (a retried
    webhook), found another callback of this number (`already_booked`, its call id), or found
    the call's wait already over (`too_late`, its outcome): booked nothing."""

    new: bool
    already_booked: str | None = None
    too_late: str | None = None


LEAVING_S = 45.0
"""A callback is not rung until its caller has left the line: the confirmation plays while
they are still on the queue call, and an agent freed then had rung their own busy phone
(an attempt spent, with one attempt the promise failed seconds after it was made). Due at
once when their leaving or hang-up is heard (`caller_gone`), else this long after the
request (a confirmation's words, with room to spare, if those webhooks are lost)."""
CALLER_GONE = update(callbacks).where(
    callbacks.c.call_id == param("call", callbacks.c.call_id),
    callbacks.c.status == "pending", callbacks.c.attempts == 0, callbacks.c.due_at.is_(None),
    # an earlier leg's end, replayed from a journal after the booking, is no leaving of it
    callbacks.c.requested_at <= param("booked_by", callbacks.c.requested_at),
    callbacks.c.next_attempt_at > param("now", callbacks.c.next_attempt_at),
    callbacks.c.next_attempt_at <= param("leaving_until", callbacks.c.next_attempt_at),
).values(next_attempt_at=param("now", callbacks.c.next_attempt_at))


def caller_gone(conn: Connection, call_id: str, now: datetime) -> None:
    """The caller left the line or hung up: their callback (if any, not yet tried) is due,
    unless it is held for longer than its leaving (a caller ringing in, asked about it:
    returning_writes.HELD_WHILE_ASKED; a late hang-up had made it due mid-question)."""
    requested = conn.execute(REQUESTED_AT, {"callback": call_id}).scalar()
    if requested is not None:
        conn.execute(CALLER_GONE, {"call": call_id, "now": now, "booked_by": booked_by(now),
                                   "leaving_until": as_utc(requested)
                                   + timedelta(seconds=LEAVING_S)})


CHECK_HOLDS = {
    "asked": "still on the call they booked it from, perhaps hearing the confirmation",
    "on_line": "still on the call they booked it from, past the confirmation",
    "stayed": "stayed on the call past the confirmation (answered there?): waiting for the "
              "answer from a host's journal",
}
"""The holds app.booking_checks puts on a callback from what Twilio said of the booking call
(`callbacks.booking_check`), and why, as an operator reads it."""
_next_attempt = callbacks.c.next_attempt_at
_CHECK_HOLD_STANDS = and_(callbacks.c.booking_check.in_(list(CHECK_HOLDS)),
                          _next_attempt == callbacks.c.booking_held_until)
"""The check's own hold is what holds the callback (nobody has held it longer since)."""
LEFT_THE_QUEUE = update(callbacks).where(
    callbacks.c.call_id == param("call", callbacks.c.call_id),
    callbacks.c.status == "pending", callbacks.c.attempts == 0,
    callbacks.c.requested_at <= param("booked_by", callbacks.c.requested_at),
).values(booking_check="left", next_attempt_at=case(
    (and_(_CHECK_HOLD_STANDS, _next_attempt > param("now", _next_attempt)),
     param("now", _next_attempt)), else_=_next_attempt))


def left_the_queue(conn: Connection, call_id: str, now: datetime) -> None:
    """The caller left the queue unanswered after booking (its `leave` or `hangup` result,
    heard now or replayed from a journal; one of an earlier leg, before the booking, says
    nothing of it): whatever the booking check held them for, they were not being helped, so
    its hold ends, unless another has held the callback longer since, and it is not read
    again."""
    conn.execute(LEFT_THE_QUEUE, {"call": call_id, "now": now, "booked_by": booked_by(now)})


HOSTS_CLOCK_SLACK_S = 5.0
"""A leaving this little before the booking (by another host's clock) may still follow it."""


def booked_by(now: datetime) -> datetime:
    """The latest booking a leaving at `now` can follow."""
    return now + timedelta(seconds=HOSTS_CLOCK_SLACK_S)


def check_hold_ended(now: datetime) -> object:
    """`next_attempt_at` as a check's end leaves it: `now` where the check's own hold still
    stands and is later, else as it is (SQL)."""
    return case((and_(_CHECK_HOLD_STANDS, _next_attempt > now), now), else_=_next_attempt)


def request_callback(conn: Connection, command: c.RequestCallback) -> Booking:
    """Keep the caller's original place: the callback is ordered by when they first entered.

    One callback per person: if this number already has one outstanding in this queue, none
    is booked; the caller leaves the line on that one (EXITWITHKEY names it). None either for
    a call whose wait is over: a confirmation handled after the agent's answer had booked a
    callback that rang a customer just served (the call's lock orders the two, so one check
    here is enough).
    """
    call = ensure_call(conn, command.call_id, command.queue, command.now, command.queue_time_s)
    if _over_without_a_request(call):  # answered (or gone) while pressing 1, or replayed:
        return Booking(new=False, too_late=call.outcome)  # a callback would ring them again
    hold_number(conn, call.queue, command.number)
    booked = outstanding_for(conn, call.queue, command.number, other_than=call.call_id)
    if booked is not None:
        append_fact(conn, call, command.now, Event.EXITWITHKEY, f"{call.call_id}:EXITWITHKEY",
                    command.queue_time_s, {"episode": command.episode, "key": command.digit,
                                           "already_booked": booked})
        project(conn, call.call_id)
        return Booking(new=False, already_booked=booked)
    entered = call.entered_at or (command.now - timedelta(seconds=command.queue_time_s))
    promised_by = (command.now + timedelta(seconds=command.promised_wait_s)
                   if command.promised_wait_s else None)
    new = inserted_once(conn, callbacks, "call_id", {
        "call_id": call.call_id, "queue": call.queue, "number": command.number,
        "entered_at": entered, "requested_at": command.now, "promised_by": promised_by,
        "status": "pending", "next_attempt_at": command.now + timedelta(seconds=LEAVING_S)})
    common = {"episode": command.episode}
    append_fact(conn, call, command.now, Event.CALLBACK_REQUESTED,
                f"{call.call_id}:CALLBACK_REQUESTED", command.queue_time_s,
                {**common, "number": command.number,
                 "promised_wait_s": command.promised_wait_s,
                 **({"line_full": True} if command.line_full else {})})
    append_fact(conn, call, command.now, Event.EXITWITHKEY, f"{call.call_id}:EXITWITHKEY",
                command.queue_time_s, {**common, "key": command.digit})
    project(conn, call.call_id)
    return Booking(new=new)


def _over_without_a_request(call: CallRow) -> bool:
    """The call's wait ended other than by this request (a retried request finds its own) and
    other than by the overflow, which offers the callback once the wait is over."""
    return (call.wait_is_over and not call.callback_requested
            and call.outcome != Outcome.OVERFLOW)


REQUESTED_AT = select(callbacks.c.requested_at).where(
    callbacks.c.call_id == param("callback", callbacks.c.call_id))


def request_stored(conn: Connection, command: c.RequestCallback) -> Booking | None:
    """What `request_callback` did, read back after its COMMIT was cut off (None: nothing):
    both its ways leave the call's EXITWITHKEY, naming the callback it found instead, if any;
    a callback requested at this command's moment is this request's own, so `new`."""
    left = conn.execute(FACT_BY_KEY, {"key": f"{command.call_id}:EXITWITHKEY"}).first()
    if left is None:
        return None
    already = json.loads(left.data or "{}").get("already_booked")
    if already is not None:
        return Booking(new=False, already_booked=already)
    requested = conn.execute(REQUESTED_AT, {"callback": command.call_id}).scalar()
    return Booking(new=as_utc(requested) == command.now)


STORED = {c.RequestCallback: request_stored}
"""How to read back what a write never journaled did (app.storage.apply.stored)."""
WRITES = {c.RequestCallback: request_callback}
