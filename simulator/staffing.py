"""Agents on duty: a heap of the times each agent next becomes free, following the schedule.

An agent who is free now has a free time in the past, so the heap's first entry answers
"is anyone free?" and "who is free first?". When the schedule adds agents they are free at
the change; when it removes some, the agents who would be free soonest go off duty (idle
agents at once, busy ones after their call: a call is never cut).
"""

from __future__ import annotations

import heapq
import math
from collections.abc import Iterator
from datetime import datetime

from simulator.scenario import DAY_S, Staffing
from simulator.wall_clock import UTC_NAME, wall_to_run_seconds

INF = math.inf


def staffing_changes(staffing: Staffing, start: datetime | None = None,
                     zone: str = UTC_NAME) -> Iterator[tuple[float, int]]:
    """(time s, agents from then on) for every change after time 0, day after day: the
    schedule's minutes on the line's wall clock (`zone`) of a run starting at `start`, its
    midnight, so a change of the clocks moves the schedule with them (`wall_clock`)."""
    steps = [(start * 60, int(n)) for start, n in staffing.steps]
    if len({n for _, n in steps}) == 1:
        return
    current, day, last = staffing.initial, 0.0, 0.0
    while True:
        for minute, agents in steps:
            if agents != current and day + minute > 0:
                at = day + minute if start is None else float(
                    wall_to_run_seconds([day + minute], start, zone)[0])
                last = max(at, last)  # a skipped wall time can fall on the one before
                yield last, agents
                current = agents
        day += DAY_S


class Agents:
    """The agents' free times (a heap) and the next change of the schedule."""

    __slots__ = ("_changes", "_next_count", "count", "free", "next_change")

    def __init__(self, staffing: Staffing, start: datetime | None = None,
                 zone: str = UTC_NAME) -> None:
        self.count = staffing.initial
        self.free: list[float] = [0.0] * self.count
        self._changes = staffing_changes(staffing, start, zone)
        self.next_change, self._next_count = next(self._changes, (INF, self.count))

    def change(self) -> None:
        """Apply the schedule change due at `next_change`."""
        at, target, free = self.next_change, self._next_count, self.free
        for _ in range(target - self.count):
            heapq.heappush(free, at)
        for _ in range(self.count - target):
            heapq.heappop(free)
        self.count = target
        self.next_change, self._next_count = next(self._changes, (INF, target))
