"""The --json summary on hand-counted calls: definitions, intervals, callback promises."""

from __future__ import annotations

from datetime import UTC, datetime

import numpy as np
import pytest

from simulator.metrics import summarise, wilson_interval
from simulator.table import (
    ABANDONED,
    ANSWERED,
    CALLBACK_CONNECTED,
    CALLBACK_FAILED,
    CallTable,
)

nan = np.nan


def six_calls() -> CallTable:
    # 1 answered at once, 2 answered after 30 s, 3 hung up after 50 s,
    # 4 callback connected 200 s after entering (asked at 40 s, promised 180 s: by 220, kept),
    # 5 callback connected after 400 s (asked at 60 s, promised 120 s: by 180, late),
    # 6 callback failed. Promises are recorded as deadlines from entering, as the app does.
    return CallTable(
        queue="q", policy="callback", start=datetime(2026, 1, 5, tzinfo=UTC),
        entered_s=np.arange(6.0),
        outcome=np.array([ANSWERED, ANSWERED, ABANDONED, CALLBACK_CONNECTED,
                          CALLBACK_CONNECTED, CALLBACK_FAILED], np.int8),
        wait_s=np.array([0.0, 30.0, 50.0, 45.0, 65.0, 70.0]),
        orig_position=np.array([1, 1, 2, 3, 4, 5]),
        announcements=np.array([0, 0, 0, 1, 1, 1]),
        first_announced_wait_s=np.array([nan, nan, nan, 180.0, 120.0, 300.0]),
        callback_wait_s=np.array([nan, nan, nan, 200.0, 400.0, nan]),
        callback_requested=np.array([False, False, False, True, True, True]),
        callback_promised_wait_s=np.array([nan, nan, nan, 220.0, 180.0, 365.0]),
        first_announced_at_s=np.array([nan, nan, nan, 35.0, 55.0, 60.0]),
        callback_requested_at_s=np.array([nan, nan, nan, 40.0, 60.0, 65.0]),
    )


def test_summary_of_six_hand_counted_calls() -> None:
    s = summarise(six_calls(), wall_s=0.5, service_level_s=20.0)
    assert s["calls"] == 6 and s["policy"] == "callback"
    assert s["abandonment_rate"] == pytest.approx(1 / 3)  # 1 abandoned / (6 - 3 callbacks)
    assert s["p_wait"] == pytest.approx(5 / 6)
    assert s["mean_wait_s"] == pytest.approx(260 / 6)
    assert s["asa_s"] == pytest.approx(15.0)
    assert s["service_level"] == pytest.approx(0.5)
    assert (s["callbacks_requested"], s["callbacks_connected"], s["callbacks_failed"]) == (3, 2, 1)
    assert s["callback_promise_kept_rate"] == pytest.approx(1 / 3)
    low, high = s["abandonment_rate_ci"]
    assert low < 1 / 3 < high


def test_wilson_interval_known_values() -> None:
    # Newcombe (1998), Statistics in Medicine 17: 81/263 -> 0.2553 to 0.3662
    low, high = wilson_interval(81, 263)
    assert (low, high) == (pytest.approx(0.2553, abs=1e-4), pytest.approx(0.3662, abs=1e-4))
    assert wilson_interval(0, 10)[0] == 0.0
    assert wilson_interval(0, 0) is None


def test_records_and_frame_carry_the_design_columns() -> None:
    table = six_calls()
    records = table.records()
    assert records[3].callback_promised_wait_s == 220.0
    assert records[0].first_announced_wait_s is None and records[3].first_announced_at_s == 35.0
    assert records[5].outcome == "callback_failed"
    assert records[1].entered_at == datetime(2026, 1, 5, 0, 0, 1, tzinfo=UTC)
    frame = table.frame()
    assert list(frame.columns[:len(records[0])]) == list(records[0]._fields)
    assert frame["outcome"].tolist()[2] == "abandoned"


def test_a_callback_given_no_band_is_neither_kept_nor_broken() -> None:
    """Callback 6 (failed) is told no band here: the promise rate is 1 kept of the 2 given
    a band, not of the 3 requested (which read the unpromised one as broken)."""
    table = six_calls()
    table.callback_promised_wait_s[5] = nan
    s = summarise(table, wall_s=0.5)
    assert (s["callbacks_requested"], s["callbacks_given_band"]) == (3, 2)
    assert s["callback_promise_kept_rate"] == pytest.approx(1 / 2)


def test_a_callback_answered_in_line_first_is_not_a_promise_to_keep() -> None:
    """The six calls, with call 2 having chosen a callback (promised by 400 s) before it was
    answered in line at 30 s: the promise figures stay those of the three callbacks that
    had to be placed, and agree with the late-callbacks line (analyst walk A2)."""
    from dataclasses import replace

    from simulator.promises import late_callbacks

    calls = six_calls()
    calls = replace(calls, callback_requested=np.array([False, True, False, True, True, True]),
                    callback_promised_wait_s=np.array([nan, 400.0, nan, 220.0, 180.0, 365.0]))
    s = summarise(calls, wall_s=0.5, service_level_s=20.0)
    assert s["callbacks_given_band"] == 3
    assert s["callback_promise_kept_rate"] == pytest.approx(1 / 3)
    figures = late_callbacks(calls)
    assert figures["kept"] + figures["late"] + figures["failed"] == figures["given_band"] == 3


def test_the_simulator_and_the_report_give_one_abandonment_rate() -> None:
    """A caller answered in line after choosing a callback is no callback taker: the report
    keeps them in the abandonment denominator, the simulator had left them out (review 32
    R4: 45.4% against 44.9% for the same calls)."""
    from dataclasses import replace

    from analytics.metrics import all_metrics
    from analytics.records import records_frame

    calls = replace(six_calls(),
                    callback_requested=np.array([False, True, False, True, True, True]),
                    callback_promised_wait_s=np.array([nan, 400.0, nan, 220.0, 180.0, 365.0]))
    simulated = summarise(calls, wall_s=0.5)["abandonment_rate"]
    reported = all_metrics(records_frame(calls.records())).iloc[0]["abandonment_rate"]
    assert simulated == pytest.approx(reported) == pytest.approx(1 / 3)  # 1 of 6 - 3 takers


def test_callbacks_answered_in_line_first_make_the_callback_rows_add_up() -> None:
    """The six calls, call 2 having chosen a callback before it was answered in line: the
    table had said requested 4, connected 2, failed 1, and nothing for the fourth (the report
    has "of which answered in line first"); the summary, its table and --json now have it."""
    from dataclasses import replace

    from simulator.report import summary_table

    calls = replace(six_calls(),
                    callback_requested=np.array([False, True, False, True, True, True]))
    s = summarise(calls, wall_s=0.5)
    assert (s["callbacks_requested"], s["callbacks_answered_first"], s["callbacks_connected"],
            s["callbacks_failed"]) == (4, 1, 2, 1)
    table = summary_table([s])
    (row,) = [line for line in table.splitlines()
              if line.startswith("  of which answered in line first ")]
    assert row.split()[-1] == "1"
    assert "  of which answered in line first: callers who chose a callback but" in table


def test_time_to_serve_counts_a_connected_callback_at_its_real_wait() -> None:
    """ASA and service level count callers answered in line only; the time to serve and the
    share served in time count the callbacks too, at entering -> connected, every caller in
    the denominator (analyst audit 36, D1)."""
    s = summarise(six_calls(), wall_s=0.5, service_level_s=20.0)
    assert s["time_to_serve_s"] == pytest.approx((0 + 30 + 200 + 400) / 4)
    assert s["served_in_time_rate"] == pytest.approx(1 / 6)
    wide = summarise(six_calls(), wall_s=0.5, service_level_s=250.0)
    assert wide["served_in_time_rate"] == pytest.approx(3 / 6)  # 0, 30 and the 200 s callback


def test_the_simulators_serve_figures_are_the_reports() -> None:
    from analytics.records import records_frame
    from analytics.report import build_report

    table = six_calls()
    s = summarise(table, wall_s=0.5, service_level_s=20.0)
    [policy] = build_report(records_frame(table.records()),
                            service_threshold_s=20.0)["policies"]
    assert policy["time_to_serve_s"] == pytest.approx(s["time_to_serve_s"])
    assert policy["served_in_time_rate"] == pytest.approx(s["served_in_time_rate"])


def test_runs_that_met_different_callers_are_not_paired() -> None:
    from dataclasses import replace

    from simulator.metrics import unserved_vs

    table = six_calls()
    assert unserved_vs(table, table) == [0.0, 0.0, 0.0]
    later = replace(table, entered_s=table.entered_s + 1.0)
    assert unserved_vs(table, later) is None


def test_one_caller_gives_no_paired_interval() -> None:
    """[0.0, NaN, NaN] had made compare --json print invalid JSON (review 36, R4)."""
    from analytics.batch_means import paired_run_difference

    assert paired_run_difference(np.array([1.0]), np.array([0.0]), np.array([0.0])) is None
    assert paired_run_difference(np.array([1.0, 0.0]), np.array([0.0, 0.0]),
                                 np.array([0.0, 1.0]))[0] == -0.5
