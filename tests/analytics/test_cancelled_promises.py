"""A cancelled callback promise (withdrawn by an operator, or by its caller ringing again
and choosing to wait: the record's callback_cancelled) is its own fate: neither kept, late,
failed nor still open, and out of the kept rate's denominator like a still open one. The
report, the simulator's counts (same function) and `holdwell promise` show it apart."""

from __future__ import annotations

import numpy as np
import pytest

from analytics import metrics
from analytics.promises import PROMISE_FATES, PROMISE_KEPT_RATE, promise_fates
from analytics.render_text import render_text
from analytics.report import build_report
from analytics.summary import RecordsSummary
from hold_policies.records import Outcome
from simulator.fit_callbacks import fit_callbacks
from simulator.metrics import DEFINITIONS as SIM_DEFINITIONS
from simulator.metrics import promise_counts, summarise
from simulator.promises import late_callbacks, late_callbacks_line
from simulator.table import CallTable
from tests.analytics.builders import T0, call, frame

GROUP = "support · callback"


def _calls() -> list:
    """Entered at 0, each promised 600 s: one kept, one late, one still open, two cancelled."""
    band = {"policy": "callback", "callback_requested": True, "promised_s": 600}
    return [
        call("kept", Outcome.CALLBACK_CONNECTED, 20, callback_wait_s=200, **band),
        call("late", Outcome.CALLBACK_CONNECTED, 20, callback_wait_s=900, **band),
        call("open", Outcome.LEFT, 25, **band),
        call("by operator", Outcome.LEFT, 25, **band)._replace(callback_cancelled=True),
        call("by caller", Outcome.LEFT, 30, **band)._replace(callback_cancelled=True),
    ]


def test_the_one_function_counts_cancelled_apart():
    band = np.ones(4, bool)
    met = promise_fates(band, np.array([True, False, False, False]),
                        np.array([False, True, False, False]), np.array([10.0, np.nan] * 2),
                        np.full(4, 60.0), np.array([False, False, True, False]))
    assert met.kept.tolist() == [True, False, False, False]
    assert met.failed.tolist() == [False, True, False, False]
    assert met.cancelled.tolist() == [False, False, True, False]
    assert met.pending.tolist() == [False, False, False, True]
    assert met.decided.tolist() == [True, True, False, False]  # the shares' denominator


def test_the_report_counts_cancelled_on_its_own_and_out_of_the_kept_rate():
    row = metrics.callbacks(frame(_calls())).loc[GROUP]
    assert row["callbacks_given_band"] == 5
    assert row["callbacks_promise_cancelled"] == 2
    assert row["callbacks_promise_pending"] == 1  # had been 3: cancelled ones read as open
    assert row["callback_promise_kept_rate"] == pytest.approx(0.5)  # 1 kept of 2 decided
    summary = RecordsSummary()
    summary.add(frame(_calls()[:3]))
    summary.add(frame(_calls()[3:]))
    batched = summary.metrics_table().loc[GROUP]
    assert batched["callbacks_promise_cancelled"] == 2
    assert batched["callbacks_promise_pending"] == 1


def test_records_without_the_column_count_none_cancelled():
    records = frame(_calls()).drop(columns=["callback_cancelled"])
    row = metrics.callbacks(records).loc[GROUP]
    assert row["callbacks_promise_cancelled"] == 0 and row["callbacks_promise_pending"] == 3


def test_the_report_shows_and_defines_it():
    report = build_report(frame(_calls()))
    (entry,) = report["policies"]
    assert entry["callbacks_promise_cancelled"] == 2 and entry["callbacks_promise_pending"] == 1
    assert "of which cancelled (withdrawn)" in render_text(report)
    assert report["definitions"]["callbacks_promise_cancelled"]["unit"] == "calls"
    assert "cancelled if withdrawn" in PROMISE_FATES
    assert "- still open - cancelled" in PROMISE_KEPT_RATE


def test_the_simulators_counts_go_through_the_same_function():
    table = CallTable.from_records(_calls(), T0)
    counts = promise_counts(table)
    assert (counts["given_band"], counts["kept"], counts["late"], counts["pending"],
            counts["cancelled"], counts["decided"]) == (5, 1, 1, 1, 2, 2)
    figures = late_callbacks(table)
    assert figures["kept_rate"] == pytest.approx(0.5)
    assert "1 still open, 2 cancelled, left out" in late_callbacks_line(table)
    summary = summarise(table, wall_s=0.0)
    assert summary["callback_promises_cancelled"] == 2
    assert summary["callback_promises_pending"] == 1
    assert "callback_promises_cancelled" in SIM_DEFINITIONS
    simulated = promise_counts(CallTable.from_records(_calls()[:3], T0))
    assert simulated["cancelled"] == 0  # a run never cancels


def test_a_cancelled_callback_is_no_trial_for_the_answer_fit():
    without = fit_callbacks(frame(_calls()[:3]), retries=1)
    with_cancelled = fit_callbacks(frame(_calls()), retries=1)
    assert (with_cancelled.answer_p, with_cancelled.method) == (without.answer_p,
                                                           without.method)
