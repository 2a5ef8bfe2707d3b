"""One run's intervals allow for callers who are not independent (batch means).

Callers of one run share the queue: a busy hour loses many together. A Wilson interval over
calls treats them as independent and was about half too narrow (72% of its "95%" intervals
held the mean over 40 seeds; `r3_coverage` in the session-10 review).
"""

from __future__ import annotations

import numpy as np
import pytest

from analytics.batch_means import BATCHES, MIN_PER_BATCH, run_interval
from simulator.metrics import wilson_interval


def seconds(hits: np.ndarray) -> np.ndarray:
    """One call a second: entry times as the run's clustering reads them."""
    return np.arange(hits.size, dtype=float)


def width(interval: list[float]) -> float:
    return interval[1] - interval[0]


def test_independent_calls_get_about_the_wilson_interval() -> None:
    rng = np.random.default_rng(7)
    hits = rng.random(6000) < 0.1
    ones = np.ones(hits.size, dtype=bool)
    batch = run_interval(hits, ones, seconds(hits))
    wilson = wilson_interval(int(hits.sum()), hits.size)
    assert batch[0] <= wilson[0] and wilson[1] <= batch[1]  # never narrower
    assert width(batch) < 1.5 * width(wilson)


def test_calls_lost_together_get_a_wider_interval() -> None:
    rng = np.random.default_rng(7)
    spells = rng.random(60) < 0.1  # sixty spells of a hundred calls, each lost or not together
    hits = np.repeat(spells, 100)
    ones = np.ones(hits.size, dtype=bool)
    wilson = wilson_interval(int(hits.sum()), hits.size)
    assert width(run_interval(hits, ones, seconds(hits))) > 3 * width(wilson)


def test_a_short_run_keeps_wilson_and_nothing_counted_is_none() -> None:
    short = np.zeros(BATCHES * MIN_PER_BATCH - 1, dtype=bool)
    short[::7] = True
    ones = np.ones(short.size, dtype=bool)
    wilson = wilson_interval(int(short.sum()), short.size)
    assert run_interval(short, ones, seconds(short)) == pytest.approx(wilson)
    assert run_interval(short, np.zeros(short.size, dtype=bool), seconds(short)) is None
