"""Shared helpers for the simulator tests: small scenarios and batch-means standard errors."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from simulator.behaviour import Reactions
from simulator.distributions import Exponential, Lognormal, Weibull
from simulator.scenario import Callbacks, RateProfile, Scenario, Staffing, simple_scenario


def batch_se(values: np.ndarray, batches: int = 40) -> float:
    """Standard error of a mean over consecutive calls, from batch means.

    Waits of neighbouring callers are correlated (they share a queue), so the binomial
    formula would be too small; means of long consecutive batches are nearly independent.
    """
    means = np.array([chunk.mean() for chunk in np.array_split(values, batches)])
    return float(means.std(ddof=1) / np.sqrt(batches))


@pytest.fixture(name="batch_se")
def batch_se_fixture():
    """The batch-means standard error, for tests comparing a simulated mean with theory."""
    return batch_se


@pytest.fixture
def small_queue() -> Scenario:
    """Five agents, long enough waits that callers hear check-ins and offers."""
    return simple_scenario(calls=3000, agents=5, arrivals_per_min=1.0, service_mean_min=5,
                           patience_mean_min=8, reactions=Reactions())


LOG_RATES = RateProfile(((0, 0.0), (420, 0.8), (540, 2.0), (720, 1.6), (960, 1.2), (1140, 0.3),
                         (1320, 0.0)))
LOG_STAFF = Staffing(((0, 0), (420, 4), (540, 9), (720, 8), (960, 6), (1140, 2), (1320, 0)))
LOG_DAYS = 14
LOG_TRUTH = Scenario(calls=round(LOG_RATES.daily_calls * LOG_DAYS), arrivals=LOG_RATES,
                     agents=LOG_STAFF, service=Lognormal(300.0, 0.8),
                     patience=Weibull(180.0, 0.8))
"""A line with a day shape, known parameters and default reactions, for fit and backtest."""


@pytest.fixture(scope="session")
def known_log() -> pd.DataFrame:
    """Two weeks of calls under music and ads, generated from LOG_TRUTH (seeded)."""
    from simulator.run import policy_named, simulate

    return simulate(LOG_TRUTH, policy_named("music_ads"), np.random.default_rng(2024)).table.frame()


def callback_line_log(url: str, *, calls: int, agents: int, callbacks: Callbacks,
                      seed: int) -> dict:
    """A callback line's log made by the real app (the emulator) at `url`: callers offered a
    callback at once, six in ten taking it, talks of 3 minutes; the run's summary."""
    from emulator.run import emulate
    from hold_policies.config import parse_config

    eager = parse_config({"line": {"support_number": "+14155550000"}, "queues": {"support": {
        "policy": "callback", "callback": {"offer_after_estimate_s": 0,
                                           "offer_without_estimate_after_s": 0}}}})
    truth = Scenario(calls=calls, arrivals=RateProfile.constant(1.6),
                     agents=Staffing.constant(agents), service=Exponential(180.0),
                     patience=Exponential(600.0),
                     reactions=Reactions(callback_p=0.6, callback_if_too_long_p=0.6),
                     callbacks=callbacks)
    return emulate(truth, "callback", np.random.default_rng(seed), database_url=url,
                   config=eager).summary
