"""Staffing and backtest judge each stretch of the day by the report's unserved rate: an
overflowed or errored caller is unserved there too, and a call that never joined the queue is
no queue's call. They had counted (abandoned + callback failed) alone, so a queue with an
overflow looked better served than its report said and was given too few agents."""

from __future__ import annotations

import numpy as np
import pandas as pd

from hold_policies.records import Outcome
from simulator.backtest import log_counts
from simulator.slot_counts import slot_counts, slot_rates
from simulator.table import OUTCOMES

ONE_OF_EACH = (Outcome.ANSWERED, Outcome.ABANDONED, Outcome.CALLBACK_FAILED, Outcome.ERROR,
               Outcome.OVERFLOW, Outcome.CALLBACK_CONNECTED, Outcome.LEFT, Outcome.CLOSED)


def test_each_slot_counts_the_reports_unserved_over_the_calls_that_queued():
    codes = np.array([OUTCOMES.index(o) for o in ONE_OF_EACH])
    counts = slot_counts(np.full(codes.size, 100.0), codes, np.zeros(codes.size, bool),
                         np.full(codes.size, 30.0), np.full(codes.size, np.nan), slot_s=1800)
    assert counts["entered"][0] == 7  # the closed-line call never queued
    assert slot_rates(counts)["unserved"][0] == 4 / 7  # abandoned, failed, error, overflow


def test_a_real_logs_hours_count_them_the_same_way():
    records = pd.DataFrame({
        "entered_at": pd.to_datetime(["2026-03-02T10:05:00Z"] * 4),
        "outcome": ["answered", "overflow", "error", "abandoned"],
        "callback_requested": [False] * 4, "wait_s": [20.0, 600.0, 5.0, 90.0],
        "callback_wait_s": [np.nan] * 4})
    rates = slot_rates(log_counts(records))
    assert rates["unserved"][10] == 3 / 4


def test_staffings_service_level_counts_callback_takers_as_the_report_does():
    """Answered within T / (entered - callback takers) let a policy that sends its long
    waiters to callbacks drop them and meet a target with fewer agents (analyst audit 36,
    D3): every caller counts, a callback served within T of entering as met."""
    codes = np.array([OUTCOMES.index(o) for o in
                      ("answered", "answered", "callback_connected", "callback_connected",
                       "callback_failed")])
    counts = slot_counts(np.full(5, 100.0), codes, np.array([False, False, True, True, True]),
                         np.array([10.0, 60.0, 40.0, 15.0, 30.0]),
                         np.array([np.nan, np.nan, 900.0, 18.0, np.nan]), slot_s=1800,
                         within_s=20.0)
    assert slot_rates(counts)["service_level"][0] == 2 / 5  # the 10 s answer, the 18 s callback
