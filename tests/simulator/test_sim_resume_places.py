"""Issue 16 item 6 in the fast engine, as the emulator checked it: the places told while a
rejoined caller waits, and a caller whose patience ran out while they were away.

The app tells a caller of the queue itself Twilio's position plus the rejoined callers (and
callbacks) that entered before them (app.storage.prepared.rejoined_ahead): the fast engine
keeps one line ordered by first entry, so the rule is its own; these pin it down."""

from __future__ import annotations

import dataclasses

import numpy as np
import pytest

from simulator.behaviour import Reactions
from simulator.distributions import Exponential, NoPatience
from simulator.engine import PolledEngine
from simulator.run import policy_named
from simulator.scenario import ReplayedArrivals, Scenario, Staffing
from simulator.streams import Callers, Streams
from simulator.table import ABANDONED
from tests.simulator.test_sim_resume import DROPS, RULE


class Watched(PolledEngine):
    """Records each caller's situations (position at every poll) and each event's time."""

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.acted_at: list[float] = []
        self.positions: dict[int, list[tuple[float, int]]] = {}
        self.rang_back_at: dict[int, list[float]] = {}
        self.only_drop: set[int] | None = None

    def maybe_drop(self, waiter, t):  # noqa: ANN001, ANN201
        if self.only_drop is not None and waiter.i not in self.only_drop:
            return False
        return super().maybe_drop(waiter, t)

    def rang_back(self, waiter, t):  # noqa: ANN001, ANN201
        self.rang_back_at.setdefault(waiter.i, []).append(t)
        if self.only_drop is not None:
            self.only_drop.discard(waiter.i)  # drops once
        return super().rang_back(waiter, t)

    def act(self, waiter, t):  # noqa: ANN001, ANN201 - the engine's own signature
        self.acted_at.append(t)
        return super().act(waiter, t)

    def situation(self, waiter, t):  # noqa: ANN001, ANN201
        found = super().situation(waiter, t)
        self.positions.setdefault(waiter.i, []).append((t, found.position))
        return found


def watched(arrivals, talk, patience, reactions, agents=1, seed=1, only_drop=None) -> Watched:
    scenario = Scenario(calls=len(arrivals), arrivals=ReplayedArrivals(tuple(arrivals)),
                        agents=Staffing.constant(agents), service=Exponential(60.0),
                        patience=NoPatience(), reactions=reactions, resume=RULE)
    people = Callers(np.array(arrivals, float), np.array(talk, float),
                     np.array(patience, float))
    run = Watched(scenario, policy_named("checkin"), Streams.spawn(np.random.default_rng(seed)),
                  people)
    run.only_drop = only_drop
    return run


def test_a_later_caller_counts_a_rejoined_caller_who_entered_before_them():
    """c1 (10 s) drops 3 s into its check-in at 70 s and rings back; c2 (20 s), whose line
    never drops, is second whenever c1 is back in line, as the app tells it."""
    run = watched([0, 10, 20], [400, 30, 30], [np.inf] * 3,
                  dataclasses.replace(DROPS, ring_back_s=20.0), only_drop={1})
    table = run.run()
    back = run.rang_back_at[1][0]
    answered = table.wait_s[1] + 10
    after = [position for t, position in run.positions[2] if back <= t < answered]
    assert after and set(after) == {2}
    assert table.wait_s[1] + 10 < table.wait_s[2] + 20  # c1 is answered first


def test_a_caller_whose_patience_ran_out_while_away_hangs_up_when_back_not_before():
    """c1 (patience 65 s: until 75 s) drops 3 s into its check-in at 70 s and rings back
    about 7 s later (this seed), when its patience is already spent: it gives up on its
    return, never in the past (the engine's clock would run backwards and the queue's
    departures fall out of order). The emulator's caller does the same (emulator.play)."""
    away = dataclasses.replace(Reactions.off(), line_drop_p=1.0, ring_back_p=1.0,
                               ring_back_s=60.0)
    run = watched([0, 10], [400, 30], [np.inf, 65.0], away)
    table = run.run()
    assert run.resumed.get(1, 0) >= 1
    assert table.outcome[1] == ABANDONED
    back = run.rang_back_at[1][0]
    assert back > 75  # the case in point: patience ran out while away
    assert table.wait_s[1] + 10 == pytest.approx(back)  # gives up on return
    assert run.acted_at == sorted(run.acted_at)
    assert run.speed.departures == sorted(run.speed.departures)
