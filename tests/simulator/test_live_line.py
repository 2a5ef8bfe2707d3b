"""The fast engine's count of callers in the queue itself (not callbacks) stays in step with
its ordered list of them, which tells each caller how many of those ahead are callbacks."""

from __future__ import annotations

import dataclasses
from bisect import bisect_left

import numpy as np

from hold_policies.callback import CallbackPolicy
from hold_policies.overflow import with_overflow
from hold_policies.overflow_rules import Overflow
from simulator.behaviour import Reactions
from simulator.engine import PolledEngine
from simulator.scenario import simple_scenario
from simulator.streams import Streams
from tests.simulator.test_sim_resume import RULE


class Checked(PolledEngine):
    """Asserts, at every poll, what `situation` relies on."""

    def situation(self, waiter, t):  # noqa: ANN001, ANN201 - as the engine's
        live = self.live.entries
        assert len(live) == self.waiting
        assert live == sorted(live)
        k = bisect_left(live, waiter.i)
        assert k < len(live) and live[k] == waiter.i  # a caller polled is in the queue
        self.checked += 1
        return super().situation(waiter, t)


def run(scenario, policy=None) -> Checked:  # noqa: ANN001 - a Scenario, a HoldPolicy
    streams = Streams.spawn(np.random.default_rng(4))
    engine = Checked(scenario, policy or CallbackPolicy(), streams, streams.callers(scenario))
    engine.checked = 0
    engine.run()
    assert not engine.live.entries and engine.waiting == 0  # everyone left in the end
    return engine


def test_the_queue_itself_is_tracked_through_callbacks_drops_and_a_full_queue():
    busy = simple_scenario(calls=3000, agents=9, arrivals_per_min=3.0, service_mean_min=4.0,
                           patience_mean_min=10.0)
    assert run(busy).checked > 3000
    drops = dataclasses.replace(Reactions(), line_drop_p=0.2, ring_back_p=0.8,
                                ring_back_s=20.0)
    assert run(dataclasses.replace(busy, reactions=drops, resume=RULE)).resumed
    full = Overflow(when_full=True, queue_size=8, callback_key="2", voicemail_key="3")
    takers = dataclasses.replace(Reactions(), overflow_callback_p=0.5, overflow_voicemail_p=0.2)
    turned_away = run(dataclasses.replace(busy, reactions=takers),
                      with_overflow(CallbackPolicy(), full))
    assert turned_away.offered  # some found the queue full and were offered a callback
