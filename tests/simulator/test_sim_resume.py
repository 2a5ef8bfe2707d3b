"""Issue 16 item 6 in the fast engine: a dropped line, a ring-back, the caller's own place."""

from __future__ import annotations

import dataclasses

import numpy as np
import pytest

from hold_policies.resume import ResumeRule
from simulator.behaviour import Reactions
from simulator.distributions import Exponential, NoPatience
from simulator.engine import PolledEngine
from simulator.errors import ScenarioError
from simulator.run import policy_named
from simulator.scenario import ReplayedArrivals, Scenario, Staffing
from simulator.streams import Callers, Streams
from simulator.table import ABANDONED, ANSWERED

RULE = ResumeRule(within_s=300, after_checkin_s=15)


def engine(arrivals, talk, reactions, rule=RULE, agents=1, seed=1) -> PolledEngine:
    scenario = Scenario(calls=len(arrivals), arrivals=ReplayedArrivals(tuple(arrivals)),
                        agents=Staffing.constant(agents), service=Exponential(60.0),
                        patience=NoPatience(), reactions=reactions, resume=rule)
    people = Callers(np.array(arrivals, float), np.array(talk, float),
                     np.full(len(arrivals), np.inf))
    return PolledEngine(scenario, policy_named("checkin"), Streams.spawn(
        np.random.default_rng(seed)), people)


DROPS = dataclasses.replace(Reactions.off(), line_drop_p=1.0, ring_back_p=1.0, ring_back_s=0.5)


def test_a_dropped_caller_who_rings_back_is_taken_before_a_later_arrival():
    # one agent busy 0-400 s; c1 at 10, c2 at 20 wait. c1's first check-in (at 70 s in line)
    # drops 3 s later; c1 rings back (about half a second later) and takes their place again,
    # ahead of c2 (whose check-ins drop too: everyone rings straight back).
    run = engine([0, 10, 20], [400, 30, 30], DROPS)
    table = run.run()
    assert table.outcome.tolist() == [ANSWERED, ANSWERED, ANSWERED]  # one record each
    assert run.resumed.get(1, 0) >= 1
    assert table.wait_s[1] < table.wait_s[2] + 10  # answered first: their place was kept
    assert table.wait_s[1] == pytest.approx(390, abs=1)  # counted from the first entry


def test_without_the_rule_a_drop_is_an_abandon():
    table = engine([0, 10, 20], [400, 30, 30], DROPS, rule=None).run()
    assert table.outcome.tolist()[1] == ABANDONED


def test_no_drops_no_change_and_off_by_default():
    assert Reactions().line_drop_p == 0 and Reactions.off().line_drop_p == 0
    plain = engine([0, 10, 20], [400, 30, 30], Reactions.off()).run()
    same = engine([0, 10, 20], [400, 30, 30], Reactions.off(), rule=None).run()
    assert plain.outcome.tolist() == same.outcome.tolist()
    assert plain.wait_s.tolist() == same.wait_s.tolist()


def test_on_a_busy_line_the_rule_turns_drops_back_into_answered_calls():
    rng = np.random.default_rng(5)
    arrivals = np.cumsum(rng.exponential(20.0, 600)).tolist()
    talk = rng.exponential(55.0, 600).tolist()
    some = dataclasses.replace(Reactions.off(), line_drop_p=0.05, ring_back_p=0.8)
    kept = engine(arrivals, talk, some, agents=3).run()
    lost = engine(arrivals, talk, some, rule=None, agents=3).run()
    assert lost.count(ABANDONED) > 0  # no patience limit here: every abandon is a drop
    assert kept.count(ABANDONED) < lost.count(ABANDONED)
    assert len(kept.outcome) == len(arrivals)  # both legs are one call


def test_the_drop_reactions_are_validated():
    with pytest.raises(ScenarioError, match="line_drop_p"):
        Reactions(line_drop_p=1.5)
