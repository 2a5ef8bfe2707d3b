"""The backtest predicts with the twin `holdwell fit` writes: callers' callback take-up fitted
to the training days' measured acceptance. It had kept the behaviour model's assumption
(callback_p 0.2), so a line whose callers take a tenth as many callbacks was backtested
with a twin `fit` never writes (planner's audit)."""

from __future__ import annotations

from dataclasses import replace

import numpy as np
import pytest

from simulator.backtest import backtest
from simulator.backtest_report import backtest_table
from simulator.behaviour import Reactions
from simulator.fit_results import ASSUMED_TAKE_UP
from simulator.scenario import RateProfile, Staffing
from tests.simulator.conftest import LOG_TRUTH


@pytest.fixture(scope="module")
def eager_log():
    """Four days of a callback line whose callers seldom take an offer."""
    from simulator.run import policy_named, simulate

    rates = RateProfile(((0, 0.0), (540, 2.0), (720, 0.0)))
    truth = replace(LOG_TRUTH, arrivals=rates, calls=round(rates.daily_calls * 4),
                    agents=Staffing(((0, 0), (540, 7), (720, 0))),
                    reactions=Reactions(callback_p=0.02, callback_if_too_long_p=0.08))
    return simulate(truth, policy_named("callback"), np.random.default_rng(7)).table.frame()


def test_the_backtests_twin_takes_up_callbacks_as_the_log_did(eager_log):
    result = backtest(eager_log, test_days=1, replications=2, seed=1, workers=1)
    fitted = result.twin.take_up
    assert fitted.status in ("fitted", "nearest")
    assert fitted.callback_p < 0.5 * ASSUMED_TAKE_UP.callback_p
    assert "fitted to the measured acceptance" in backtest_table(result) or \
        "the nearest the model comes to" in backtest_table(result)
    kept = backtest(eager_log, test_days=1, replications=2, seed=1, workers=1, take_up=False)
    assert kept.twin.take_up.callback_p == ASSUMED_TAKE_UP.callback_p
