"""Same scenario, both drivers: the fast engine and the real app must agree within error.

A disagreement is a bug in the app, the emulator or the model. (This test found one: the
fast engine did not time the app's "connecting you" message, which holds the agent.)
"""

from __future__ import annotations

import math

import numpy as np
import pytest

from emulator.run import emulate
from hold_policies.config import HoldwellConfig
from hold_policies.factory import prompts_of
from simulator.run import policy_named, simulate
from simulator.scenario import handoff_for, simple_scenario

CALLS = 1200
pytestmark = pytest.mark.soak  # minutes of emulated calls: `python -m pytest -m soak`


def batch_se(values: np.ndarray, batches: int = 20) -> float:
    """Standard error of a mean of correlated waits (neighbours share the queue)."""
    means = np.array([chunk.mean() for chunk in np.array_split(values, batches)])
    return float(means.std(ddof=1) / math.sqrt(batches))


def proportion_se(p: float, n: int) -> float:
    return math.sqrt(max(p * (1 - p), 1e-9) / n)


@pytest.mark.parametrize("policy", ["checkin", "callback"])
def test_fast_engine_and_emulated_app_agree(sqlite_url, policy):
    scenario = simple_scenario(
        calls=CALLS, agents=4, arrivals_per_min=2.2, service_mean_min=2.0,
        patience_mean_min=6.0, handoff=handoff_for(prompts_of(HoldwellConfig().queues["support"])))
    emulated = emulate(scenario, policy, np.random.default_rng(21), database_url=sqlite_url)
    fast = simulate(scenario, policy_named(policy), np.random.default_rng(21))
    a, b = emulated.summary, fast.summary
    assert emulated.errors == []
    for key in ("abandonment_rate",):
        n = CALLS - max(a["callbacks_requested"], b["callbacks_requested"])
        se = math.hypot(proportion_se(a[key], n), proportion_se(b[key], n))
        assert abs(a[key] - b[key]) < 3 * se, (key, a[key], b[key], se)
    se_wait = math.hypot(batch_se(emulated.table.wait_s), batch_se(fast.table.wait_s))
    assert abs(a["mean_wait_s"] - b["mean_wait_s"]) < 3 * se_wait
    told_a, told_b = (table.first_announced_wait_s[np.isfinite(table.first_announced_wait_s)]
                      for table in (emulated.table, fast.table))  # the waits callers heard,
    assert len(told_a) > 100 and len(told_b) > 100  # from the app's log and the engine's
    se_told = math.hypot(batch_se(told_a), batch_se(told_b))
    assert abs(told_a.mean() - told_b.mean()) < 3 * se_told, (told_a.mean(), told_b.mean())
    share_a, share_b = a["callbacks_requested"] / CALLS, b["callbacks_requested"] / CALLS
    se_cb = math.hypot(proportion_se(share_a, CALLS), proportion_se(share_b, CALLS))
    assert abs(share_a - share_b) < 3 * se_cb + 1e-9
    if policy == "callback":
        assert a["callbacks_requested"] > 50 and b["callbacks_requested"] > 50
        assert a["callbacks_connected"] + a["callbacks_failed"] == a["callbacks_requested"]
