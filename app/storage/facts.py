"""Appending a call's facts, and rebuilding its `calls` row from them (the read model).

Webhooks append facts (events, each once by its dedupe key); `project` then rebuilds the
call's row from all of its facts with `hold_policies.call_outcome.outcome_of`, so whichever
order Twilio's requests arrive in — or a journal replays them in — the row says the same.
No code path decides an outcome by updating the row directly.
"""

from __future__ import annotations

import json
from datetime import datetime, timedelta
from functools import cache
from typing import Any

from sqlalchemy import Connection, Update, delete, func, select, update

from app.storage.db import as_utc
from app.storage.events import insert_once, log_event
from app.storage.prepared import CALL, THIS_CALL, param
from app.storage.rows import CallRow, call_row
from app.storage.schema import call_events, callbacks, calls
from hold_policies.call_outcome import HANGUP, CallOutcome, Fact, outcome_of
from hold_policies.records import ANSWERED_AT_ONCE_POSITION, Event, Outcome

FACTS = select(call_events.c.time, call_events.c.event, call_events.c.wait_s,
               call_events.c.position, call_events.c.data
               ).where(call_events.c.call_id == param("call", call_events.c.call_id))
LOCK_ROW = select(calls.c.call_id).where(THIS_CALL).with_for_update()
"""PostgreSQL: the row, locked before its facts are read (see `project`)."""
ANY_FACT = select(call_events.c.id).where(
    call_events.c.call_id == param("call", call_events.c.call_id)).limit(1)
FACT_BY_KEY = select(call_events.c.time, call_events.c.data).where(
    call_events.c.dedupe_key == param("key", call_events.c.dedupe_key))
"""A fact by its dedupe key: whether a write stored it, and what it said."""
PROJECTED = ("outcome", "wait_s", "answered_at", "ended_at", "departed_at", "announcements",
             "first_announced_wait_s", "first_announced_at_s", "last_announced_at",
             "told_position", "callback_requested", "callback_promised_wait_s",
             "callback_wait_s", "callback_cancelled")
"""The row's columns a projection always sets (entered_at and orig_position only when known)."""
HEAD_OF_LINE = "head"
"""An answer before any poll: orig_position stays as it is, else 1 (see `project`)."""
_FACT_KEY = call_events.c.dedupe_key == param("key", call_events.c.dedupe_key)
DROP_ABANDON = delete(call_events).where(_FACT_KEY)
EARLIER_PLACE = update(callbacks).where(
    callbacks.c.call_id == param("call", callbacks.c.call_id),
    callbacks.c.entered_at > param("entered", callbacks.c.entered_at),
).values(entered_at=param("entered", callbacks.c.entered_at))
"""A callback keeps the caller's place: their first entry, once the facts show an earlier one
than the request knew (the first time in line journaled on another host, replayed later)."""
MOVE_FACT = update(call_events).where(_FACT_KEY).values(
    time=param("ended", call_events.c.time), wait_s=param("wait", call_events.c.wait_s),
    data=param("about", call_events.c.data))
"""A kept fact moved to what the facts now say (the ABANDON, the first CALLBACK_CONNECT)."""
MOVE_EARLIER = MOVE_FACT.where(call_events.c.time > param("ended", call_events.c.time))


@cache
def _projection(entered: bool, orig_position: str | None) -> Update:
    """The UPDATE that writes a projection, built once per shape with bind parameters
    (`new_<column>`): building and cache-keying it per webhook cost more than running it."""
    values: dict[str, Any] = {name: param(f"new_{name}", calls.c[name]) for name in PROJECTED}
    if entered:
        values["entered_at"] = param("new_entered_at", calls.c.entered_at)
    if orig_position == HEAD_OF_LINE:
        values["orig_position"] = func.coalesce(calls.c.orig_position,
                                                ANSWERED_AT_ONCE_POSITION)
    elif orig_position is not None:
        values["orig_position"] = param("new_orig_position", calls.c.orig_position)
    return update(calls).where(THIS_CALL).values(values)


def append_fact(conn: Connection, call: CallRow, now: datetime, event: str, key: str,
                queue_time_s: float | None, data: dict[str, Any],
                position: int | None = None) -> bool:
    """One fact of `call`, once; True if this inserted it."""
    return log_event(conn, dedupe_key=key, time=now, call_id=call.call_id, queue=call.queue,
                     event=event, policy=call.policy, arm=call.arm, wait_s=queue_time_s,
                     position=position, data=data)


def keep_earliest(conn: Connection, call: CallRow, now: datetime, event: str, key: str,
                  wait_s: float | None, data: dict[str, Any]) -> bool:
    """The one fact of `call` saying when something first happened (its callback's
    connection): logged once, and moved back, with its data, by the same thing reported
    later but earlier in time (journaled on a host cut off from the database), so it is
    the same whichever came first. True if this logged or moved it."""
    if append_fact(conn, call, now, event, key, wait_s, data):
        return True
    return conn.execute(MOVE_EARLIER, {"key": key, "ended": now, "wait": wait_s,
                                       "about": json.dumps(data, sort_keys=True)}).rowcount == 1


def entry_key(call_id: str, episode: int) -> str:
    return f"{call_id}:ENTERQUEUE" + (f":{episode}" if episode else "")


def status_key(call_sid: str) -> str:
    """The key of the HANGUP fact a leg's final status callback leaves."""
    return f"{call_sid}:HANGUP:status"


QUEUE_TIME_RESOLUTION_S = 1.0
"""Twilio's QueueTime is whole seconds: two webhooks of one time in line may place its start
up to this far apart."""


def log_entry(conn: Connection, call: CallRow, entered: datetime, position: int | None,
              episode: int, seen_at_s: float | None = None) -> None:
    """ENTERQUEUE once per time in line, whichever request first shows the caller queued.

    A caller answered before their first poll gets it from the answer, without a position;
    a poll delivered later fills in the position it knows, and an entry shown earlier than
    the one logged moves it back (the only updates an event gets: the answer cannot tell a
    first time in line from a second after a Twilio error, so it may have logged the second's
    entry before the first's polls, journaled on another host, were replayed). `seen_at_s`
    is the QueueTime of the poll that gave the position (app.storage.call_writes lets an
    earlier poll applied late take its place).
    """
    key = entry_key(call.call_id, episode)
    data = entry_data(episode, position, seen_at_s)
    fresh = log_event(conn, dedupe_key=key, time=entered, call_id=call.call_id,
                      queue=call.queue, event=Event.ENTERQUEUE, policy=call.policy,
                      arm=call.arm, position=position, wait_s=0.0, data=data)
    if fresh:
        return
    if position is not None:
        conn.execute(update(call_events).where(call_events.c.dedupe_key == key,
                                               call_events.c.position.is_(None))
                     .values(position=position, data=json.dumps(data, sort_keys=True)))
    # Earlier by more than QueueTime's rounding: an earlier entry, not the same one again.
    later = entered + timedelta(seconds=QUEUE_TIME_RESOLUTION_S)
    moved = conn.execute(update(call_events).where(
        call_events.c.dedupe_key == key, call_events.c.time > later).values(time=entered))
    if moved.rowcount:  # the record's entry and waits come from the facts: rebuild it
        project(conn, call.call_id)


def entry_data(episode: int, position: int | None, seen_at_s: float | None) -> dict[str, Any]:
    data: dict[str, Any] = {"episode": episode}
    if position is not None and seen_at_s is not None:
        data["position_at_s"] = seen_at_s
    return data


def ensure_call(conn: Connection, call_id: str, queue: str, now: datetime,
                queue_time_s: float | None) -> CallRow:
    """Late or reordered webhooks may be the first we hear of a call: create it then (with
    what facts came before it, e.g. a status callback kept as a bare fact, projected)."""
    row = conn.execute(CALL, {"call": call_id}).mappings().first()
    if row is None:
        conn.execute(insert_once(conn, calls, "call_id"), {
            "call_id": call_id, "queue": queue, "policy": "", "arm": "",
            "arrived_at": now - timedelta(seconds=queue_time_s or 0.0)})
        if conn.execute(ANY_FACT, {"call": call_id}).first() is not None:
            project(conn, call_id)
        row = conn.execute(CALL, {"call": call_id}).mappings().one()
    return call_row(row)


def facts_of(conn: Connection, call_id: str) -> list[Fact]:
    return [Fact.logged(as_utc(row.time), row.event, row.wait_s, row.position,
                        json.loads(row.data or "{}"))
            for row in conn.execute(FACTS, {"call": call_id})]


def project(conn: Connection, call_id: str) -> CallOutcome:
    """Rebuild the call's row from all its facts: the only place an outcome is set (and
    returned, for a write whose answer depends on it).

    On PostgreSQL the row is locked before the facts are read: a steady poll's check-in
    (call_writes.announce_at_once) counts itself on the row in one statement without the
    call's lock, and a projection that read the facts before that committed would write
    back a count without it."""
    if conn.dialect.name == "postgresql":
        conn.execute(LOCK_ROW, {"call": call_id})
    facts = facts_of(conn, call_id)
    decided = outcome_of(facts)
    values: dict[str, Any] = {
        "call": call_id,
        "new_outcome": decided.outcome.value if decided.outcome else None,
        "new_wait_s": decided.wait_s, "new_answered_at": decided.answered_at,
        "new_ended_at": decided.ended_at, "new_departed_at": decided.departed_at,
        "new_announcements": decided.announcements,
        "new_first_announced_wait_s": decided.first_announced_wait_s,
        "new_first_announced_at_s": decided.first_announced_at_s,
        "new_last_announced_at": decided.last_announced_at,
        "new_told_position": decided.told_position,
        "new_callback_requested": decided.callback_requested,
        "new_callback_promised_wait_s": decided.callback_promised_wait_s,
        "new_callback_wait_s": decided.callback_wait_s,
        "new_callback_cancelled": decided.callback_cancelled,
    }
    entered = decided.entered_at is not None
    if entered:
        values["new_entered_at"] = decided.entered_at
    orig_position: str | None = None
    if decided.orig_position is not None:
        orig_position, values["new_orig_position"] = "known", decided.orig_position
    elif decided.outcome is Outcome.ANSWERED:  # taken at once, before any poll: at the head
        orig_position = HEAD_OF_LINE
    conn.execute(_projection(entered, orig_position), values)
    if decided.callback_requested and entered:
        conn.execute(EARLIER_PLACE, {"call": call_id, "entered": decided.entered_at})
    if decided.outcome is Outcome.ABANDONED or any(f.event == HANGUP for f in facts):
        keep_abandon_event(conn, call_id, decided)
    return decided


def keep_abandon_event(conn: Connection, call_id: str, decided: CallOutcome) -> None:
    """The call's one ABANDON event, kept in step with the decision like the row is.

    Hang-ups are logged as raw HANGUP facts; ABANDON (the Asterisk event analysts and
    exports read) is part of the read model: written when the facts say abandoned, with the
    best wait they give, and removed if a stronger fact (an answer) arrives later. So a call
    never shows both ABANDON and CONNECT, whatever order its webhooks came in.
    """
    key = f"{call_id}:ABANDON"
    if decided.outcome is not Outcome.ABANDONED:
        conn.execute(DROP_ABANDON, {"key": key})
        return
    row = conn.execute(CALL, {"call": call_id}).mappings().one()
    data = {"source": decided.decided_by.source}
    if not log_event(conn, dedupe_key=key, call_id=call_id, queue=row["queue"],
                     event=Event.ABANDON, policy=row["policy"], arm=row["arm"],
                     time=decided.ended_at, wait_s=decided.wait_s, data=data):
        conn.execute(MOVE_FACT, {"key": key, "ended": decided.ended_at,
                                 "wait": decided.wait_s,
                                 "about": json.dumps(data, sort_keys=True)})
