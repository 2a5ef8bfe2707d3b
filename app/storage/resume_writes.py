"""A dropped caller's second leg, joined to their first as one call (see hold_policies.resume).

The RESUMED fact's dedupe key is the new leg's SID, so the Queue url of that leg (which
Twilio calls with the leg's CallSid) finds the call it continues in one indexed lookup.
"""

from __future__ import annotations

import json
from datetime import datetime, timedelta
from typing import NamedTuple

from sqlalchemy import Connection, and_, func, or_, select, update

from app.storage import commands as c
from app.storage.callback_queue import RECENT_POLL_S
from app.storage.db import as_utc
from app.storage.facts import append_fact, ensure_call, project, status_key
from app.storage.line_head import LINE_SINCE_OF_CALL, in_line_order
from app.storage.prepared import rang_back, rejoined_ahead
from app.storage.rows import CallRow
from app.storage.schema import call_events, calls
from hold_policies.call_outcome import LEAVE
from hold_policies.config import REJOIN_SUFFIX
from hold_policies.records import Event, Outcome


def rejoin_queue(queue: str) -> str:
    """The Twilio queue rejoined callers wait in (agents take it first when it is their turn)."""
    return f"{queue}{REJOIN_SUFFIX}"


def leg_key(leg: str) -> str:
    return f"leg:{leg}"


def resume(conn: Connection, command: c.Resume) -> None:
    call = ensure_call(conn, command.call_id, command.queue, command.now, None)
    append_fact(conn, call, command.now, Event.RESUMED, leg_key(command.leg), None,
                {"leg": command.leg, "episode": command.episode})
    adopt_leg_status(conn, call, command.leg)
    # its place counts from the first entry again (prepared.rejoined_ahead), not from a
    # return after a Twilio error before the drop
    conn.execute(update(calls).where(calls.c.call_id == call.call_id).values(in_line_since=None))
    project(conn, call.call_id)  # waiting again: the first leg's hang-up no longer ends it


def bare_connect_key(leg: str) -> str:
    """A rejoined leg's answer applied before its Resume (call_writes.connect)."""
    return f"{leg}:CONNECT:rejoined"


def adopt_leg_status(conn: Connection, call: CallRow, leg: str) -> None:
    """The new leg's status callback and its answer, if they came before this (kept as bare
    facts under the leg's SID), become the call's: the same record whichever came first."""
    for key, adopted_key in ((status_key(leg), None),
                             (bare_connect_key(leg), f"{call.call_id}:CONNECT")):
        data = conn.execute(select(call_events.c.data).where(
            call_events.c.dedupe_key == key, call_events.c.call_id == leg)).scalar()
        if data is None:
            continue
        conn.execute(update(call_events).where(call_events.c.dedupe_key == key).values(
            call_id=call.call_id, queue=call.queue, policy=call.policy, arm=call.arm,
            dedupe_key=adopted_key or key,
            data=json.dumps({**json.loads(data or "{}"), "leg": leg}, sort_keys=True)))


WRITES = {c.Resume: resume}


class Dropped(NamedTuple):
    """A call whose caller may ring back into their place."""

    call_id: str
    hung_up_at: datetime
    last_checkin_at: datetime | None
    episode: int  # the time in line the rejoined leg starts (how many it has had, plus one)
    policy: str  # what the caller heard: the rejoined leg hears the same (one arm per call)
    arm: str


def last_dropped(conn: Connection, queue: str, number: str, since: datetime
                 ) -> Dropped | None:
    """The latest call from `number` in `queue` that hung up in line since `since`:
    abandoned, or past the overflow offer and still in line (outcome overflow) — not one
    sent away by the offer (LEAVE) nor one the full queue never took in."""
    sent_away = select(call_events.c.id).where(call_events.c.call_id == calls.c.call_id,
                                               call_events.c.event == LEAVE).exists()
    hung_up_in_line = or_(
        calls.c.outcome == Outcome.ABANDONED.value,
        and_(calls.c.outcome == Outcome.OVERFLOW.value, calls.c.entered_at.is_not(None),
             ~sent_away))
    row = conn.execute(select(calls.c.call_id, calls.c.departed_at, calls.c.last_announced_at,
                              calls.c.policy, calls.c.arm)
                       .where(calls.c.queue == queue, calls.c.from_number == number,
                              hung_up_in_line, calls.c.departed_at >= since)
                       .order_by(calls.c.departed_at.desc()).limit(1)).first()
    if row is None:
        return None
    episodes = [json.loads(data or "{}").get("episode", 0) for data in conn.execute(
        select(call_events.c.data).where(call_events.c.call_id == row.call_id)).scalars()]
    return Dropped(row.call_id, as_utc(row.departed_at), as_utc(row.last_announced_at),
                   max(episodes, default=0) + 1, row.policy, row.arm)


def resumed_by(conn: Connection, leg: str) -> Dropped | None:
    """The call `leg` already rejoined (its RESUMED fact), as it was put back: a retried
    /voice/incoming of that leg must answer the same, and last_dropped no longer finds the
    call (waiting again, it is no drop)."""
    row = conn.execute(select(call_events.c.call_id, call_events.c.time, call_events.c.data,
                              calls.c.last_announced_at, calls.c.policy, calls.c.arm)
                       .join(calls, calls.c.call_id == call_events.c.call_id)
                       .where(call_events.c.dedupe_key == leg_key(leg))).first()
    if row is None:
        return None
    episode = json.loads(row.data or "{}").get("episode", 1)
    return Dropped(row.call_id, as_utc(row.time), as_utc(row.last_announced_at), episode,
                   row.policy, row.arm)


def call_of_leg(conn: Connection, leg: str) -> str | None:
    return conn.execute(select(call_events.c.call_id).where(
        call_events.c.dedupe_key == leg_key(leg))).scalar()


def rejoined_waiting(conn: Connection, queue: str, now: datetime
                     ) -> list[tuple[str, datetime]]:
    """Callers of `queue` in its rejoin queue, still on the line (polled recently), in that
    queue's order (Twilio's: when they joined it, just after they rang back): (call, first
    entry). Few: only RESUMED facts since the oldest waiting caller entered are read."""
    recent = now - timedelta(seconds=RECENT_POLL_S)
    facts = rang_back(queue).subquery()
    rows = conn.execute(
        select(calls.c.call_id, calls.c.entered_at).join(facts, facts.c.call_id == calls.c.call_id)
        .where(calls.c.queue == queue, calls.c.outcome.is_(None),
               calls.c.entered_at.is_not(None), calls.c.last_polled_at >= recent)
        .group_by(calls.c.call_id, calls.c.entered_at)
        .order_by(func.max(facts.c.time), calls.c.call_id)).all()
    return [(row.call_id, as_utc(row.entered_at)) for row in rows]


def _in_queue_itself(queue: str, now: datetime):  # noqa: ANN202 - a SQL condition
    """Callers waiting in the queue itself (not rejoined), still on the line."""
    recent = now - timedelta(seconds=RECENT_POLL_S)
    resumed = rang_back(queue).with_only_columns(call_events.c.call_id)
    return (calls.c.queue == queue, calls.c.outcome.is_(None), calls.c.entered_at.is_not(None),
            calls.c.last_polled_at >= recent, calls.c.call_id.not_in(resumed))


def resumed_first(conn: Connection, queue: str, now: datetime) -> bool:
    """Whether an agent takes the rejoin queue before the queue itself: Twilio lets an agent
    take only a queue's head, so the older of the two heads by first entry goes first (a
    rejoined caller who rang back later than another but entered earlier still waits behind
    them: the README's measured Twilio limit). The queue's own head is the one Twilio gives,
    weighed from when its time in line began (app.storage.line_head): a caller put back after
    an error counts from their return, as the callbacks before the head do."""
    waiting = rejoined_waiting(conn, queue, now)
    if not waiting:
        return False
    head_entered = waiting[0][1]
    main_head = conn.execute(in_line_order(_in_queue_itself(queue, now), 1)).first()
    return main_head is None or head_entered < as_utc(main_head.line_since)


def waiting_ahead(conn: Connection, queue: str, call_id: str, now: datetime
                  ) -> tuple[int, int]:
    """For a rejoined caller: callers of the queue itself still waiting whose time in line
    began before their first entry (a caller put back after a Twilio error: at their return),
    and rejoined callers who entered before it (the count every poll adds,
    prepared.rejoined_ahead)."""
    entered = select(calls.c.entered_at).where(calls.c.call_id == call_id).scalar_subquery()
    main = select(func.count()).select_from(calls).where(
        *_in_queue_itself(queue, now), calls.c.call_id != call_id,
        entered > LINE_SINCE_OF_CALL)
    row = conn.execute(select(main.scalar_subquery().label("main"),
                              rejoined_ahead(queue, entered).scalar_subquery().label("rejoined")
                              )).one()
    return int(row.main or 0), int(row.rejoined or 0)
