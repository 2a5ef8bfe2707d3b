"""A staffing schedule through the real app: the Twilio engine's agents come on and go off
duty at the schedule's changes as the fast engine's do (it had refused any schedule but one
constant count)."""

from __future__ import annotations

from dataclasses import replace

import numpy as np
import pytest

from emulator.run import emulate
from simulator.behaviour import Reactions
from simulator.distributions import Exponential
from simulator.run import policy_named, simulate
from simulator.scenario import DAY_S, ReplayedArrivals, Scenario, Staffing

COME_ON_S, GO_OFF_S = 20 * 60.0, 40 * 60.0
SCHEDULE = Staffing(((0.0, 0), (COME_ON_S / 60, 2), (GO_OFF_S / 60, 0)))
ARRIVALS = tuple(float(t) for t in range(0, 3600, 45))  # every 45 s for an hour


def scenario() -> Scenario:
    return Scenario(calls=len(ARRIVALS), arrivals=ReplayedArrivals(ARRIVALS), agents=SCHEDULE,
                    service=Exponential(150.0), patience=Exponential(1800.0),
                    reactions=Reactions.off())


def most_at_once(starts: np.ndarray, ends: np.ndarray) -> int:
    """The most conversations going on at one moment (an end before a start at a tie)."""
    moments = np.concatenate([starts, ends])
    steps = np.concatenate([np.ones(len(starts), int), -np.ones(len(ends), int)])
    order = np.lexsort((steps, moments))
    return int(np.cumsum(steps[order]).max(initial=0))


def keeps_the_schedule(table) -> None:
    answered = table.outcome == 0
    starts = (table.entered_s + table.wait_s)[answered]
    assert answered.sum() >= 5  # the two agents of the middle stretch took callers
    assert starts.min() >= COME_ON_S - 1e-6  # nobody before agents came on
    assert starts.max() <= GO_OFF_S + 1e-6  # nor once they went off (calls never cut)
    ends = starts + table.talk_s[answered]
    # a logged wait is Twilio's whole-second QueueTime and the talk leaves out the words
    # before it: a second later and without them, no two conversations seem to overlap
    # that did not, so a third at one moment is a third agent
    assert most_at_once(starts + 1.0, ends) <= 2
    assert ends.max() > GO_OFF_S  # a call going on at the change was finished, not cut
    assert (table.outcome[table.entered_s > GO_OFF_S] != 0).all()


@pytest.mark.parametrize("policy", ["silence", "checkin"])
def test_the_twilio_engine_keeps_a_staffing_schedule_as_the_fast_engine_does(sqlite_url, policy):
    emulated = emulate(scenario(), policy, np.random.default_rng(5), database_url=sqlite_url)
    assert emulated.errors == []
    keeps_the_schedule(emulated.table)
    keeps_the_schedule(simulate(scenario(), policy_named(policy),
                                np.random.default_rng(5)).table)


def test_callbacks_are_rung_only_while_agents_are_on_duty_and_wait_for_the_next_shift(
        sqlite_url):
    # most callers take a callback; those left when the agents go off are rung the next day,
    # when the schedule (which repeats daily) brings agents on again
    takers = replace(scenario(), reactions=Reactions(callback_p=0.5, callback_if_too_long_p=0.9))
    run = emulate(takers, "callback", np.random.default_rng(5), database_url=sqlite_url)
    assert run.errors == []
    table, summary = run.table, run.summary
    connected = table.outcome == 2
    at = np.sort(table.entered_s[connected] + table.callback_wait_s[connected]) % DAY_S
    assert summary["callbacks_connected"] > 20
    assert summary["callbacks_connected"] + summary["callbacks_failed"] + summary[
        "callbacks_answered_first"] == summary["callbacks_requested"]
    # rung while agents were on: one claimed just before they went off is still rung, after
    # the agent's briefing (seconds), and answered after answer_after_s; never hours later
    assert ((at >= COME_ON_S) & (at <= GO_OFF_S + 60.0)).all()
    assert (table.entered_s[connected] + table.callback_wait_s[connected] > DAY_S).any()
