"""How fast each queue moves, read once a second per process and shared by all its callers.

Every waitUrl poll needs its queue's recent departures for the wait estimate. That is one
number per queue, the same for every caller in it, yet counting it per poll made each poll pay
a query over the estimate window (issue 11's throughput profile). A queue's reading is kept
for `ttl_s` of the log's own clock (the `now` of the request, so a virtual clock in tests and
the simulator is honoured) and dropped whenever this process writes a fact that may be a
departure. Another host's departures show up here within `ttl_s`, which moves an estimate
made over a 15-minute window by at most a second's worth of departures. Only the departure
count is ever stale: the window is measured to each request's own `now`, and the log's start
is fixed once it has one (an empty log is read again on every poll). The queue's callback
answer rate (for sizing callback promises, hold_policies.promise) rides along, read once a
minute.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass, replace
from datetime import datetime, timedelta

from sqlalchemy import Connection, case, func, literal, select

from app.storage.db import as_utc
from app.storage.prepared import QUEUE_FLOW, param
from app.storage.schema import call_events
from hold_policies.estimate import QueueFlow
from hold_policies.promise import ANSWER_WINDOW_S
from hold_policies.records import Event

TTL_S = 1.0
ANSWERS_TTL_S = 60.0
"""How long a queue's callback answer rate is reused: measured over a day of attempts, it
moves slowly, so it costs one small query per queue per minute per process, never a poll's."""

_ATTEMPT, _CONNECT = literal(Event.CALLBACK_ATTEMPT.value), literal(Event.CALLBACK_CONNECT.value)
CALLBACK_ANSWERS = select(
    func.coalesce(func.sum(case((call_events.c.event == _ATTEMPT, 1), else_=0)), 0)
    .label("attempts"),
    func.coalesce(func.sum(case((call_events.c.event == _CONNECT, 1), else_=0)), 0)
    .label("answered"),
).where(  # ix_call_events_queue_event_time reads only these two events
    call_events.c.queue == param("queue", call_events.c.queue),
    call_events.c.event.in_([_ATTEMPT, _CONNECT]),
    call_events.c.time > param("since", call_events.c.time),
    call_events.c.time <= param("now", call_events.c.time),
)
"""Callback attempts and the answered ones (CALLBACK_CONNECT) in a queue over a window."""


@dataclass(frozen=True)
class Reading:
    """A queue's departures (and the hang-ups among them) over the window ending `at`, when
    the last one served left, and when its log began."""

    at: datetime
    window_s: float
    departures: int
    first_event_at: datetime | None
    abandons: int = 0
    last_served_at: datetime | None = None  # the latest departure in the window not a hang-up

    def flow(self, now: datetime) -> QueueFlow:
        """The reading as seen at `now`: the measuring window ends now, shorter if the log
        began more recently than the window."""
        since = now - timedelta(seconds=self.window_s)
        first = self.first_event_at
        window = (now - max(since, first)).total_seconds() if first else 0.0
        served = self.last_served_at
        quiet = max((now - served).total_seconds(), 0.0) if served is not None else None
        return QueueFlow(departures=self.departures, window_s=window, abandons=self.abandons,
                         quiet_s=quiet)


class QueueFlows:
    """Per-queue readings of this process, each valid for `ttl_s` after it was taken."""

    def __init__(self, ttl_s: float = TTL_S, answers_ttl_s: float = ANSWERS_TTL_S) -> None:
        self.ttl = timedelta(seconds=ttl_s)
        self.answers_ttl = timedelta(seconds=answers_ttl_s)
        self._readings: dict[str, Reading] = {}
        self._answers: dict[str, tuple[datetime, int, int]] = {}  # at, attempts, answered
        self._served_seen: dict[str, tuple[datetime, datetime]] = {}  # last answer, seen at
        self._lock = threading.Lock()

    def flow(self, conn: Connection, queue: str, now: datetime, window_s: float) -> QueueFlow:
        """The queue's flow at `now`: the shared reading, or a fresh one from `conn`; with the
        queue's callback answers (kept `answers_ttl_s`, and not dropped by `forget`)."""
        reading = self._readings.get(queue)
        if (reading is None or reading.window_s != window_s
                or not reading.at <= now < reading.at + self.ttl):
            reading = read_flow(conn, queue, now, window_s)
            if reading.first_event_at is not None:  # an empty log is about to begin
                with self._lock:
                    self._readings[queue] = reading
        flow = self._quiet_by_this_clock(queue, reading.flow(now), reading.last_served_at, now)
        attempts, answered = self.answers(conn, queue, now)
        if not attempts:
            return flow
        return replace(flow, callback_attempts=attempts, callbacks_answered=answered)

    def _quiet_by_this_clock(self, queue: str, flow: QueueFlow, served: datetime | None,
                             now: datetime) -> QueueFlow:
        """The quiet time no longer than this process has seen the same last answer: that
        answer's time was stamped by whichever host logged it, and a host whose clock ran
        40 s ahead of it had read every fast line as stopped and told no waits (reviewer
        34). A clock behind only shortens the quiet time, the safe side; a fresh process
        starts its count at its first reading."""
        if served is None or flow.quiet_s is None:
            return flow
        seen = self._served_seen.get(queue)
        if seen is None or seen[0] != served:  # a new last answer (a lock only then)
            with self._lock:
                seen = self._served_seen[queue] = (served, now)
        by_this_clock = max((now - seen[1]).total_seconds(), 0.0)
        return replace(flow, quiet_s=min(flow.quiet_s, by_this_clock))

    def answers(self, conn: Connection, queue: str, now: datetime) -> tuple[int, int]:
        """Callback attempts and answers in the queue over the last `ANSWER_WINDOW_S`."""
        found = self._answers.get(queue)
        if found is None or not found[0] <= now < found[0] + self.answers_ttl:
            row = conn.execute(CALLBACK_ANSWERS, {
                "queue": queue, "since": now - timedelta(seconds=ANSWER_WINDOW_S),
                "now": now}).one()
            found = (now, int(row.attempts), int(row.answered))
            with self._lock:
                self._answers[queue] = found
        return found[1], found[2]

    def forget(self) -> None:
        """A departure may have been logged here: the next poll reads afresh."""
        with self._lock:
            self._readings = {}


def read_flow(conn: Connection, queue: str, now: datetime, window_s: float) -> Reading:
    """One query: departures from `queue` in the window (and the hang-ups among them), and
    the log's start."""
    since = now - timedelta(seconds=window_s)
    row = conn.execute(QUEUE_FLOW, {"queue": queue, "since": since, "now": now}).one()
    return Reading(at=now, window_s=window_s, departures=row.departures,
                   first_event_at=as_utc(row.first_event_at), abandons=int(row.abandons or 0),
                   last_served_at=as_utc(row.last_served_at))
