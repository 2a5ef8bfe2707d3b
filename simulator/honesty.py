"""Every announced wait of a simulated day, scored against the wait that followed.

The report's `kept_longer_than_told_share` scores each caller's *first* announced wait; a
caller far back in a long line hears several, and the later ones, told nearer the front, are
where an estimate that mistakes hang-ups behind a caller for the line moving goes wrong. This
scores them all, by the position the caller was told at.

Definitions: analytics.told_waits (the same rule, for a real log's ANNOUNCE events), with
times in seconds in queue: a wait told at t sets the deadline t + told.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from analytics.told_waits import POSITION_BANDS, band_of, score
from hold_policies.base import HoldPolicy
from simulator.engine import PolledEngine
from simulator.scenario import Scenario
from simulator.streams import Streams
from simulator.table import ABANDONED, ANSWERED, CallTable


@dataclass(frozen=True)
class ToldWaits:
    """One run's calls and every wait told in it (arrays of equal length, one per telling)."""

    table: CallTable
    caller: np.ndarray
    told_at_s: np.ndarray  # seconds in queue when told
    told_s: np.ndarray  # the wait told (the band's seconds)
    position: np.ndarray

    def scored(self) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """(late, scored, answered) masks over the tellings, per the module's definitions."""
        answered = self.table.outcome[self.caller] == ANSWERED
        late, scored = score(self.table.wait_s[self.caller], self.told_at_s + self.told_s,
                             answered)
        return late, scored & ~self.table.callback_requested[self.caller], answered

    def remaining_s(self) -> np.ndarray:
        """The wait left after each telling (meaningful where the caller was answered)."""
        return self.table.wait_s[self.caller] - self.told_at_s


def told_waits(scenario: Scenario, policy: HoldPolicy, seed: int) -> ToldWaits:
    """Run `scenario` under `policy` (the polled engine, as `simulator.run.simulate` runs a
    policy whose words depend on the caller's situation) keeping every wait told."""
    streams = Streams.spawn(np.random.default_rng(seed))
    engine = PolledEngine(scenario, policy, streams, streams.callers(scenario))
    engine.ledger.told = told = []
    table = engine.run()
    rows = np.asarray(told, float).reshape(-1, 4)
    return ToldWaits(table, rows[:, 0].astype(np.int64), rows[:, 1], rows[:, 2],
                     rows[:, 3].astype(np.int64))


@dataclass(frozen=True)
class Honesty:
    """Late shares of the waits told on one line, over its runs."""

    abandoned_share: float  # of calls
    scored: int
    late: int
    by_band: tuple[tuple[int, int], ...]  # (late, scored) per POSITION_BANDS
    told_mean_s: float  # over the tellings whose caller was answered (in time or late)
    remaining_mean_s: float  # the same tellings' real wait left

    @property
    def late_share(self) -> float | None:
        return self.late / self.scored if self.scored else None

    def band_share(self, k: int) -> float | None:
        late, scored = self.by_band[k]
        return late / scored if scored else None


def honesty(runs: Sequence[ToldWaits]) -> Honesty:
    """Pool the runs of one line."""
    late_n = scored_n = 0
    bands = [[0, 0] for _ in POSITION_BANDS]
    told, left, calls, abandoned = [], [], 0, 0
    for run in runs:
        late, scored, answered = run.scored()
        late_n += int(late.sum())
        scored_n += int(scored.sum())
        band = band_of(run.position)
        for k in range(len(POSITION_BANDS)):
            inside = scored & (band == k)
            bands[k][0] += int((late & inside).sum())
            bands[k][1] += int(inside.sum())
        told.append(run.told_s[answered])
        left.append(run.remaining_s()[answered])
        calls += len(run.table)
        abandoned += run.table.count(ABANDONED)
    told_all, left_all = np.concatenate(told), np.concatenate(left)
    return Honesty(abandoned / calls if calls else 0.0, scored_n, late_n,
                   tuple((late, n) for late, n in bands),
                   float(told_all.mean()) if len(told_all) else float("nan"),
                   float(left_all.mean()) if len(left_all) else float("nan"))
