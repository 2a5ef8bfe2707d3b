"""Mechanics on a hand-worked timeline (STYLE habit 14): both engines, same answer."""

from __future__ import annotations

import numpy as np
import pytest

from hold_policies import CheckinPolicy, MusicAdsPolicy, SilencePolicy
from hold_policies.records import Outcome
from simulator.behaviour import Reactions
from simulator.distributions import Exponential
from simulator.engine import run_polled
from simulator.fastpath import inert_timeline, run_inert
from simulator.run import simulate
from simulator.scenario import ReplayedArrivals, Scenario, Staffing
from simulator.streams import Callers, Streams


def scenario_for(arrivals: list[float], agents: int = 1, **more) -> Scenario:
    return Scenario(calls=len(arrivals), arrivals=ReplayedArrivals(tuple(arrivals)),
                    agents=Staffing.constant(agents), service=Exponential(60.0),
                    patience=Exponential(60.0), reactions=Reactions.off(), **more)


def callers(arrivals: list[float], service: list[float], patience: list[float]) -> Callers:
    return Callers(np.array(arrivals, float), np.array(service, float), np.array(patience, float))


def outcomes(table) -> list[tuple[str, Outcome, float, int]]:
    return [(record.call_id, record.outcome, round(record.wait_s, 6), record.orig_position)
            for record in table.records()]


# one agent; a call every 10 s; talk 25 s; patience 12 s
# t=10 c1 answered at once | t=20 c2 waits | t=30 c3 waits | t=32 c2 hangs up | t=35 c3 answered
EXPECTED = [("sim-0000001", Outcome.ANSWERED, 0.0, 1),
            ("sim-0000002", Outcome.ABANDONED, 12.0, 1),
            ("sim-0000003", Outcome.ANSWERED, 5.0, 2)]


def test_hand_worked_timeline_in_both_engines() -> None:
    scenario = scenario_for([10, 20, 30])
    people = callers([10, 20, 30], [25, 25, 25], [12, 12, 12])
    streams = Streams.spawn(np.random.default_rng(0))
    polled = run_polled(scenario, SilencePolicy(), streams, people)
    inert = run_inert(scenario, SilencePolicy(), people, inert_timeline(SilencePolicy(), "q"))
    assert outcomes(polled) == EXPECTED
    assert outcomes(inert) == EXPECTED


def test_announcements_are_counted_from_what_was_played() -> None:
    # music with the legacy message every 60 s. The message has 22 words: 0.5 + 22/2.5 = 9.3 s.
    # A caller waiting 150 s is polled at 0 (music 60 s), 60 (message + music, 69.3 s) and
    # 129.3 (message + music): two announcements.
    scenario = scenario_for([0, 1])
    people = callers([0, 1], [151, 10], [1000, 1000])
    streams = Streams.spawn(np.random.default_rng(0))
    policy = MusicAdsPolicy()
    polled = run_polled(scenario, policy, streams, people)
    inert = run_inert(scenario, policy, people, inert_timeline(policy, "q"))
    assert polled.wait_s[1] == pytest.approx(150.0)
    assert polled.announcements.tolist() == inert.announcements.tolist() == [0, 2]


def test_checkin_tells_position_and_an_honest_band() -> None:
    # two agents busy for 10 minutes with early callers; a steady stream gives the queue a
    # measurable speed, so later waiting callers are told a band that is never too short
    arrivals = [float(t) for t in range(0, 1800, 20)]
    scenario = scenario_for(arrivals, agents=3)
    people = callers(arrivals, [100.0] * len(arrivals), [10_000.0] * len(arrivals))
    table = run_polled(scenario, CheckinPolicy(), Streams.spawn(np.random.default_rng(0)), people)
    told = ~np.isnan(table.first_announced_wait_s)
    assert told.sum() > 10
    remaining = table.wait_s[told] - table.first_announced_at_s[told]
    assert np.all(remaining <= table.first_announced_wait_s[told])


def test_staffing_schedule_closes_the_line_at_night() -> None:
    # agents only from minute 60: callers before then all hang up (patience 2 min)
    scenario = Scenario(calls=200, arrivals=ReplayedArrivals(tuple(float(t) for t in
                                                                   range(0, 6000, 30))),
                        agents=Staffing(((0.0, 0), (60.0, 4))), service=Exponential(60.0),
                        patience=Exponential(120.0), reactions=Reactions.off())
    table = simulate(scenario, SilencePolicy(), np.random.default_rng(1)).table
    night = table.entered_s + 600 < 3600  # arrived over ten minutes before agents came
    assert np.all(table.outcome[night] == 1)  # abandoned
    assert np.mean(table.outcome[table.entered_s > 3600] == 0) > 0.9
