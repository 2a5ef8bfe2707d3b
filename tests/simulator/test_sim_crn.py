"""Common random numbers and reproducibility: every policy meets the same callers."""

from __future__ import annotations

import dataclasses

import numpy as np

from hold_policies import CallbackPolicy, CheckinPolicy, MusicAdsPolicy, SilencePolicy
from simulator.behaviour import Reactions
from simulator.run import compare, simulate
from simulator.scenario import simple_scenario
from simulator.streams import Streams

POLICIES = [SilencePolicy(), CheckinPolicy(), CallbackPolicy(), MusicAdsPolicy()]


def scenario(reactions: Reactions, calls: int = 6000):
    return simple_scenario(calls=calls, agents=5, arrivals_per_min=1.05, service_mean_min=5,
                           patience_mean_min=6, reactions=reactions)


def test_every_policy_meets_the_same_callers() -> None:
    runs = compare(scenario(Reactions()), POLICIES, seed=11)
    entered = [run.table.entered_s for run in runs]
    assert all(np.array_equal(entered[0], other) for other in entered[1:])
    # Deaf callers (reactions off) ignore what they hear and press nothing, so with the same
    # callers every policy gives exactly the same calls.
    deaf = compare(scenario(Reactions.off()), POLICIES, seed=11)
    waits = [run.table.wait_s for run in deaf]
    outcomes = [run.table.outcome for run in deaf]
    for wait, outcome in zip(waits[1:], outcomes[1:], strict=True):
        assert np.array_equal(outcome, outcomes[0])
        np.testing.assert_allclose(wait, waits[0], rtol=0, atol=1e-6)


def test_each_quantity_has_its_own_stream() -> None:
    base = scenario(Reactions())
    longer_talks = dataclasses.replace(base, service=dataclasses.replace(base.service,
                                                                         mean_s=900.0))
    a = Streams.spawn(np.random.default_rng(3)).callers(base)
    b = Streams.spawn(np.random.default_rng(3)).callers(longer_talks)
    assert np.array_equal(a.arrivals_s, b.arrivals_s)
    assert np.array_equal(a.patience_s, b.patience_s)
    np.testing.assert_allclose(b.service_s, 3 * a.service_s)


def test_the_polling_and_the_skipping_engines_agree() -> None:
    deaf = scenario(Reactions.off(), calls=8000)
    skipped = simulate(deaf, SilencePolicy(), np.random.default_rng(5)).table
    polled = simulate(deaf, SilencePolicy(), np.random.default_rng(5), poll=True).table
    assert np.array_equal(skipped.outcome, polled.outcome)
    assert np.array_equal(skipped.orig_position, polled.orig_position)
    np.testing.assert_allclose(skipped.wait_s, polled.wait_s, rtol=0, atol=1e-6)


def test_reused_policy_answers_change_nothing() -> None:
    from simulator.engine import run_polled

    s = scenario(Reactions(), calls=4000)
    tables = [run_polled(s, CallbackPolicy(), Streams.spawn(np.random.default_rng(9)),
                         Streams.spawn(np.random.default_rng(9)).callers(s),
                         reuse_answers=reuse) for reuse in (True, False)]
    for column in ("outcome", "wait_s", "announcements", "first_announced_wait_s",
                   "callback_wait_s", "callback_promised_wait_s"):
        assert np.array_equal(getattr(tables[0], column), getattr(tables[1], column),
                              equal_nan=True), column


def test_same_seed_same_records_other_seed_other_records() -> None:
    s = scenario(Reactions(), calls=2000)
    first = simulate(s, CallbackPolicy(), np.random.default_rng(11)).records()
    again = simulate(s, CallbackPolicy(), np.random.default_rng(11)).records()
    other = simulate(s, CallbackPolicy(), np.random.default_rng(12)).records()
    assert first == again
    assert first != other
