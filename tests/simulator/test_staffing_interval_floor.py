"""A staffing figure's interval is never narrower than its pooled calls' own: two replications
that happened to agree had read "3.6% ±0.0 pp", as if certain, from 28 calls (planner audit)."""

from __future__ import annotations

import math

import numpy as np

from analytics.intervals import wilson_interval
from simulator.staff_plan import no_narrower_than_the_calls


def test_agreeing_replications_get_the_pooled_calls_interval():
    short, judged = np.array([2, 0, 28, 50]), np.array([56, 56, 28, 1000])
    summary = [(2 / 56, 0.0), (0.0, 0.0), (1.0, 0.0), (0.05, 0.04)]
    widened = no_narrower_than_the_calls(summary, short, judged)
    low, high = wilson_interval(2, 56)
    assert math.isclose(widened[0][1], max(2 / 56 - low, high - 2 / 56))
    assert widened[0][1] > 0.04  # 2 of 56 calls: far from certain
    assert widened[1] == (0.0, 0.0) and widened[2] == (1.0, 0.0)  # none / all: edge reading
    assert widened[3] == (0.05, 0.04)  # replications already wider than 1,000 calls' own


def test_a_single_replication_keeps_no_half_width():
    widened = no_narrower_than_the_calls([(0.1, float("nan"))], np.array([3]), np.array([30]))
    assert math.isnan(widened[0][1])
