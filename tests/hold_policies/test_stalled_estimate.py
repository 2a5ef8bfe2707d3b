"""A line that has stopped gives no estimate: its past speed no longer says when anyone will
be answered (hold_policies.estimate.line_stalled), in the app and in the simulator alike."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from hold_policies.estimate import STALL_CHANCE, QueueFlow, estimate_wait, line_stalled
from simulator.scenario import Estimates
from simulator.waiting import QueueSpeed, last_served

MOVING = QueueFlow(departures=12, window_s=900.0)  # twelve answers in 15 minutes


def test_without_the_quiet_time_nothing_changes():
    assert estimate_wait(1, MOVING) is not None
    assert estimate_wait(1, MOVING) == estimate_wait(1, QueueFlow(12, 900.0, quiet_s=None))


def test_a_thin_log_needs_a_longer_pause():
    """Three answers in 40 s, then 70 s with none: a pause a rate known from three answers
    gives often (about one in twenty), not a stop."""
    assert not line_stalled(3, 110.0, 70.0)
    assert line_stalled(30, 1100.0, 700.0)  # the same pause over ten times the answers


def test_a_short_pause_keeps_the_estimate_and_a_long_one_drops_it():
    short = QueueFlow(12, 900.0, quiet_s=60.0)  # a minute: usual at this speed
    long = QueueFlow(10, 900.0, quiet_s=360.0)  # six minutes with none, at ten in nine
    assert estimate_wait(1, short) is not None
    assert estimate_wait(1, long) is None
    assert estimate_wait(20, long) is None  # nobody's place moves either


@given(served=st.integers(1, 500), window_s=st.floats(60.0, 7200.0),
       quiet=st.floats(0.0, 1.0))
def test_stalled_exactly_when_the_pause_is_rarer_than_the_chance(served, window_s, quiet):
    quiet_s = quiet * window_s
    moving_s = window_s - quiet_s
    chance = (moving_s / window_s) ** served if moving_s > 0 else 0.0  # predicted, k answers
    if abs(chance - STALL_CHANCE) > 1e-9:
        assert line_stalled(served, window_s, quiet_s) == (chance < STALL_CHANCE)


def test_the_latest_served_departure_skips_the_hang_ups_after_it():
    assert last_served([10.0, 20.0, 30.0, 40.0], [30.0, 40.0]) == 20.0
    assert last_served([10.0, 20.0], [10.0, 20.0]) is None
    assert last_served([], []) is None
    assert last_served([10.0, 20.0], []) == 20.0
    # only the window's: an answer before it is no answer in it
    assert last_served([10.0, 20.0, 30.0, 40.0], [30.0, 40.0], since=20.0) == 20.0
    assert last_served([10.0, 20.0, 30.0, 40.0], [30.0, 40.0], since=25.0) is None
    assert last_served([10.0, 20.0, 30.0], [10.0], since=25.0) == 30.0


@pytest.mark.parametrize(("later_s", "estimated"), [(60.0, True), (400.0, False)])
def test_the_simulator_reads_the_same_quiet_time(later_s, estimated):
    speed = QueueSpeed(Estimates(), log_start=0.0)
    speed.departures.extend(60.0 * n for n in range(1, 13))
    now = 720.0 + later_s
    seen, abandoned, window = speed.flow(now)
    found = speed.estimate(1, seen, window, abandoned)
    assert (found is not None) is estimated
    live = estimate_wait(1, QueueFlow(seen, window, quiet_s=later_s))
    assert (live is not None) is estimated
