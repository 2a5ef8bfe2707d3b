"""A dropped caller's second leg, joined to their first as one call (see hold_policies.resume).

The RESUMED fact's dedupe key is the new leg's SID, so the Queue url of that leg (which
Twilio calls with the leg's CallSid) finds the call it continues in one indexed lookup.
"""

from __future__ import annotations

import json
from datetime import datetime, timedelta

from sqlalchemy import Connection, exists, func, select

from app.storage import commands as c
from app.storage.callback_queue import OLDEST_WAITING, RECENT_POLL_S
from app.storage.db import as_utc
from app.storage.facts import append_fact, ensure_call, project
from app.storage.schema import call_events, calls
from hold_policies.records import Event, Outcome


def rejoin_queue(queue: str) -> str:
    """The Twilio queue rejoined callers wait in (agents take it first when it is their turn)."""
    return f"{queue}-rejoin"


def leg_key(leg: str) -> str:
    return f"leg:{leg}"


def resume(conn: Connection, command: c.Resume) -> None:
    call = ensure_call(conn, command.call_id, command.queue, command.now, None)
    append_fact(conn, call, command.now, Event.RESUMED, leg_key(command.leg), None,
                {"leg": command.leg, "episode": command.episode})
    project(conn, call.call_id)  # waiting again: the first leg's hang-up no longer ends it


WRITES = {c.Resume: resume}


def last_dropped(conn: Connection, queue: str, number: str, since: datetime
                 ) -> tuple[str, datetime, datetime | None, int] | None:
    """The latest call from `number` in `queue` abandoned since `since`: (call, when it hung
    up, its last check-in, how many times in line it has had)."""
    row = conn.execute(select(calls.c.call_id, calls.c.departed_at, calls.c.last_announced_at)
                       .where(calls.c.queue == queue, calls.c.from_number == number,
                              calls.c.outcome == Outcome.ABANDONED.value,
                              calls.c.departed_at >= since)
                       .order_by(calls.c.departed_at.desc()).limit(1)).first()
    if row is None:
        return None
    episodes = [json.loads(data or "{}").get("episode", 0) for data in conn.execute(
        select(call_events.c.data).where(call_events.c.call_id == row.call_id)).scalars()]
    return (row.call_id, as_utc(row.departed_at), as_utc(row.last_announced_at),
            max(episodes, default=0) + 1)


def call_of_leg(conn: Connection, leg: str) -> str | None:
    return conn.execute(select(call_events.c.call_id).where(
        call_events.c.dedupe_key == leg_key(leg))).scalar()


def resumed_first(conn: Connection, queue: str, now: datetime) -> bool:
    """Whether the longest-waiting caller of `queue` (by first entry) is one who rang back:
    then an agent takes the rejoin queue before the queue itself."""
    recent = now - timedelta(seconds=RECENT_POLL_S)
    oldest = OLDEST_WAITING.with_only_columns(calls.c.call_id).subquery()
    rejoined = exists().where(call_events.c.call_id == oldest.c.call_id,
                              call_events.c.event == Event.RESUMED.value)
    return bool(conn.execute(select(rejoined), {"queue": queue, "recent": recent}).scalar())


def waiting_ahead(conn: Connection, queue: str, call_id: str, now: datetime) -> int:
    """Callers of the queue itself still waiting who entered before this rejoined caller."""
    recent = now - timedelta(seconds=RECENT_POLL_S)
    entered = select(calls.c.entered_at).where(calls.c.call_id == call_id).scalar_subquery()
    return int(conn.execute(select(func.count()).select_from(calls).where(
        calls.c.queue == queue, calls.c.outcome.is_(None), calls.c.call_id != call_id,
        calls.c.entered_at < entered, calls.c.last_polled_at >= recent)).scalar() or 0)
