"""How fast each queue moves, read once a second per process and shared by all its callers.

Every waitUrl poll needs its queue's recent departures for the wait estimate. That is one
number per queue, the same for every caller in it, yet counting it per poll made each poll pay
a query over the estimate window (issue 11's throughput profile). A queue's reading is kept
for `ttl_s` of the log's own clock (the `now` of the request, so a virtual clock in tests and
the simulator is honoured) and dropped whenever this process writes a fact that may be a
departure. Another host's departures show up here within `ttl_s`, which moves an estimate
made over a 15-minute window by at most a second's worth of departures. Only the departure
count is ever stale: the window is measured to each request's own `now`, and the log's start
is fixed once it has one (an empty log is read again on every poll).
"""

from __future__ import annotations

import threading
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import Connection

from app.storage.db import as_utc
from app.storage.prepared import QUEUE_FLOW
from hold_policies.estimate import QueueFlow

TTL_S = 1.0


@dataclass(frozen=True)
class Reading:
    """A queue's departures over the window ending `at`, and when its log began."""

    at: datetime
    window_s: float
    departures: int
    first_event_at: datetime | None

    def flow(self, now: datetime) -> QueueFlow:
        """The reading as seen at `now`: the measuring window ends now, shorter if the log
        began more recently than the window."""
        since = now - timedelta(seconds=self.window_s)
        first = self.first_event_at
        window = (now - max(since, first)).total_seconds() if first else 0.0
        return QueueFlow(departures=self.departures, window_s=window)


class QueueFlows:
    """Per-queue readings of this process, each valid for `ttl_s` after it was taken."""

    def __init__(self, ttl_s: float = TTL_S) -> None:
        self.ttl = timedelta(seconds=ttl_s)
        self._readings: dict[str, Reading] = {}
        self._lock = threading.Lock()

    def flow(self, conn: Connection, queue: str, now: datetime, window_s: float) -> QueueFlow:
        """The queue's flow at `now`: the shared reading, or a fresh one from `conn`."""
        reading = self._readings.get(queue)
        if (reading is None or reading.window_s != window_s
                or not reading.at <= now < reading.at + self.ttl):
            reading = read_flow(conn, queue, now, window_s)
            if reading.first_event_at is not None:  # an empty log is about to begin
                with self._lock:
                    self._readings[queue] = reading
        return reading.flow(now)

    def forget(self) -> None:
        """A departure may have been logged here: the next poll reads afresh."""
        with self._lock:
            self._readings = {}


def read_flow(conn: Connection, queue: str, now: datetime, window_s: float) -> Reading:
    """One query: departures from the head of `queue` in the window, and the log's start."""
    since = now - timedelta(seconds=window_s)
    row = conn.execute(QUEUE_FLOW, {"queue": queue, "since": since, "now": now}).one()
    return Reading(at=now, window_s=window_s, departures=row.departures,
                   first_event_at=as_utc(row.first_event_at))
