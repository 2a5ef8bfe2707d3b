"""How far this host's clock is from the database server's: every host stamps the call log
with its own clock, so a host whose clock is off writes waits that are off by as much
(an entry on one host, a hang-up on another), and a check-in can fall before its entry."""

from __future__ import annotations

import time
from collections.abc import Callable
from datetime import datetime

from sqlalchemy import Connection, text

from app.clock import Clock
from app.storage.db import as_utc

CLOCK_OFFSET_WARN_S = 1.0
"""An offset past this is said in /healthz: a second is as fine as the log's waits are read
(queue_log and Twilio's QueueTime are whole seconds)."""
SERVER_NOW = text("SELECT clock_timestamp()")


def clock_offset_s(conn: Connection, clock: Clock,
                   monotonic: Callable[[], float] = time.monotonic) -> float | None:
    """Seconds this host's clock is ahead of the database server's (negative: behind),
    read at the middle of the round trip; None on a database without a server clock of its
    own (SQLite: the same host's)."""
    if conn.dialect.name != "postgresql":
        return None
    sent = monotonic()
    here = clock.now()
    server: datetime = as_utc(conn.execute(SERVER_NOW).scalar_one())
    half_trip_s = (monotonic() - sent) / 2  # the server read its clock about then
    return (here - server).total_seconds() + half_trip_s


def offset_warning(offset_s: float | None, limit_s: float = CLOCK_OFFSET_WARN_S) -> str | None:
    """The words for an offset past `limit_s` (None: within it, or not measured)."""
    if offset_s is None or abs(offset_s) <= limit_s:
        return None
    side = "ahead of" if offset_s > 0 else "behind"
    return (f"clock: this host's clock is {abs(offset_s):.1f} s {side} the database's; waits "
            "it logs for calls other hosts also served are off by as much (sync it with NTP)")
