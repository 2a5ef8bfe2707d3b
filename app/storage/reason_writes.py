"""The caller's reason: stored once per call, and read back for the agent who takes the call.

A REASON fact keeps the caller's words (data.transcript, caller data: exports leave it out)
with Twilio's confidence, their time in line and their place when they spoke: the position
told in the check-in that asked (the last before their words), else their last poll's. The
briefing reads that check-in again (it may have been applied after the words, from another
host's journal); the stored fact keeps what was known when the words were.
Before an agent's <Dial><Queue>, `next_in_line` finds the caller that agent will most likely
be given — the longest-waiting one still polled, skipping callers another agent was
just told about (they are about to be taken) — and the agent is told their reason; the
AGENT_BRIEFED fact records who was told what, so the CONNECT's agent shows whether the
briefing was about the caller they then took (Twilio alone chooses that caller).
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import Connection, Row, select

from app.storage import commands as c
from app.storage.callback_queue import RECENT_POLL_S, WAITING_NOW
from app.storage.db import as_utc
from app.storage.facts import append_fact, ensure_call
from app.storage.line_head import in_line_order
from app.storage.prepared import param
from app.storage.schema import call_events
from hold_policies.records import Event

BRIEFING_HOLD_S = 30.0
"""A caller another agent was told about this recently is theirs to take: skipped here."""
LOOK_AHEAD = 5
"""Waiting callers read at once (the head, and those behind callers others were told about)."""

WAITING = in_line_order(WAITING_NOW, LOOK_AHEAD)
"""The queue's first waiting callers in Twilio's order (a caller put back in line after a
Twilio error is behind those who were there when they returned)."""


@dataclass(frozen=True)
class NextCaller:
    """A waiting caller's reason, as an agent is told it."""

    call_id: str
    entered_at: datetime
    text: str
    position: int | None  # where they were in line when they said it
    promised_wait_s: float | None  # the first wait they were told, if any


TOLD_BEFORE = select(call_events.c.position).where(
    call_events.c.call_id == param("call", call_events.c.call_id),
    call_events.c.event == Event.ANNOUNCE.value, call_events.c.position.is_not(None),
    call_events.c.time <= param("now", call_events.c.time),
).order_by(call_events.c.time.desc()).limit(1)


def reason(conn: Connection, command: c.Reason) -> None:
    """Once per call (a retry or a second answer changes nothing): the first words kept."""
    call = ensure_call(conn, command.call_id, command.queue, command.now, None)
    waited = (command.now - call.entered_at).total_seconds() if call.entered_at else None
    append_fact(conn, call, command.now, Event.REASON, f"{call.call_id}:REASON", waited,
                {"transcript": command.text, "confidence": command.confidence,
                 "episode": command.episode}, position=_place_when_spoken(conn, command, call))


def _place_when_spoken(conn: Connection, command: c.Reason, call) -> int | None:  # noqa: ANN001
    """The check-in that asked told the caller their place; the row's last position may be a
    later poll's (the words journaled on one host, later polls counted on another)."""
    told = told_before(conn, command.call_id, command.now)
    return told if told is not None else call.last_position


def told_before(conn: Connection, call_id: str, at: datetime) -> int | None:
    """The place the call's last check-in up to `at` told the caller, if one did."""
    return conn.execute(TOLD_BEFORE, {"call": call_id, "now": at}).scalar()


def briefed(conn: Connection, command: c.Briefed) -> None:
    call = ensure_call(conn, command.call_id, command.queue, command.now, None)
    append_fact(conn, call, command.now, Event.AGENT_BRIEFED,
                f"{call.call_id}:AGENT_BRIEFED:{command.agent_call_id}", None,
                {"agent_call_id": command.agent_call_id})


def next_in_line(conn: Connection, queue: str, agent_call_id: str,
                 now: datetime) -> NextCaller | None:
    """The caller this agent will most likely take, if they gave a reason (else None)."""
    recent = now - timedelta(seconds=RECENT_POLL_S)
    waiting = conn.execute(WAITING, {"queue": queue, "recent": recent}).all()
    if not waiting:
        return None
    facts = conn.execute(select(
        call_events.c.call_id, call_events.c.event, call_events.c.time,
        call_events.c.position, call_events.c.data,
    ).where(call_events.c.call_id.in_([row.call_id for row in waiting]),
            call_events.c.event.in_([Event.REASON.value, Event.AGENT_BRIEFED.value]))).all()
    reasons = {f.call_id: f for f in facts if f.event == Event.REASON}
    taken = briefed_elsewhere(facts, agent_call_id, now)
    head = next((row for row in waiting if row.call_id not in taken), None)
    said = reasons.get(head.call_id) if head is not None else None
    if said is None:
        return None
    text = json.loads(said.data).get("transcript") or ""
    if not text:
        return None
    # Their place read now, as the reason's own was: a check-in applied after the words (its
    # host's journal replayed late) still says where they were told they were.
    told = told_before(conn, head.call_id, said.time)
    return NextCaller(head.call_id, as_utc(head.entered_at), text,
                      told if told is not None else said.position, head.first_announced_wait_s)


def briefed_elsewhere(facts: Sequence[Row], agent_call_id: str, now: datetime) -> set[str]:
    """Calls another agent was told about within BRIEFING_HOLD_S: theirs to take, skipped."""
    since = now - timedelta(seconds=BRIEFING_HOLD_S)
    return {f.call_id for f in facts if f.event == Event.AGENT_BRIEFED
            and as_utc(f.time) >= since
            and json.loads(f.data).get("agent_call_id") != agent_call_id}


def reason_of(conn: Connection, call_id: str) -> str | None:
    """The words a caller gave (a callback's customer, before their phone rings)."""
    data = conn.execute(select(call_events.c.data).where(
        call_events.c.call_id == call_id, call_events.c.event == Event.REASON.value)).scalar()
    return (json.loads(data).get("transcript") or None) if data else None


WRITES = {c.Reason: reason, c.Briefed: briefed}
