"""A day's schedule on the line's wall clock, as seconds of a run.

Rate profiles and staffing schedules name minutes of the line's day (`480` is its 08:00
opening). A run counts seconds from its start, a midnight on the line's clock; read as whole
days of 86,400 s, every minute after a daylight-saving change fell an hour off the wall
clock: a Berlin replay of the week of 2026-03-29 put the 08:00 agents on at 09:00, and the
callers of Monday's first hour, queuing on an open line with nobody staffed, all hung up.
Here the day's minutes are the line's own on every day of the run: a wall time the spring
change skips is taken as the change itself (03:00 in Berlin), and the hour the autumn change
repeats is taken once, its first time.
"""

from __future__ import annotations

from datetime import UTC, datetime, time, timedelta
from zoneinfo import ZoneInfo

import numpy as np

DAY_S = 86_400.0
UTC_NAME = "UTC"


def _moment(date: object, seconds: float, zone: ZoneInfo) -> datetime:
    """The real moment (UTC) of `seconds` of wall time after midnight of `date` in `zone`;
    a wall time the clocks skip is the moment they skip it at."""
    wall = datetime.combine(date, time(0)) + timedelta(seconds=seconds)  # naive: wall time
    first = wall.replace(tzinfo=zone, fold=0).astimezone(UTC)
    if first.astimezone(zone).replace(tzinfo=None) == wall:
        return first  # a real wall time (the first of two, in the repeated hour)
    # skipped: fold=1 reads it with the offset after the change, a moment before the change
    # (local time still short of `wall`), fold=0 one after it; the change lies between
    before, after = wall.replace(tzinfo=zone, fold=1).astimezone(UTC), first
    while after - before > timedelta(milliseconds=1):
        middle = before + (after - before) / 2
        if middle.astimezone(zone).replace(tzinfo=None) < wall:
            before = middle
        else:
            after = middle
    return after.replace(microsecond=0) + timedelta(seconds=round(after.microsecond / 1e6))


def wall_to_run_seconds(wall_s: np.ndarray, start: datetime, zone: str = UTC_NAME
                        ) -> np.ndarray:
    """Seconds from `start` (a midnight on the line's clock, `zone`) of moments given as
    wall-clock days: day number x 86,400 + seconds into that day on the wall clock. In UTC,
    or on days without a clock change, they are the same numbers."""
    wall_s = np.asarray(wall_s, dtype=float)
    if zone == UTC_NAME or wall_s.size == 0:
        return wall_s
    tz = ZoneInfo(zone)
    first = start.astimezone(tz).date()
    days, within = np.divmod(wall_s, DAY_S)
    numbers, which = np.unique(days, return_inverse=True)
    midnights, changing = np.empty(numbers.size), []
    for index, day in enumerate(numbers):
        date = first + timedelta(days=int(day))
        midnights[index] = (_moment(date, 0.0, tz) - start).total_seconds()
        ends = (_moment(date + timedelta(days=1), 0.0, tz) - start).total_seconds()
        if ends - midnights[index] != DAY_S:
            changing.append((index, date))
    out = midnights[which] + within
    for index, date in changing:  # the days the clocks change: each moment on its own
        mine = np.flatnonzero(which == index)
        out[mine] = [(_moment(date, float(w), tz) - start).total_seconds()
                     for w in within[mine]]
    return out
