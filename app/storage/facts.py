"""Appending a call's facts, and rebuilding its `calls` row from them (the read model).

Webhooks append facts (events, each once by its dedupe key); `project` then rebuilds the
call's row from all of its facts with `hold_policies.call_outcome.outcome_of`, so whichever
order Twilio's requests arrive in — or a journal replays them in — the row says the same.
No code path decides an outcome by updating the row directly.
"""

from __future__ import annotations

import json
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import Connection, delete, func, select, update

from app.storage.db import as_utc
from app.storage.events import insert_once, log_event
from app.storage.prepared import CALL, param
from app.storage.rows import CallRow, call_row
from app.storage.schema import call_events, calls
from hold_policies.call_outcome import HANGUP, QUEUE_TIME_EVENTS, CallOutcome, Fact, outcome_of
from hold_policies.records import Event, Outcome

FACTS = select(call_events.c.time, call_events.c.event, call_events.c.wait_s,
               call_events.c.position, call_events.c.data
               ).where(call_events.c.call_id == param("call", call_events.c.call_id))


def append_fact(conn: Connection, call: CallRow, now: datetime, event: str, key: str,
                queue_time_s: float | None, data: dict[str, Any],
                position: int | None = None) -> bool:
    """One fact of `call`, once; True if this inserted it."""
    return log_event(conn, dedupe_key=key, time=now, call_id=call.call_id, queue=call.queue,
                     event=event, policy=call.policy, arm=call.arm, wait_s=queue_time_s,
                     position=position, data=data)


def log_entry(conn: Connection, call: CallRow, entered: datetime, position: int | None,
              episode: int) -> None:
    """ENTERQUEUE once per time in line, whichever request first shows the caller queued.

    A caller answered before their first poll gets it from the answer, without a position;
    a poll delivered later fills in the position it knows (the only update an event gets).
    """
    key = f"{call.call_id}:ENTERQUEUE" + (f":{episode}" if episode else "")
    fresh = log_event(conn, dedupe_key=key, time=entered, call_id=call.call_id,
                      queue=call.queue, event=Event.ENTERQUEUE, policy=call.policy,
                      arm=call.arm, position=position, wait_s=0.0, data={"episode": episode})
    if not fresh and position is not None:
        conn.execute(update(call_events).where(call_events.c.dedupe_key == key,
                                               call_events.c.position.is_(None))
                     .values(position=position))


def ensure_call(conn: Connection, call_id: str, queue: str, now: datetime,
                queue_time_s: float | None) -> CallRow:
    """Late or reordered webhooks may be the first we hear of a call: create it then."""
    row = conn.execute(CALL, {"call": call_id}).mappings().first()
    if row is None:
        conn.execute(insert_once(conn, calls, "call_id"), {
            "call_id": call_id, "queue": queue, "policy": "", "arm": "",
            "arrived_at": now - timedelta(seconds=queue_time_s or 0.0)})
        row = conn.execute(CALL, {"call": call_id}).mappings().one()
    return call_row(row)


def facts_of(conn: Connection, call_id: str) -> list[Fact]:
    return [Fact(time=as_utc(row.time), event=row.event,
                 queue_time_s=row.wait_s if row.event in QUEUE_TIME_EVENTS else None,
                 position=row.position, data=json.loads(row.data or "{}"))
            for row in conn.execute(FACTS, {"call": call_id})]


def project(conn: Connection, call_id: str) -> None:
    """Rebuild the call's row from all its facts: the only place an outcome is set."""
    facts = facts_of(conn, call_id)
    decided = outcome_of(facts)
    values: dict[str, Any] = {
        "outcome": decided.outcome.value if decided.outcome else None,
        "wait_s": decided.wait_s, "answered_at": decided.answered_at,
        "ended_at": decided.ended_at, "departed_at": decided.departed_at,
        "announcements": decided.announcements,
        "first_announced_wait_s": decided.first_announced_wait_s,
        "first_announced_at_s": decided.first_announced_at_s,
        "last_announced_at": decided.last_announced_at,
        "told_position": decided.told_position,
        "callback_requested": decided.callback_requested,
        "callback_promised_wait_s": decided.callback_promised_wait_s,
        "callback_wait_s": decided.callback_wait_s,
    }
    if decided.entered_at is not None:
        values["entered_at"] = decided.entered_at
    if decided.orig_position is not None:
        values["orig_position"] = decided.orig_position
    elif decided.outcome is Outcome.ANSWERED:  # taken at once, before any poll: at the head
        values["orig_position"] = func.coalesce(calls.c.orig_position, 1)
    conn.execute(update(calls).where(calls.c.call_id == call_id).values(**values))
    if decided.outcome is Outcome.ABANDONED or any(f.event == HANGUP for f in facts):
        keep_abandon_event(conn, call_id, decided)


def keep_abandon_event(conn: Connection, call_id: str, decided: CallOutcome) -> None:
    """The call's one ABANDON event, kept in step with the decision like the row is.

    Hang-ups are logged as raw HANGUP facts; ABANDON (the Asterisk event analysts and
    exports read) is part of the read model: written when the facts say abandoned, with the
    best wait they give, and removed if a stronger fact (an answer) arrives later. So a call
    never shows both ABANDON and CONNECT, whatever order its webhooks came in.
    """
    key = f"{call_id}:ABANDON"
    if decided.outcome is not Outcome.ABANDONED:
        conn.execute(delete(call_events).where(call_events.c.dedupe_key == key))
        return
    row = conn.execute(CALL, {"call": call_id}).mappings().one()
    data = {"source": decided.decided_by.source}
    if not log_event(conn, dedupe_key=key, call_id=call_id, queue=row["queue"],
                     event=Event.ABANDON, policy=row["policy"], arm=row["arm"],
                     time=decided.ended_at, wait_s=decided.wait_s, data=data):
        conn.execute(update(call_events).where(call_events.c.dedupe_key == key).values(
            time=decided.ended_at, wait_s=decided.wait_s, data=json.dumps(data, sort_keys=True)))
