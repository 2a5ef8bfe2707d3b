"""Writes of a call that rang outside opening hours: the CLOSED fact, and a booked callback.

Such a caller is never queued: their record's outcome is `closed` (decided from the CLOSED
fact like every outcome), never an abandon. A callback they book is an ordinary pending
callback whose first attempt is due at the opening (`due_at`, and `next_attempt_at`, which
every claim already respects); the cap per opening is checked in the same transaction, under
a lock on that opening on PostgreSQL (SQLite runs one writer at a time), so it is never passed.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Connection, func, select

from app.storage import commands as c
from app.storage.call_writes import begin_call
from app.storage.events import insert_once
from app.storage.facts import append_fact, ensure_call, project
from app.storage.locks import hold
from app.storage.one_per_person import hold_number, outstanding_for
from app.storage.prepared import param
from app.storage.schema import callbacks
from hold_policies.records import Event

BOOKED = select(func.count()).select_from(callbacks).where(
    callbacks.c.queue == param("queue", callbacks.c.queue),
    callbacks.c.due_at == param("due", callbacks.c.due_at))
ALREADY = select(callbacks.c.call_id).where(callbacks.c.call_id == param("call",
                                                                          callbacks.c.call_id))


def closed(conn: Connection, command: c.Closed) -> None:
    """The call's row (who rang, which queue) and its CLOSED fact, once."""
    begin_call(conn, c.BeginCall(call_id=command.call_id, now=command.now, queue=command.queue,
                                 policy=command.policy, arm=command.arm,
                                 from_number=command.from_number))
    call = ensure_call(conn, command.call_id, command.queue, command.now, None)
    append_fact(conn, call, command.now, Event.CLOSED, f"{command.call_id}:CLOSED", None,
                {"opens_at": command.opens_at, "offered_callback": command.offered_callback})
    project(conn, command.call_id)


def booked_for(conn: Connection, queue: str, due: datetime) -> int:
    """Callbacks already booked for `queue`'s opening at `due`."""
    return int(conn.execute(BOOKED, {"queue": queue, "due": due}).scalar() or 0)


def book_callback(conn: Connection, command: c.BookCallback) -> bool:
    """True if the callback is booked (now, or by an earlier try of the same request); False
    if the opening's cap is reached."""
    due = datetime.fromisoformat(command.due_at)
    hold(conn, f"holdwell-closed:{command.queue}:{command.due_at}")  # one opening's bookings
    if conn.execute(ALREADY, {"call": command.call_id}).first() is not None:
        return True  # a retried request: booked already
    hold_number(conn, command.queue, command.number)
    if outstanding_for(conn, command.queue, command.number) is not None:
        return True  # one callback per person: theirs is dialled at the opening, like this one
    if command.cap is not None and booked_for(conn, command.queue, due) >= command.cap:
        return False
    call = ensure_call(conn, command.call_id, command.queue, command.now, None)
    conn.execute(insert_once(conn, callbacks, "call_id"), {
        "call_id": call.call_id, "queue": call.queue, "number": command.number,
        "entered_at": command.now, "requested_at": command.now, "promised_by": None,
        "status": "pending", "due_at": due, "next_attempt_at": due})
    append_fact(conn, call, command.now, Event.CALLBACK_REQUESTED,
                f"{call.call_id}:CALLBACK_REQUESTED", None,
                {"number": command.number, "due_at": command.due_at, "closed": True,
                 "key": command.digit})
    project(conn, call.call_id)
    return True


def booking_stored(conn: Connection, command: c.BookCallback) -> bool | None:
    """What `book_callback` did, read back after its COMMIT was cut off: True if a callback
    stands for them (this one, or their number's), None if not (it may have been full)."""
    if conn.execute(ALREADY, {"call": command.call_id}).first() is not None:
        return True
    return True if outstanding_for(conn, command.queue, command.number) is not None else None


STORED = {c.BookCallback: booking_stored}
"""How to read back what a write never journaled did (app.storage.apply.stored)."""
WRITES = {c.Closed: closed, c.BookCallback: book_callback}
