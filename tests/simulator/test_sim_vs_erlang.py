"""With reactions off and exponential patience the engine is the Erlang-A queue (STYLE 14).

Each regime runs enough callers that the exact figures must lie within 4 standard errors
(batch means over consecutive callers; the first callers, who meet an empty centre, are left
out). No seeded golden numbers: any seed must pass.
"""

from __future__ import annotations

import numpy as np
import pytest

from hold_policies import CheckinPolicy, SilencePolicy
from simulator.behaviour import Reactions
from simulator.erlang import ErlangA
from simulator.run import simulate
from simulator.scenario import simple_scenario
from simulator.table import ABANDONED, ANSWERED

WARM_UP = 2000


def check_against_erlang(table, q: ErlangA, batch_se, sl_s: float = 20.0) -> None:
    keep = slice(WARM_UP, None)
    outcome, wait = table.outcome[keep], table.wait_s[keep]
    answered = outcome == ANSWERED
    figures = {
        "p_abandon": ((outcome == ABANDONED).astype(float), q.p_abandon),
        "p_wait": ((~answered | (wait > 0)).astype(float), q.p_wait),
        "mean_wait_min": (wait / 60, q.mean_wait),
        "answered_within_20s": ((answered & (wait <= sl_s)).astype(float),
                                q.answered_within(sl_s / 60)),
    }
    for name, (values, exact) in figures.items():
        se = batch_se(values)
        assert abs(values.mean() - exact) < 4 * se + 1e-9, (name, values.mean(), exact, se)


@pytest.mark.parametrize(("regime", "per_min", "patience_min"), [
    ("under-loaded", 3.2, 3.0),    # rho 0.8
    ("critically loaded", 4.0, 2.0),  # rho 1.0
    ("over-loaded", 5.0, 2.0),     # rho 1.25
])
def test_fast_engine_is_erlang_a(regime: str, per_min: float, patience_min: float,
                                 batch_se) -> None:
    scenario = simple_scenario(calls=120_000, agents=20, arrivals_per_min=per_min,
                               service_mean_min=5, patience_mean_min=patience_min,
                               reactions=Reactions.off())
    run = simulate(scenario, SilencePolicy(), np.random.default_rng(7))
    check_against_erlang(run.table, ErlangA(per_min, 0.2, 1 / patience_min, 20), batch_se)


def test_polling_engine_is_erlang_a_too(batch_se) -> None:
    """The check-in policy is asked at every poll; deaf callers make it Erlang-A still."""
    scenario = simple_scenario(calls=40_000, agents=10, arrivals_per_min=2.0,
                               service_mean_min=5, patience_mean_min=3,
                               reactions=Reactions.off())
    run = simulate(scenario, CheckinPolicy(), np.random.default_rng(8))
    assert run.table.announcements.sum() > 0  # the policy really spoke
    check_against_erlang(run.table, ErlangA(2.0, 0.2, 1 / 3, 10), batch_se)


def test_summary_reports_the_same_figures() -> None:
    scenario = simple_scenario(calls=60_000, agents=20, arrivals_per_min=4.0,
                               service_mean_min=5, patience_mean_min=2,
                               reactions=Reactions.off())
    summary = simulate(scenario, SilencePolicy(), np.random.default_rng(9)).summary
    q = ErlangA(4.0, 0.2, 0.5, 20)
    low, high = summary["abandonment_rate_ci"]
    assert low < summary["abandonment_rate"] < high
    assert summary["mean_wait_s"] == pytest.approx(q.mean_wait * 60, rel=0.15)
    assert summary["service_level"] == pytest.approx(q.service_level(1 / 3), abs=0.03)
