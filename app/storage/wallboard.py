"""Indexed, bounded reads for the live wallboard: who waits now, promises, and today.

Each query is served by an index (see migration 0006 and ix_calls_waiting) and returns at
most WAITING_LIMIT callers (with a COUNT of all of them) or one day of one queue, however long
the log is.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import Connection, case, func, select

from app.storage.callback_queue import OUTSTANDING, RECENT_POLL_S
from app.storage.db import as_utc
from app.storage.line_head import LINE_SINCE, in_line_order
from app.storage.read import entered_between, is_record
from app.storage.schema import call_events, callbacks, calls
from hold_policies.records import Event, Outcome

WAITING_LIMIT = 200


@dataclass(frozen=True)
class Waiting:
    call_id: str
    entered_at: datetime  # their wait runs from it
    line_since: datetime  # their place in line does (later for a caller put back in line)


@dataclass(frozen=True)
class DayCounts:
    calls: int
    by_outcome: dict[str, int]
    served: int  # answered in line or called back, with a known wait
    served_within: int
    served_wait_s: float
    answered_timed: int  # answered in line, with a known wait (the report's asa_s)
    answered_within: int
    answered_wait_s: float


def _in_line(queue: str, now: datetime) -> tuple:
    """Who counts as waiting now: unsettled, entered, and polled by Twilio recently."""
    recent = now - timedelta(seconds=RECENT_POLL_S)
    return (calls.c.queue == queue, calls.c.outcome.is_(None), calls.c.entered_at.is_not(None),
            calls.c.last_polled_at >= recent)


def waiting(conn: Connection, queue: str, now: datetime) -> list[Waiting]:
    """The first WAITING_LIMIT callers in line now, in Twilio's order (line_head: a caller
    put back after a Twilio error is behind those who entered before their return, as their
    check-ins count them); `waiting_count` says how many there are in all."""
    rows = conn.execute(in_line_order(_in_line(queue, now), WAITING_LIMIT)).mappings().all()
    return [Waiting(row["call_id"], as_utc(row["entered_at"]), as_utc(row[LINE_SINCE]))
            for row in rows]


def line_now(conn: Connection, queue: str, now: datetime) -> tuple[int, datetime | None]:
    """How many callers are in line now (however many the list leaves out), and when the
    longest-waiting of them entered (their wait runs from their first entry, wherever
    Twilio has them now; None with nobody in line), in one query."""
    count, first = conn.execute(select(func.count(), func.min(calls.c.entered_at)).where(
        *_in_line(queue, now))).one()
    return int(count), as_utc(first) if first is not None else None


def callbacks_keeping_place(conn: Connection, queue: str, before: datetime) -> list[datetime]:
    """When each outstanding callback of `queue` that entered before `before` entered, in
    order: they keep their place in line, so a caller behind them is told a place that
    counts them (prepared.CALLBACKS_AHEAD), and the board's places must count them too."""
    rows = conn.execute(select(callbacks.c.entered_at).where(
        callbacks.c.queue == queue, callbacks.c.status.in_(OUTSTANDING),
        callbacks.c.entered_at < before).order_by(callbacks.c.entered_at)).scalars()
    return [as_utc(entered) for entered in rows]


def last_told(conn: Connection, call_ids: list[str]) -> dict[str, str]:
    """The words of each call's latest announcement (by call id: one index lookup each)."""
    if not call_ids:
        return {}
    rows = conn.execute(select(call_events.c.call_id, call_events.c.data).where(
        call_events.c.call_id.in_(call_ids), call_events.c.event == Event.ANNOUNCE.value,
    ).order_by(call_events.c.call_id, call_events.c.time)).all()
    told: dict[str, str] = {}
    for row in rows:  # later rows of a call overwrite earlier ones
        text = json.loads(row.data or "{}").get("text")
        if text:
            told[row.call_id] = text
    return told


def callback_counts(conn: Connection, queue: str, now: datetime,
                    horizon: datetime) -> tuple[int, int, int]:
    """(promises not yet kept, those due before `horizon`, those booked while the line was
    closed that are due at an opening still to come: owed, not to be dialled yet), on the
    queue/status index."""
    risky = case((callbacks.c.promised_by <= horizon, 1), else_=0)
    not_yet = case((callbacks.c.due_at > now, 1), else_=0)
    row = conn.execute(select(func.count(), func.coalesce(func.sum(risky), 0),
                              func.coalesce(func.sum(not_yet), 0)).where(
        callbacks.c.queue == queue, callbacks.c.status.in_(OUTSTANDING))).one()
    return int(row[0]), int(row[1]), int(row[2])


def day_counts(conn: Connection, queue: str, since: datetime, threshold_s: float) -> DayCounts:
    """Outcomes of the call records (`read.is_record`, as `holdwell report` counts them) that
    entered the queue since `since` (as the report's --from reads it: a call that rang at
    23:59:55 and entered after midnight's welcome had been on no day's wallboard); a
    callback is served at its real wait."""
    served_wait = case((calls.c.outcome == Outcome.ANSWERED.value, calls.c.wait_s),
                       (calls.c.outcome == Outcome.CALLBACK_CONNECTED.value,
                        calls.c.callback_wait_s))
    rows = conn.execute(select(
        calls.c.outcome, func.count(), func.count(served_wait),
        func.coalesce(func.sum(case((served_wait <= threshold_s, 1), else_=0)), 0),
        func.coalesce(func.sum(served_wait), 0.0),
    ).where(calls.c.queue == queue, *entered_between(since), *is_record())
        .group_by(calls.c.outcome)).all()
    by_outcome = {row[0]: int(row[1]) for row in rows}
    answered = next((row for row in rows if row[0] == Outcome.ANSWERED.value),
                    (Outcome.ANSWERED.value, 0, 0, 0, 0.0))
    return DayCounts(calls=sum(by_outcome.values()), by_outcome=by_outcome,
                     served=sum(int(row[2]) for row in rows),
                     served_within=sum(int(row[3]) for row in rows),
                     served_wait_s=sum(float(row[4]) for row in rows),
                     answered_timed=int(answered[2]), answered_within=int(answered[3]),
                     answered_wait_s=float(answered[4]))
