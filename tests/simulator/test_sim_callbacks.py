"""Callbacks keep the caller's place, are retried, and always end connected or failed."""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass

import numpy as np
import pytest

from hold_policies import CallbackPolicy
from hold_policies.base import Choice, Decision
from hold_policies.records import Outcome
from hold_policies.situation import Situation
from hold_policies.steps import Leave, OfferKeys, Pause, Say, Segment, SegmentKind
from simulator.behaviour import Reactions
from simulator.distributions import Exponential
from simulator.engine import run_polled
from simulator.run import simulate
from simulator.scenario import Callbacks, ReplayedArrivals, Scenario, Staffing, simple_scenario
from simulator.streams import Callers, Streams
from simulator.table import CALLBACK_CONNECTED, CALLBACK_FAILED

TAKES_CALLBACKS = dataclasses.replace(Reactions.off(), callback_p=1.0, callback_if_too_long_p=1.0)


@dataclass(frozen=True)
class OfferAtTheFront:
    """A test policy: the caller at position 1 is offered a callback; others hear silence."""

    name: str = "offer_at_front"

    def welcome(self) -> Segment:
        return Segment(steps=(Say("Hello."),), kind=SegmentKind.WELCOME)

    def next_segment(self, situation: Situation) -> Segment:
        if situation.position != 1:
            return Segment(steps=(Pause(60),), kind=SegmentKind.SILENCE)
        offer = OfferKeys(prompt=(Say("Press 2 for a callback."),), keys=("1", "2"))
        return Segment(steps=(offer, Pause(30)), kind=SegmentKind.CALLBACK_OFFER,
                       announced_position=1, announced_wait_s=60.0, offered_keys=("1", "2"))

    def on_key(self, situation: Situation, digit: str) -> Decision:
        if digit == "2":
            confirm = Segment(steps=(Say("We will call you back."), Leave()),
                              kind=SegmentKind.CALLBACK_CONFIRM)
            return Decision(Choice.CALLBACK, confirm, promised_wait_s=60.0)
        return Decision(Choice.KEEP_WAITING, Segment((Say("Thank you."),),
                                                     SegmentKind.ACKNOWLEDGE))


def run_three_callers(callbacks: Callbacks, policy=None):  # noqa: ANN001 - a hold policy
    # c1 at t=0 talks 100 s. c2 at t=10 is first in line: the offer (2.5 s of speech) ends at
    # 12.5, the key comes 1.5 s later (t=14), the confirmation (2.5 s) ends at 16.5: c2 has
    # left the queue but keeps its place. c3 at t=20 waits behind c2's callback.
    scenario = Scenario(calls=3, arrivals=ReplayedArrivals((0.0, 10.0, 20.0)),
                        agents=Staffing.constant(1), service=Exponential(60.0),
                        patience=Exponential(60.0), reactions=TAKES_CALLBACKS,
                        callbacks=callbacks)
    people = Callers(np.array([0.0, 10.0, 20.0]), np.array([100.0, 20.0, 20.0]),
                     np.full(3, np.inf))
    return run_polled(scenario, policy or OfferAtTheFront(),
                      Streams.spawn(np.random.default_rng(0)), people, reuse_answers=False)


def test_a_callback_keeps_its_place_ahead_of_later_callers() -> None:
    table = run_three_callers(Callbacks(answer_p=1.0, answer_after_s=8.0))
    records = table.records()
    assert [r.outcome for r in records] == [Outcome.ANSWERED, Outcome.CALLBACK_CONNECTED,
                                            Outcome.ANSWERED]
    # t=100 the agent is free: c2's callback is older than c3, so it is dialled first,
    # answered at 108, talks 20 s; c3 is answered at 128.
    assert records[1].wait_s == pytest.approx(6.5)  # left the queue at 16.5
    assert records[1].callback_wait_s == pytest.approx(98.0)  # 108 - 10
    assert records[1].callback_requested
    assert records[1].callback_promised_wait_s == pytest.approx(64.0)  # asked at 4 s + 60 s
    assert records[2].wait_s == pytest.approx(108.0)
    assert table.callback_requested_at_s[1] == pytest.approx(4.0)


def test_unanswered_callbacks_are_retried_then_fail() -> None:
    table = run_three_callers(Callbacks(answer_p=0.0, retries=2, ring_s=25.0,
                                        retry_spacing_s=300.0))
    records = table.records()
    # attempt at 100 rings until 125, when c3 is answered; retries at 425 and 750; gives up
    assert [r.outcome for r in records] == [Outcome.ANSWERED, Outcome.CALLBACK_FAILED,
                                            Outcome.ANSWERED]
    assert records[2].wait_s == pytest.approx(105.0)
    assert records[1].callback_wait_s is None


def test_every_callback_ends_counted_and_none_is_an_abandon(small_queue: Scenario) -> None:
    scenario = dataclasses.replace(small_queue, calls=4000,
                                   callbacks=Callbacks(answer_p=0.6, retries=1))
    run = simulate(scenario, CallbackPolicy(), np.random.default_rng(3))
    t, s = run.table, run.summary
    requested = t.callback_requested
    assert requested.sum() > 100
    assert set(np.unique(t.outcome[requested])) <= {CALLBACK_CONNECTED, CALLBACK_FAILED}
    assert s["callbacks_connected"] + s["callbacks_failed"] == s["callbacks_requested"]
    assert s["callbacks_failed"] > 0
    assert s["abandonment_rate"] == pytest.approx(s["abandoned"] / (s["calls"] - requested.sum()))
    assert s["answered"] + s["abandoned"] + s["callbacks_requested"] == s["calls"]


def test_callbacks_without_agents_fail_instead_of_waiting_forever() -> None:
    scenario = simple_scenario(calls=200, agents=0, arrivals_per_min=1, service_mean_min=5,
                               patience_mean_min=60, reactions=TAKES_CALLBACKS)
    table = run_polled(scenario, OfferAtTheFront(), Streams.spawn(np.random.default_rng(1)),
                       Streams.spawn(np.random.default_rng(1)).callers(scenario),
                       reuse_answers=False)
    assert (table.outcome == CALLBACK_FAILED).sum() == table.callback_requested.sum() > 0
