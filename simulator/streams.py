"""Common random numbers: one stream per quantity, all spawned from the run's generator.

Comparing policies is only fair when every policy meets the same callers: the same arrival
times, talk times and patience. Each quantity therefore gets its own child generator, drawn
whole before the run; what the policies make callers do (reactions, callback answers) uses
streams of its own, so it can never shift the callers' numbers.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

import numpy as np

from simulator.scenario import DAY_S, RateProfile, ReplayedArrivals, Scenario
from simulator.wall_clock import UTC_NAME, wall_to_run_seconds

_BLOCK = 1 << 14


class UniformStream:
    """Uniform numbers from a generator, drawn in blocks so one draw costs a list index."""

    __slots__ = ("_block", "_i", "_rng")

    def __init__(self, rng: np.random.Generator) -> None:
        self._rng = rng
        self._block: list[float] = []
        self._i = 0

    def __call__(self) -> float:
        if self._i >= len(self._block):
            self._block = self._rng.random(_BLOCK).tolist()
            self._i = 0
        self._i += 1
        return self._block[self._i - 1]


@dataclass(frozen=True, eq=False)  # numpy columns: compare them with numpy
class Callers:
    """Every caller's numbers, in arrival order (seconds)."""

    arrivals_s: np.ndarray
    service_s: np.ndarray
    patience_s: np.ndarray

    def before(self, end_s: float | None) -> Callers:
        """The callers arriving before `end_s` (a scenario's horizon); all when None."""
        if end_s is None:
            return self
        keep = self.arrivals_s < end_s
        return Callers(self.arrivals_s[keep], self.service_s[keep], self.patience_s[keep])


@dataclass(frozen=True)
class Streams:
    """The generators of one run; `Streams.spawn(np.random.default_rng(seed))`."""

    arrivals: np.random.Generator
    service: np.random.Generator
    patience: np.random.Generator
    reactions: np.random.Generator
    callbacks: np.random.Generator

    @classmethod
    def spawn(cls, rng: np.random.Generator) -> Streams:
        return cls(*rng.spawn(5))

    def callers(self, scenario: Scenario) -> Callers:
        n = scenario.calls
        return Callers(
            arrivals_s=arrival_times(scenario.arrivals, n, self.arrivals,
                                     scenario.start, scenario.zone),
            service_s=scenario.service.sample(self.service, n),
            patience_s=scenario.patience.sample(self.patience, n),
        )


def arrival_times(
    arrivals: RateProfile | ReplayedArrivals, n: int, rng: np.random.Generator,
    start: datetime | None = None, zone: str = UTC_NAME,
) -> np.ndarray:
    """Seconds of `n` arrivals: a unit Poisson process mapped through the daily rate profile,
    whose minutes are the line's wall clock (`zone`) on every day of a run starting at
    `start`, its midnight (`wall_clock`: a Berlin profile's 08:00 rise stays at 08:00 after
    the clocks change)."""
    if isinstance(arrivals, ReplayedArrivals):
        return np.asarray(arrivals.times_s, dtype=float)
    unit = np.cumsum(rng.exponential(1.0, n))  # Lambda(t) of each arrival
    starts = np.array([start * 60 for start, _ in arrivals.steps] + [DAY_S])
    rates = np.array([rate / 60 for _, rate in arrivals.steps])
    cumulative = np.concatenate(([0.0], np.cumsum(rates * np.diff(starts))))
    # Invert Lambda piece by piece over the stretches with calls: a zero-rate stretch (a
    # closed line at night) gets no arrivals at all.
    open_ = rates > 0
    lam = np.column_stack([cumulative[:-1][open_], cumulative[1:][open_]]).ravel()
    at = np.column_stack([starts[:-1][open_], starts[1:][open_]]).ravel()
    days, within = np.divmod(unit, cumulative[-1])
    wall = days * DAY_S + np.interp(within, lam, at)
    return wall if start is None else wall_to_run_seconds(wall, start, zone)
