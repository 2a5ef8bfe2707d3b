"""Each metric on hand-counted calls (see builders.fourteen_calls for the log)."""

from __future__ import annotations

import pytest

from analytics import metrics
from analytics.groups import group_table
from analytics.intervals import wilson_interval
from hold_policies.records import Outcome
from tests.analytics.builders import call, fourteen_calls, frame

GROUP = "support · checkin"


@pytest.fixture
def log():
    return frame(fourteen_calls())


def test_abandonment_excludes_callback_takers_from_the_denominator(log):
    row = metrics.abandonment(log).loc[GROUP]
    # 14 calls, 4 callback takers (pending, 2 connected, failed) -> 10 eligible, 4 abandoned
    assert (row["calls"], row["callback_takers"], row["abandoned"]) == (14, 4, 4)
    assert row["abandonment_rate"] == pytest.approx(4 / 10)
    low, high = wilson_interval(4, 10)
    assert (row["abandonment_rate_ci_low"], row["abandonment_rate_ci_high"]) == (low, high)
    assert row["errors"] == 1


def test_short_abandons_leave_numerator_and_denominator(log):
    row = metrics.abandonment(log, short_abandon_s=5).loc[GROUP]
    assert row["short_abandons"] == 1  # the 3 s hang-up
    assert row["abandonment_rate_short_excluded"] == pytest.approx(3 / 9)
    wider = metrics.abandonment(log, short_abandon_s=20).loc[GROUP]  # 3 s and 18 s
    assert wider["abandonment_rate_short_excluded"] == pytest.approx(2 / 8)


def test_service_level_counts_the_threshold_itself_as_within(log):
    row = metrics.service_level(log, threshold_s=20).loc[GROUP]
    assert row["answered"] == 4
    assert row["service_level"] == pytest.approx(3 / 4)  # 10, 15, 20 s of 10, 15, 20, 45
    # (3 answered + abandoned at 3 and 18 s) / (4 answered + 4 abandoned)
    assert row["service_level_with_abandons"] == pytest.approx(5 / 8)
    assert metrics.service_level(log, threshold_s=12).loc[GROUP]["service_level"] == 0.25


def test_asa_and_time_to_abandon(log):
    row = metrics.wait_times(log).loc[GROUP]
    assert row["asa_s"] == pytest.approx((10 + 15 + 20 + 45) / 4)
    assert row["mean_time_to_abandon_s"] == pytest.approx((3 + 18 + 40 + 70) / 4)
    assert row["median_time_to_abandon_s"] == pytest.approx((18 + 40) / 2)


def test_callback_acceptance_completion_and_promises(log):
    row = metrics.callbacks(log).loc[GROUP]
    assert row["callbacks_requested"] == 4
    assert row["callback_acceptance_rate"] == pytest.approx(4 / 14)
    # connected c10, c11 of those decided (c12 failed); c9 is still pending, so in neither
    assert row["callback_completion_rate"] == pytest.approx(2 / 3)
    # of the 4 given a band: 200 s <= 240 s kept, one late, one failed, one still open (undecided)
    assert row["callback_promise_kept_rate"] == pytest.approx(1 / 3)
    assert row["callbacks_promise_pending"] == 1


def test_caller_minutes_include_abandoners_and_callback_takers(log):
    total_s = 10 + 15 + 20 + 45 + 3 + 18 + 40 + 70 + 25 + 20 + 30 + 35 + 50 + 8
    assert metrics.caller_wait_minutes(log).loc[GROUP] == pytest.approx(total_s / 60)


def test_announcement_honesty_without_announcement_times(log):
    row = metrics.announcement_honesty(log).loc[GROUP]
    # told: c1 30 (answered 10), c3 15 (answered 20), c4 60 (answered 45), c7 30 (hung up 40),
    # c8 120 (hung up 70: before the deadline, unknown); the callback taker c10 is excluded
    assert row["announced_calls"] == 5
    assert row["announced_wait_mean_error_s"] == pytest.approx((-20 + 5 - 15) / 3)
    assert row["kept_longer_than_told_share"] == pytest.approx(2 / 4)  # c3, c7 of c1, c3, c4, c7


def test_announcement_honesty_measures_from_when_the_estimate_was_said(log):
    log["first_announced_at_s"] = float("nan")
    log.loc[log["call_id"] == "c4", "first_announced_at_s"] = 30.0  # told 60 s at 30 s in queue
    row = metrics.announcement_honesty(log).loc[GROUP]
    assert row["announced_wait_mean_error_s"] == pytest.approx((-20 + 5 - 45) / 3)


def test_experiment_calls_count_in_their_assigned_arm():
    log = frame(
        [
            call("a1", Outcome.ABANDONED, 30, arm="A", policy="checkin"),
            call("a2", Outcome.ANSWERED, 10, arm="A", policy="silence"),  # fallback: still arm A
            call("b1", Outcome.ANSWERED, 10, arm="B", policy="music_ads"),
            call("b2", Outcome.ANSWERED, 10, arm="B", policy="music_ads"),
            call("p1", Outcome.ABANDONED, 10, policy="checkin"),  # outside the experiment
        ]
    )
    rates = metrics.abandonment(log)["abandonment_rate"]
    assert rates.to_dict() == {
        "support · arm A": 0.5,
        "support · arm B": 0.0,
        "support · checkin": 1.0,
    }
    assert group_table(log).loc["support · arm A", "policy"] == "checkin+silence"


def test_rates_without_a_denominator_are_missing_not_zero():
    log = frame([call("c1", Outcome.CALLBACK_CONNECTED, 20, callback_wait_s=90)])
    row = metrics.all_metrics(log).loc[GROUP]
    assert row["abandonment_rate"] != row["abandonment_rate"]  # NaN: no one kept waiting
    assert row["service_level"] != row["service_level"]
    assert row["callback_completion_rate"] == 1.0


def test_records_that_say_nothing_of_promises_keep_no_promise_rate():
    """A record file with only DESIGN.md's columns has no callback_promised_wait_s: its
    promise-kept rate is n/a, not 0% (which said every promise was broken)."""
    from analytics.metrics import callbacks
    from analytics.validation import REQUIRED_COLUMNS, validate_records

    calls = [call("cb1", Outcome.CALLBACK_CONNECTED, 60, callback_wait_s=200,
                  callback_requested=True, promised_s=240),
             call("cb2", Outcome.CALLBACK_CONNECTED, 60, callback_wait_s=400,
                  callback_requested=True, promised_s=300)]
    full = callbacks(frame(calls)).iloc[0]
    assert full["callback_promise_kept_rate"] == 0.5
    design_only = validate_records(frame(calls)[list(REQUIRED_COLUMNS)])
    assert callbacks(design_only)["callback_promise_kept_rate"].isna().all()
    assert callbacks(design_only).iloc[0]["callbacks_connected"] == 2


def test_a_callback_given_no_band_is_neither_kept_nor_broken():
    """A caller who chose a callback before any wait could be told was promised nothing:
    counting them in the denominator had read as a broken promise (1 of 2 kept, not 1 of 1)."""
    calls = [call("cb1", Outcome.CALLBACK_CONNECTED, 60, callback_wait_s=200,
                  callback_requested=True, promised_s=240),
             call("cb2", Outcome.CALLBACK_CONNECTED, 60, callback_wait_s=900,
                  callback_requested=True, promised_s=None)]
    row = metrics.callbacks(frame(calls)).iloc[0]
    assert (row["callbacks_requested"], row["callbacks_given_band"]) == (2, 1)
    assert row["callback_promise_kept_rate"] == 1.0
