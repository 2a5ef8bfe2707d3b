"""The fast engine near closing time: the same policy, told how long the line stays open,
promises no callback window that ends after the line closes (callbacks wait for the next
opening), and offers none while it is closed, as the live app does."""

from __future__ import annotations

import math
from datetime import timedelta

import numpy as np
import pytest

from hold_policies.closed_line import ClosedLine
from hold_policies.hours import OpeningHours, parse_spans
from simulator.run import policy_named, simulate
from simulator.scenario import simple_scenario

DAYTIME = OpeningHours("UTC", tuple(parse_spans("08:00-18:00") for _ in range(7)))


def test_no_callback_window_outlasts_the_opening_it_was_promised_in():
    line = ClosedLine(DAYTIME)  # callers outside hours book nothing: only promises in line
    scenario = simple_scenario(calls=4000, agents=3, arrivals_per_min=1.2, service_mean_min=2.5,
                               patience_mean_min=6.0, closed_line=line)
    table = simulate(scenario, policy_named("callback"), np.random.default_rng(11)).table
    asked = np.flatnonzero(table.callback_requested & ~np.isnan(table.callback_requested_at_s))
    promised = [i for i in asked.tolist() if not math.isnan(table.callback_promised_wait_s[i])]
    assert len(promised) > 200  # callbacks are still offered and promised in the day
    late_in_the_day = 0
    for i in asked.tolist():
        entered = scenario.start + timedelta(seconds=float(table.entered_s[i]))
        asked_at = entered + timedelta(seconds=float(table.callback_requested_at_s[i]))
        closing = DAYTIME.next_closing(asked_at)
        assert closing is not None and closing > asked_at, i  # never offered while closed
        if i in promised:
            deadline = entered + timedelta(seconds=float(table.callback_promised_wait_s[i]))
            assert deadline <= closing, (i, asked_at, deadline)
            late_in_the_day += (closing - asked_at) < timedelta(hours=1)
    assert late_in_the_day > 20  # the last hour's promises were made, and made to fit


def test_the_engine_says_what_the_live_app_says_about_closing_in_any_order_of_asking():
    """`closes_in_s` is `OpeningHours.open_for_s` at the same instant (the live app's), across
    the night the clocks go forward, whatever order the engine asks in."""
    from datetime import UTC, datetime

    from simulator.engine import PolledEngine
    from simulator.streams import Streams

    london = OpeningHours("Europe/London", tuple(parse_spans("08:00-18:00") for _ in range(7)))
    scenario = simple_scenario(calls=10, agents=1, arrivals_per_min=1.0, service_mean_min=1.0,
                               patience_mean_min=5.0, closed_line=ClosedLine(london),
                               start=datetime(2026, 3, 28, 12, 0, tzinfo=UTC))
    streams = Streams.spawn(np.random.default_rng(1))
    engine = PolledEngine(scenario, policy_named("callback"), streams,
                          streams.callers(scenario))
    moments = np.random.default_rng(2).uniform(0, 2 * 86400, 400)
    for t in (*sorted(moments), *moments):
        expected = london.open_for_s(scenario.start + timedelta(seconds=float(t)))
        assert engine.closes_in_s(float(t)) == pytest.approx(expected, abs=1e-6), t
    monday_ten_to_six = (datetime(2026, 3, 30, 16, 50, tzinfo=UTC) - scenario.start)
    assert engine.closes_in_s(monday_ten_to_six.total_seconds()) == pytest.approx(600)
