"""Invariants of the polled engine, for any scenario hypothesis draws (issue 15, item 5).

The engine once dispatched a ready callback at the time an idle agent became free, which
could lie in the past: callbacks connected before the caller had even left the queue and
retry spacing was skipped. These properties make that impossible to reintroduce silently.
"""

from __future__ import annotations

import dataclasses

import numpy as np
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from hold_policies import CallbackPolicy
from hold_policies.situation import Situation
from simulator.behaviour import Reactions
from simulator.engine import run_polled
from simulator.run import simulate
from simulator.scenario import Callbacks, Handoff, simple_scenario
from simulator.streams import Streams
from simulator.table import ABANDONED, ANSWERED, CALLBACK_CONNECTED, CALLBACK_FAILED

EPS = 1e-6


@st.composite
def callback_scenarios(draw: st.DrawFn):
    callbacks = Callbacks(
        answer_p=draw(st.sampled_from([0.0, 0.3, 0.85, 1.0])),
        retries=draw(st.integers(0, 3)),
        retry_spacing_s=draw(st.sampled_from([0.0, 30.0, 300.0])),
        ring_s=draw(st.sampled_from([0.0, 25.0])),
        answer_after_s=draw(st.sampled_from([0.0, 8.0])),
    )
    handoff = draw(st.sampled_from([Handoff(), Handoff(2.0, 3.0, 2.5, 1.0),
                                     Handoff(2.0, 3.0, 2.5, 1.0, connect_at_once_s=0.5)]))
    reactions = dataclasses.replace(Reactions(), callback_p=draw(st.sampled_from([0.2, 0.9])))
    return simple_scenario(
        calls=draw(st.integers(50, 400)), agents=draw(st.integers(1, 4)),
        arrivals_per_min=draw(st.floats(0.1, 1.5)), service_mean_min=draw(st.floats(1, 12)),
        patience_mean_min=draw(st.floats(1, 15)), reactions=reactions,
        callbacks=callbacks, handoff=handoff,
    ), draw(st.integers(0, 2**31))


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(callback_scenarios())
def test_a_callback_never_connects_before_its_caller_left_the_queue(case) -> None:
    scenario, seed = case
    table = simulate(scenario, CallbackPolicy(), np.random.default_rng(seed)).table
    cb, connected = scenario.callbacks, table.outcome == CALLBACK_CONNECTED
    left, reached = table.wait_s[connected], table.callback_wait_s[connected]
    attempts = table.callback_attempts[connected]
    # first dial no earlier than leaving; each missed attempt rings, then waits its spacing
    # (the soonest one when the regular spacing would break the promised window)
    spacing = min(cb.retry_spacing_s, cb.soonest_retry_s)
    earliest = (left + scenario.handoff.callback_intro_s + cb.answer_after_s
                + (attempts - 1) * (cb.ring_s + spacing))
    assert np.all(reached >= earliest - EPS)
    assert np.all((attempts >= 1) & (attempts <= cb.retries + 1))
    failed = table.outcome == CALLBACK_FAILED
    assert np.all(table.callback_attempts[failed] == cb.retries + 1)


@settings(max_examples=30, deadline=None)
@given(callback_scenarios())
def test_every_call_ends_once_and_the_counts_add_up(case) -> None:
    scenario, seed = case
    table = simulate(scenario, CallbackPolicy(), np.random.default_rng(seed)).table
    requested = table.callback_requested
    assert set(np.unique(table.outcome[requested])) <= {CALLBACK_CONNECTED, CALLBACK_FAILED}
    assert set(np.unique(table.outcome[~requested])) <= {ANSWERED, ABANDONED}
    assert np.all(table.wait_s >= 0)
    talked = np.isfinite(table.talk_s)
    assert np.array_equal(talked, (table.outcome == ANSWERED) | (table.outcome
                                                                  == CALLBACK_CONNECTED))


def test_the_issue_15_reproduction_has_no_early_callback() -> None:
    """`simulate --policy callback --agents 3 --arrival-rate 0.27 --service-mean 10
    --patience-mean 8 --handoff none --seed 3` once had 79 of 30,000 such callbacks."""
    scenario = simple_scenario(calls=6000, agents=3, arrivals_per_min=0.27, service_mean_min=10,
                               patience_mean_min=8, reactions=Reactions())
    table = simulate(scenario, CallbackPolicy(), np.random.default_rng(3)).table
    connected = table.outcome == CALLBACK_CONNECTED
    assert connected.sum() > 300
    assert np.all(table.callback_wait_s[connected] >= table.wait_s[connected]
                  + scenario.callbacks.answer_after_s - EPS)


class Recording:
    """Wraps a policy and keeps every Situation it was asked about."""

    def __init__(self) -> None:
        self.inner, self.seen = CallbackPolicy(), []
        self.name = self.inner.name

    def welcome(self):  # noqa: ANN201
        return self.inner.welcome()

    def next_segment(self, situation: Situation):  # noqa: ANN201
        self.seen.append(situation)
        return self.inner.next_segment(situation)

    def on_key(self, situation: Situation, digit: str):  # noqa: ANN201
        self.seen.append(situation)
        return self.inner.on_key(situation, digit)


def test_the_engine_names_every_situation_field_and_the_caller(small_queue) -> None:
    """The answer cache keys on the Situation itself: a field the engine forgot would make
    callers who differ in it share answers, so every field must be given by name."""
    policy = Recording()
    scenario = dataclasses.replace(small_queue, calls=400)
    streams = Streams.spawn(np.random.default_rng(5))
    run_polled(scenario, policy, streams, streams.callers(scenario), reuse_answers=False)
    names = {field.name for field in dataclasses.fields(Situation)}
    assert policy.seen
    assert all(set(vars(s)) == names for s in policy.seen)
    assert all(s.call_id.startswith("sim-") for s in policy.seen)
    rebuilt = Situation(**vars(policy.seen[-1]))
    assert rebuilt == policy.seen[-1] and hash(rebuilt) == hash(policy.seen[-1])
