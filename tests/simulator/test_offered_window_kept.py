"""A callback confirmed in the fast engine is promised the window the offer said (as the live
app's signed URLs carry it), not one sized again when the key is pressed."""

from __future__ import annotations

import numpy as np

from hold_policies.base import Choice
from hold_policies.callback import CallbackPolicy
from hold_policies.prompts import Prompts
from hold_policies.situation import Situation
from simulator.run import simulate
from simulator.scenario import handoff_for, simple_scenario


class Offers:
    """A callback policy that notes, per caller, the window its last document offered, and
    every callback it confirmed with the window promised."""

    def __init__(self) -> None:
        self.inner = CallbackPolicy()
        self.name, self.variant = self.inner.name, ""
        self.voice, self.prompts = self.inner.voice, self.inner.prompts
        self.offered: dict[str, float | None] = {}
        self.confirmed: list[tuple[float | None, float | None]] = []

    def welcome(self):  # noqa: ANN201
        return self.inner.welcome()

    def next_segment(self, situation: Situation):  # noqa: ANN201
        segment = self.inner.next_segment(situation)
        self.offered[situation.call_id] = segment.offered_window_s
        return segment

    def on_key(self, situation: Situation, digit: str):  # noqa: ANN201
        decision = self.inner.on_key(situation, digit)
        if decision.choice is Choice.CALLBACK:
            self.confirmed.append((self.offered.get(situation.call_id),
                                   decision.promised_wait_s))
        return decision


def test_every_callback_is_promised_the_window_its_offer_said():
    """A busy line whose estimate moves between the offer and the key: the windows confirmed
    had differed from the ones offered."""
    scenario = simple_scenario(calls=1500, agents=9, arrivals_per_min=3.0, service_mean_min=4.0,
                               patience_mean_min=3.0, handoff=handoff_for(Prompts()))
    policy = Offers()
    simulate(scenario, policy, np.random.default_rng(2), poll=True, reuse_answers=False)
    with_window = [(offered, promised) for offered, promised in policy.confirmed
                   if offered is not None]
    assert len(with_window) >= 100
    assert all(promised == offered for offered, promised in with_window)
