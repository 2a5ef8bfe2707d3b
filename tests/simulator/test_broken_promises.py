"""One definition of a broken callback promise (analytics.promises): late or failed, alike in
the summary, the late-callbacks line, `holdwell promise` and the report. A failed callback had
been "not kept" in the kept rate but "neither kept nor late" in the late share, so one run
printed 97.8% kept beside 0.0% late (analyst audit)."""

from __future__ import annotations

from dataclasses import replace

import numpy as np
import pytest

from analytics import metrics as report_metrics
from simulator.metrics import DEFINITIONS, summarise
from simulator.promises import late_callbacks, late_callbacks_line
from simulator.table import LEFT
from tests.simulator.test_sim_metrics import six_calls


def test_a_failed_callback_is_broken_in_every_figure() -> None:
    """Six calls: callback 4 kept, 5 late, 6 failed: 1 kept and 2 broken of 3 given a band."""
    table = six_calls()
    s = summarise(table, wall_s=0.5)
    figures = late_callbacks(table)
    assert (s["callback_promises_kept"], s["callback_promises_late"],
            s["callback_promises_failed"]) == (1, 1, 1)
    assert s["callback_promise_broken_rate"] == pytest.approx(2 / 3)
    assert (figures["broken"], figures["broken_rate"]) == (2, pytest.approx(2 / 3))
    assert figures["kept_rate"] == s["callback_promise_kept_rate"] == pytest.approx(1 / 3)
    assert figures["kept"] + figures["broken"] == figures["given_band"] == 3
    line = late_callbacks_line(table)
    assert line.startswith("callback promises broken: 2 of 3 given a band (66.7%: 1 late")
    assert "+ 1 failed; 1 kept)" in line and "never reached (failed)" in line


def test_a_connected_callback_with_no_time_is_kept_nowhere() -> None:
    """Callback 4 connected but its connect time is unknown: it cannot be shown on time. The
    summary had counted it not kept while the late-callbacks line counted it kept."""
    table = six_calls()
    table = replace(table, callback_wait_s=np.where(np.arange(6) == 3, np.nan,
                                                    table.callback_wait_s))
    s = summarise(table, wall_s=0.5)
    figures = late_callbacks(table)
    assert figures["kept"] == s["callback_promises_kept"] == 0
    assert figures["kept_rate"] == s["callback_promise_kept_rate"] == 0.0
    assert figures["broken"] == 3
    report = report_metrics.callbacks(table.frame()).iloc[0]
    assert report["callbacks_promise_kept"] == 0
    assert report["callback_promise_kept_rate"] == s["callback_promise_kept_rate"]


def test_a_promise_still_open_is_left_out_of_every_share() -> None:
    """Callback 6 still open (left, no connect, no failure): undecided. It had stayed in every
    denominator, neither kept nor broken: 1 kept of 3 read 33% kept where 1 of 2 decided is
    50%. The summary, the late-callbacks line and the report read alike."""
    table = six_calls()
    last = np.arange(6) == 5
    table = replace(table, outcome=np.where(last, LEFT, table.outcome).astype(np.int8),
                    callback_promised_wait_s=np.where(last, 500.0,
                                                      table.callback_promised_wait_s))
    s = summarise(table, wall_s=0.5)
    figures = late_callbacks(table)
    assert (s["callbacks_given_band"], s["callback_promises_pending"]) == (3, 1)
    assert s["callback_promise_kept_rate"] == figures["kept_rate"] == pytest.approx(1 / 2)
    assert s["callback_promise_broken_rate"] == figures["broken_rate"] == pytest.approx(1 / 2)
    line = late_callbacks_line(table)
    assert line.startswith("callback promises broken: 1 of 2 given a band and decided (1 "
                           "still open, left out; 50.0%: 1 late")
    assert "still open if none of these" in DEFINITIONS["callback_promise_kept_rate"]
    report = report_metrics.callbacks(table.frame()).iloc[0]
    assert report["callbacks_promise_pending"] == 1
    assert report["callback_promise_kept_rate"] == s["callback_promise_kept_rate"]


def test_a_promise_still_open_past_its_deadline_stays_undecided() -> None:
    """Callback 6 still open, its deadline (5 + 365 s) before the log's last moment (404 s).
    The records cannot tell a callback still to be rung from one cancelled (the caller rang
    again and chose to wait, or an operator): judged late, a cancelled callback was broken,
    and a report filtered to fewer calls (an earlier last moment) had judged it pending."""
    table = six_calls()
    last = np.arange(6) == 5
    table = replace(table, outcome=np.where(last, LEFT, table.outcome).astype(np.int8))
    s = summarise(table, wall_s=0.5)
    assert (s["callback_promises_pending"], s["callback_promises_late"]) == (1, 1)
    assert s["callback_promise_kept_rate"] == pytest.approx(1 / 2)
    for records in (table.frame(), table.frame().iloc[[0, 5]]):  # whole, or filtered
        report = report_metrics.callbacks(records).iloc[0]
        assert report["callbacks_promise_pending"] == 1
