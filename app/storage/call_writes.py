"""Writes of a caller's webhooks: each appends its facts, then rebuilds the call's row."""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta
from typing import Any

from sqlalchemy import Connection, update

from app.storage import commands as c
from app.storage.events import insert_once
from app.storage.facts import append_fact, ensure_call, facts_of, log_entry, project
from app.storage.prepared import CALL, COUNT_POLL, COUNT_POLL_RETURNING
from app.storage.rows import CallRow, call_row
from app.storage.schema import callbacks, calls
from hold_policies.call_outcome import HANGUP, LEAVE, current_episode
from hold_policies.records import Event

FINAL_STATUSES = ("completed", "busy", "failed", "no-answer", "canceled")
LEFT_RESULTS = ("leave", "redirected", "redirected-from-bridged")
ERROR_RESULTS = ("error", "system-error", "queue-full")


def begin_call(conn: Connection, command: c.BeginCall) -> None:
    inserted = conn.execute(insert_once(conn, calls, "call_id"), {
        "call_id": command.call_id, "queue": command.queue, "policy": command.policy,
        "arm": command.arm, "from_number": command.from_number, "arrived_at": command.now})
    if inserted.rowcount != 1 and command.from_number:  # a poll journaled first made the row
        conn.execute(update(calls).where(calls.c.call_id == command.call_id,
                                         calls.c.from_number.is_(None))
                     .values(from_number=command.from_number))


def note_poll(conn: Connection, command: c.NotePoll,
              before_entry: Callable[[CallRow], object] | None = None) -> CallRow:
    """Count the poll; `before_entry(call)` sees the log as it was before the caller's own
    ENTERQUEUE (a first poll must not start the queue's measuring window 40 s back)."""
    entered = command.now - timedelta(seconds=command.queue_time_s)
    counted = {"call": command.call_id, "entered": entered, "position": command.position,
               "queue_time_s": command.queue_time_s, "now": command.now}
    call = _count_poll(conn, counted)
    if call is None:  # /voice/incoming never reached the log: the first poll starts the row
        conn.execute(insert_once(conn, calls, "call_id"), {
            "call_id": command.call_id, "queue": command.queue, "policy": command.policy,
            "arm": command.arm, "arrived_at": entered})
        call = _count_poll(conn, counted)
    if before_entry is not None:
        before_entry(call)
    if call.polls == 1 or command.episode:  # later polls of one time in line need not try
        log_entry(conn, call, entered, command.position, command.episode)
        if call.outcome is not None:  # delivered after the call ended: keep the row in step
            project(conn, call.call_id)
    return call


def _count_poll(conn: Connection, counted: dict[str, Any]) -> CallRow | None:
    """Count a poll (once per QueueTime: a retried poll counts once) and read the call."""
    if conn.dialect.update_returning:
        row = conn.execute(COUNT_POLL_RETURNING, counted).mappings().first()
    elif conn.execute(COUNT_POLL, counted).rowcount == 1:
        row = conn.execute(CALL, {"call": counted["call"]}).mappings().one()
    else:
        row = None
    return call_row(row) if row else None


def announce(conn: Connection, command: c.Announce) -> None:
    call = ensure_call(conn, command.call_id, command.queue, command.now, command.queue_time_s)
    key = f"{call.call_id}:ANNOUNCE:{command.episode}:{command.queue_time_s:.0f}"
    data = {"kind": command.kind, "announced_wait_s": command.announced_wait_s,
            "keys": list(command.keys), "text": command.text, "episode": command.episode}
    if append_fact(conn, call, command.now, Event.ANNOUNCE, key, command.queue_time_s, data,
                   position=command.position):
        project(conn, call.call_id)


def key_press(conn: Connection, command: c.KeyPress) -> None:
    call = ensure_call(conn, command.call_id, command.queue, command.now, command.queue_time_s)
    key = (f"{call.call_id}:KEYPRESS:{command.episode}:{command.queue_time_s:.0f}:"
           f"{command.digit}")
    append_fact(conn, call, command.now, Event.KEYPRESS, key, command.queue_time_s,
                {"digit": command.digit, "choice": command.choice,
                 "episode": command.episode})


def connect(conn: Connection, command: c.Connect) -> None:
    call = ensure_call(conn, command.call_id, command.queue, command.now, command.queue_time_s)
    # The agent's Queue url cannot know whether the caller is back in line after an error.
    episode = command.episode or current_episode(facts_of(conn, call.call_id))
    log_entry(conn, call, command.now - timedelta(seconds=command.queue_time_s), None, episode)
    append_fact(conn, call, command.now, Event.CONNECT, f"{call.call_id}:CONNECT",
                command.queue_time_s, {"agent_call_id": command.agent_call_id,
                                       "episode": episode})
    project(conn, call.call_id)


def queue_result(conn: Connection, command: c.QueueResult) -> None:
    call = ensure_call(conn, command.call_id, command.queue, command.now, command.queue_time_s)
    qt, episode, sid = command.queue_time_s, command.episode, command.call_id
    if qt is not None:  # Twilio sends QueueTime only if the call was enqueued
        log_entry(conn, call, command.now - timedelta(seconds=qt), None, episode)
    data: dict[str, Any] = {"episode": episode, "queue_result": command.result}
    if command.result == "bridged":
        fact = (Event.COMPLETE, f"{sid}:COMPLETE", data)
    elif command.result == "hangup":
        fact = (HANGUP, f"{sid}:HANGUP:{episode}", {**data, "source": "queue-result"})
    elif command.result in LEFT_RESULTS:
        fact = (LEAVE, f"{sid}:LEAVE:{episode}", data)
    elif command.result in ERROR_RESULTS:
        fact = (Event.ERROR, f"{sid}:ERROR:{episode}", data)
    else:
        return
    event, key, data = fact
    append_fact(conn, call, command.now, event, key, qt, data)
    project(conn, call.call_id)


def call_status(conn: Connection, command: c.CallStatus) -> None:
    if command.status not in FINAL_STATUSES:
        return
    release_claims_of(conn, command.call_id)  # an agent's call ended: its claim is free
    row = conn.execute(CALL, {"call": command.call_id}).mappings().first()
    if row is None:
        return  # not a caller we know (an agent's leg, or a call that never queued)
    call = call_row(row)
    append_fact(conn, call, command.now, HANGUP, f"{call.call_id}:HANGUP:status", None,
                {"source": f"status:{command.status}"})
    project(conn, call.call_id)


def release_claims_of(conn: Connection, agent_call_id: str) -> int:
    """Claims held by an agent call that has ended go back to their place in line."""
    return conn.execute(update(callbacks).where(
        callbacks.c.status == "claimed", callbacks.c.claimed_by == agent_call_id,
    ).values(status="pending", claimed_by=None, claimed_at=None, claim_token=None)).rowcount


WRITES = {c.BeginCall: begin_call, c.NotePoll: note_poll, c.Announce: announce,
          c.KeyPress: key_press, c.Connect: connect, c.QueueResult: queue_result,
          c.CallStatus: call_status}
