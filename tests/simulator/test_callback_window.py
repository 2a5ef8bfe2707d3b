"""Issue 16 item 7 in the fast engine: on the issue's busy line (9 agents, 3 calls a minute,
4-minute talks) at least 95% of callback windows said are kept — and the old sizing (the
wait's band, 5-minute retries) keeps clearly fewer, so this test can fail."""

from __future__ import annotations

import numpy as np
import pytest

from hold_policies.callback import CallbackPolicy
from hold_policies.promise import AttemptPlan
from hold_policies.prompts import Prompts
from simulator.promises import late_callbacks
from simulator.run import simulate
from simulator.scenario import Callbacks, Scenario, handoff_for, simple_scenario

SEEDS = (1, 2, 3, 4)
OLD_SIZING = AttemptPlan(target=None)  # the band of the wait estimate, nothing for retries
OLD_RETRIES = Callbacks(soonest_retry_s=300.0)  # always the regular 5 minutes


def busy_line(calls: int = 3000, callbacks: Callbacks | None = None,
              patience_min: float = 3.0) -> Scenario:
    """The issue's line: 9 agents, 3 calls/min, talks of 4 minutes, patience of 3 (load 1.33)."""
    return simple_scenario(calls=calls, agents=9, arrivals_per_min=3.0, service_mean_min=4.0,
                           patience_mean_min=patience_min, callbacks=callbacks or Callbacks(),
                           handoff=handoff_for(Prompts()))


def kept(scenario: Scenario, policy: CallbackPolicy) -> tuple[int, int]:
    """Windows kept and windows said, pooled over the seeds."""
    kept_n = said = 0
    for seed in SEEDS:
        figures = late_callbacks(simulate(scenario, policy, np.random.default_rng(seed)).table)
        kept_n, said = kept_n + figures["kept"], said + figures["given_band"]
    return kept_n, said


def per_run(scenario: Scenario, policy: CallbackPolicy, runs: int = 8) -> np.ndarray:
    """Windows kept and windows said in each of `runs` seeded runs (one row per run)."""
    rows = []
    for seed in range(1, runs + 1):
        figures = late_callbacks(simulate(scenario, policy, np.random.default_rng(seed)).table)
        rows.append((figures["kept"], figures["given_band"]))
    return np.asarray(rows, dtype=float)


def pooled_share(rows: np.ndarray) -> float:
    """The share of windows kept over all runs together."""
    return float(rows[:, 0].sum() / rows[:, 1].sum())


@pytest.mark.parametrize("patience_min", [3.0, 10.0])
def test_sized_windows_are_kept_at_least_95_percent_of_the_time(patience_min):
    """On the issue's line and on the same line with patient callers (a long line, most of
    it callbacks keeping their place: 91% kept while the wait estimate counted those
    callbacks as callers who might hang up and move the line along)."""
    kept_n, said = kept(busy_line(patience_min=patience_min), CallbackPolicy())
    assert said >= 300  # enough callbacks for the share to mean something
    assert kept_n / said >= 0.95


def test_the_old_sizing_misses_the_target():
    """The bare wait band with 5-minute retries: 93% kept, short of the 95% target (it was
    85-88% while the wait estimate read every hang-up as the line moving, and 90% while the
    window promised was sized again at the key press rather than taken from the offer,
    sized a few seconds earlier for a place no nearer the head of the line)."""
    kept_n, said = kept(busy_line(callbacks=OLD_RETRIES), CallbackPolicy(promise=OLD_SIZING))
    assert said >= 300
    assert kept_n / said < 0.95


def test_windows_are_kept_as_often_as_the_attempts_allow_when_few_answer():
    """Customers who answer only half the time: one in eight misses all three attempts,
    whatever the window; sized with the answer rate the engine measures, the windows lose
    hardly any more. (Sized as if 85% answered, the same share is kept: the honest wait
    band leaves that much slack here; tests/hold_policies/test_promise.py shows the
    window widening with the measured rate.)"""
    shy = busy_line(callbacks=Callbacks(answer_p=0.5))
    ceiling = 1 - 0.5**3
    kept_n, said = kept(shy, CallbackPolicy())
    assert said >= 300
    assert kept_n / said >= 0.98 * ceiling


@pytest.mark.soak  # a long statistical run (7-31 s): `python -m pytest -m soak`
def test_sooner_retries_alone_are_not_enough_the_window_must_allow_for_them():
    """On the busy line with patient callers (10-minute patience), the wait's band with
    1-minute retries sits at the edge of the 95% target: about 96% pooled over 8 runs, yet
    below the target in some of them (one keeps 92%); sized for the retries, the windows keep
    more in nearly every run. One run of 3,000 calls is too noisy to judge a share this
    close to the target (runs range from 90% to 99%), hence paired runs, seed by seed."""
    patient = busy_line(patience_min=10.0)
    old = per_run(patient, CallbackPolicy(promise=OLD_SIZING))  # 1-minute retries
    sized = per_run(patient, CallbackPolicy())
    old_share, sized_share = pooled_share(old), pooled_share(sized)
    old_runs, sized_runs = old[:, 0] / old[:, 1], sized[:, 0] / sized[:, 1]
    assert old_share < 0.965 and (old_runs < 0.95).sum() >= 2
    assert sized_share >= 0.97 and sized_share > old_share
    assert (sized_runs > old_runs).sum() >= 7
