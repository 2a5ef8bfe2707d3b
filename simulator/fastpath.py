"""The quickest path: when nothing a caller hears can change an outcome, skip the polls.

With reactions off, callers ignore what they hear. If the policy also offers no keys and its
segments do not depend on the caller's position or estimate (silence, music and ads), every
waiting caller hears the same timeline, so it is asked of the policy once (`inert_timeline`)
and outcomes follow from the first-come-first-served recursion alone: caller i starts service
at max(arrival, first agent free) unless that is after arrival + patience (Kiefer–Wolfowitz
with reneging). This is the same queue as the polled engine, only without the listening.
"""

from __future__ import annotations

import heapq
import math
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np

from hold_policies.base import HoldPolicy
from hold_policies.situation import Situation, WaitEstimate
from simulator.heard import MIN_SEGMENT_S, ends_the_wait, heard_from_segment
from simulator.scenario import Scenario
from simulator.staffing import Agents
from simulator.streams import Callers
from simulator.table import ABANDONED, ANSWERED, CallTable

INF = math.inf
PROBE_S = 4 * 3600.0
_PROBES = ((1, 1, None), (7, 12, WaitEstimate(200.0, 300.0, 20)),
           (60, 90, WaitEstimate(2400.0, 3000.0, 400)))
"""Situations whose timelines must agree: position, queue size, estimate."""


@dataclass(frozen=True, eq=False)  # numpy columns: compare them with numpy
class Timeline:
    """When each segment starts (seconds in queue) and the announcements heard by its start."""

    starts_s: np.ndarray
    announced_through: np.ndarray  # [k] = announcements among segments 0..k


def _probe(policy: HoldPolicy, queue: str, probe: tuple, horizon_s: float) -> list[tuple]:
    """The segments a caller who never presses hears, as comparable tuples."""
    position, size, estimate = probe
    waited, heard, announced, last = 0.0, 0, 0, None
    out = []
    while waited < horizon_s:
        since = None if last is None else waited - last
        segment = policy.next_segment(
            Situation(queue, "probe", position, waited, size, estimate, heard, announced, since))
        ends = ends_the_wait(segment)
        length = max(heard_from_segment(segment).duration_s, MIN_SEGMENT_S)
        out.append((waited, segment.is_announcement, segment.offered_keys, ends,
                    segment.announced_position, segment.announced_wait_s, segment.kind))
        heard += 1
        if segment.is_announcement:
            announced, last = announced + 1, waited
        waited += length
    return out


_TIMELINES: dict[tuple[HoldPolicy, str, float], Timeline | None] = {}


def inert_timeline(policy: HoldPolicy, queue: str, horizon_s: float = PROBE_S) -> Timeline | None:
    """The one timeline every caller hears, or None when the policy must be polled (probed
    once per policy, queue and horizon: policies are frozen and pure)."""
    key = (policy, queue, horizon_s)
    try:
        return _TIMELINES[key]
    except KeyError:
        found = _TIMELINES[key] = _probe_timeline(policy, queue, horizon_s)
        return found
    except TypeError:  # an unhashable policy
        return _probe_timeline(policy, queue, horizon_s)


def _probe_timeline(policy: HoldPolicy, queue: str, horizon_s: float) -> Timeline | None:
    runs = [_probe(policy, queue, probe, horizon_s) for probe in _PROBES]
    first = runs[0]
    if any(run != first for run in runs[1:]):
        return None
    if any(keys or ends or pos is not None or wait is not None
           for _, _, keys, ends, pos, wait, _ in first):
        return None
    starts = np.array([row[0] for row in first])
    return Timeline(starts, np.cumsum([row[1] for row in first], dtype=np.int64))


def fcfs_with_reneging(scenario: Scenario, callers: Callers,
                       progress: Callable[[int], None] | None = None) -> np.ndarray:
    """Service start of every caller in arrival order (-1: hung up before an agent was free)."""
    arrivals = callers.arrivals_s.tolist()
    talk, handoff = callers.service_s.tolist(), scenario.handoff
    at_once = (callers.service_s + handoff.connect_after(0.0)).tolist()
    deadline = (callers.arrivals_s + callers.patience_s).tolist()
    n = len(arrivals)
    start = [-1.0] * n
    agents = Agents(scenario.agents, scenario.start, scenario.zone)
    free, change = agents.free, agents.next_change
    replace = heapq.heapreplace
    step = max(n // 100, 1)
    for lo in range(0, n, step):
        for i in range(lo, min(lo + step, n)):
            a = arrivals[i]
            if change <= a:
                change = _staff_until(agents, a)
            f = free[0] if free else INF
            if f <= a:  # an agent is free: answered at once
                replace(free, a + at_once[i])
                start[i] = a
                continue
            if change <= f:  # the schedule changes before this caller's turn
                change = _staff_until(agents, f, a)
                f = free[0] if free else INF
            if f <= deadline[i]:
                replace(free, f + talk[i] + handoff.connect_after(f - a))
                start[i] = f
        if progress is not None:
            progress(min(lo + step, n) - lo)
    return np.array(start)


def _staff_until(agents: Agents, until: float, arrived: float | None = None) -> float:
    """Apply schedule changes up to `until` (or, for a waiting caller, up to their turn)."""
    free = agents.free
    while agents.next_change <= until and agents.next_change < INF:
        agents.change()
        if arrived is not None:
            until = max(free[0], arrived) if free else INF
    return agents.next_change


def _positions(arrivals: np.ndarray, exits: np.ndarray) -> np.ndarray:
    """Position on entering: 1 + earlier callers still in line (exit after this arrival)."""
    n = arrivals.size
    done_by = np.searchsorted(np.sort(exits), arrivals, side="right")
    zero_wait = (exits == arrivals).astype(np.int64)
    if n < 2 or np.all(arrivals[1:] > arrivals[:-1]):  # no two callers arrive together
        return 1 + np.arange(n) - (done_by - zero_wait)
    from_here = np.concatenate((np.cumsum(zero_wait[::-1])[::-1], [0]))
    group_end = np.searchsorted(arrivals, arrivals, side="right")
    later_done = from_here[np.arange(n)] - from_here[group_end]  # same-instant arrivals
    return 1 + np.arange(n) - (done_by - later_done)


def most_waiting(arrivals: np.ndarray, exits: np.ndarray, waited: np.ndarray) -> int:
    """The most callers in line at once (those who waited, from arrival to exit; one who
    leaves as another arrives is gone first)."""
    times = np.concatenate([arrivals[waited], exits[waited]])
    steps = np.concatenate([np.ones(int(waited.sum()), np.int64),
                            -np.ones(int(waited.sum()), np.int64)])
    order = np.lexsort((steps, times))  # at one moment, -1 before +1
    return int(np.cumsum(steps[order]).max(initial=0))


def run_inert(scenario: Scenario, policy: HoldPolicy, callers: Callers, timeline: Timeline,
              progress: Callable[[int], None] | None = None) -> CallTable | None:
    """Simulate without polling; None if some wait outlasts the probed timeline's agreement."""
    begin = fcfs_with_reneging(scenario, callers, progress)
    arrivals = callers.arrivals_s
    served = begin >= 0
    wait = np.where(served, begin - arrivals, callers.patience_s)
    exits = arrivals + wait
    full_at = scenario.queue_max_size
    if full_at is not None and most_waiting(arrivals, exits, wait > 0) >= full_at:
        return None  # the line reaches max_size: queue-full turns callers away (polled)
    longest = float(wait.max(initial=0.0))
    if longest >= timeline.starts_s[-1]:
        timeline = inert_timeline(policy, scenario.queue, longest + 3600.0)
        if timeline is None:
            return None
    n, nan = arrivals.size, np.full(arrivals.size, np.nan)
    announcements = np.zeros(n, np.int64)
    if timeline.announced_through[-1] > 0:
        started = np.searchsorted(timeline.starts_s, wait, side="left")  # segments begun
        waited = wait > 0
        announcements[waited] = timeline.announced_through[started[waited] - 1]
    return CallTable(
        queue=scenario.queue, policy=policy.name, start=scenario.start, entered_s=arrivals,
        outcome=np.where(served, ANSWERED, ABANDONED).astype(np.int8), wait_s=wait,
        orig_position=_positions(arrivals, exits), announcements=announcements,
        first_announced_wait_s=nan, callback_wait_s=nan.copy(),
        callback_requested=np.zeros(n, bool), callback_promised_wait_s=nan.copy(),
        first_announced_at_s=nan.copy(), callback_requested_at_s=nan.copy(),
        talk_s=np.where(served, callers.service_s + scenario.handoff.connects_after(wait),
                        np.nan),
        callback_attempts=np.zeros(n, np.int64),
    )

