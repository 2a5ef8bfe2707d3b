"""The words before the bridge are timed as the app says them: a caller answered within
THANKS_AFTER_S hears the short "Connecting you to an agent now.", everyone later the thanks
(hold_policies.connecting). Both engines had held every agent for the longer thanks."""

from __future__ import annotations

import numpy as np
import pytest

from hold_policies import CheckinPolicy, SilencePolicy
from hold_policies.connecting import THANKS_AFTER_S
from hold_policies.prompts import Prompts
from simulator.behaviour import Reactions
from simulator.run import simulate
from simulator.scenario import Handoff, handoff_for, simple_scenario
from simulator.table import ANSWERED

THANKED_S, AT_ONCE_S = 4.0, 1.0


def one_agent(handoff: Handoff):
    """A line one agent serves, busy enough that some wait and some are answered at once."""
    return simple_scenario(calls=3000, agents=1, arrivals_per_min=0.15, service_mean_min=5,
                           patience_mean_min=6, reactions=Reactions.off(), handoff=handoff)


@pytest.mark.parametrize("policy", [SilencePolicy(), CheckinPolicy()],
                         ids=["inert", "polled"])
def test_each_answer_holds_its_agent_for_the_words_it_hears(policy) -> None:
    table = simulate(one_agent(Handoff(connect_s=THANKED_S, connect_at_once_s=AT_ONCE_S)),
                     policy, np.random.default_rng(7)).table
    bare = simulate(one_agent(Handoff()), policy, np.random.default_rng(7)).table
    answered = (table.outcome == ANSWERED) & (bare.outcome == ANSWERED)
    quick = answered & (table.wait_s < THANKS_AFTER_S)
    slow = answered & (table.wait_s >= THANKS_AFTER_S)
    assert quick.sum() > 100 and slow.sum() > 100  # both kinds of answer are met
    said = table.talk_s - bare.talk_s  # the same callers' talk: what the words added
    np.testing.assert_allclose(said[quick], AT_ONCE_S)
    np.testing.assert_allclose(said[slow], THANKED_S)
    # The one agent is busy for exactly that: each answer starts when the one before it ends.
    served = np.flatnonzero(table.outcome == ANSWERED)
    start = table.entered_s[served] + table.wait_s[served]
    order = np.argsort(start, kind="stable")
    start, ends = start[order], (start + table.talk_s[served])[order]
    np.testing.assert_allclose(start[1:], np.maximum(table.entered_s[served][order][1:],
                                                     ends[:-1]), atol=1e-6)


def test_the_apps_own_words_give_the_two_lengths() -> None:
    handoff = handoff_for(Prompts())
    assert handoff.connect_after(0.0) < handoff.connect_after(THANKS_AFTER_S)
    assert handoff.connect_after(THANKS_AFTER_S) == handoff.connect_s
    own = handoff_for(Prompts(connecting="Here is Anna."))  # an operator's words: for all
    assert own.connect_after(0.0) == own.connect_after(60.0)


def test_without_a_short_length_every_answer_takes_the_thanks() -> None:
    handoff = Handoff(connect_s=THANKED_S)
    assert handoff.connect_after(0.0) == THANKED_S
    np.testing.assert_allclose(handoff.connects_after(np.array([0.0, 30.0])), THANKED_S)
    assert handoff.without_connect().connect_after(0.0) == 0.0
