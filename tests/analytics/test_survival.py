"""Patience as survival: censoring, medians, log-rank and hazard against hand counts and theory."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from lifelines.statistics import logrank_test as lifelines_logrank

from analytics.survival import (
    abandonment_hazard,
    announcement_marks,
    logrank_test,
    median_patience,
    patience_fits,
    survival_at,
)
from analytics.synthetic import SyntheticArm, synthetic_records
from hold_policies.records import Outcome
from tests.analytics.builders import call, fourteen_calls, frame


def test_kaplan_meier_censors_answered_callback_left_and_error_calls():
    fit = patience_fits(frame(fourteen_calls()))["support · checkin"]
    # abandons at 3, 18, 40, 70 s; at risk just before them: 14, 10, 4 and 1 callers
    expected = [1.0, 13 / 14, 13 / 14 * 9 / 10, 13 / 14 * 9 / 10 * 3 / 4, 0.0]
    at = fit.survival_at([2.9, 3, 18, 40, 70])
    assert at == pytest.approx(expected)
    assert median_patience({"g": fit}).loc["g", "median_patience_s"] == 70


def test_median_patience_is_right_where_the_naive_average_is_wrong():
    """Exponential patience (mean 120 s) hidden behind quick answers (mean 40 s): 75% censored."""
    truth = SyntheticArm("checkin", mean_patience_s=120.0, mean_offered_wait_s=40.0)
    records = synthetic_records([truth], 20_000, np.random.default_rng(11))
    abandon_times = records.loc[records["outcome"] == Outcome.ABANDONED, "wait_s"]
    assert abandon_times.mean() < 0.5 * truth.median_patience_s  # about 30 s against 83 s
    row = median_patience(patience_fits(records)).iloc[0]
    assert row["median_patience_s"] == pytest.approx(truth.median_patience_s, rel=0.1)
    assert row["median_patience_ci_low"] <= truth.median_patience_s
    assert truth.median_patience_s <= row["median_patience_ci_high"]


def test_median_patience_not_reached_is_infinite():
    records = frame([call("c1", Outcome.ANSWERED, 30), call("c2", Outcome.ABANDONED, 20),
                     call("c3", Outcome.ANSWERED, 40)])  # fmt: skip
    assert median_patience(patience_fits(records)).iloc[0]["median_patience_s"] == np.inf


def test_logrank_matches_lifelines():
    rng = np.random.default_rng(3)
    a, b = rng.exponential(100, 600), rng.exponential(80, 500)
    ea, eb = rng.random(600) < 0.4, rng.random(500) < 0.5
    a, b = np.round(a), np.round(b)  # ties, as whole-second logs have
    statistic, p = logrank_test(a, ea, b, eb)
    reference = lifelines_logrank(a, b, event_observed_A=ea, event_observed_B=eb)
    assert statistic == pytest.approx(reference.test_statistic, rel=1e-9)
    assert p == pytest.approx(reference.p_value, rel=1e-6)


def test_logrank_without_events_finds_no_difference():
    assert logrank_test([1, 2], [False, False], [3, 4], [False, False]) == (0.0, 1.0)


def test_hazard_is_abandons_per_caller_second_in_each_bin():
    records = frame([call("c1", Outcome.ANSWERED, 2), call("c2", Outcome.ABANDONED, 7),
                     call("c3", Outcome.ANSWERED, 12)])  # fmt: skip
    hazard = abandonment_hazard(records, bin_s=5, max_s=15)
    assert hazard["at_risk"].tolist() == [3, 2, 1]
    assert hazard["exposure_s"].tolist() == pytest.approx([2 + 5 + 5, 2 + 5, 2])
    assert hazard["events"].tolist() == [0, 1, 0]
    assert hazard["hazard_per_s"].tolist() == pytest.approx([0, 1 / 7, 0])


def test_hazard_of_exponential_patience_is_flat_at_one_over_the_mean():
    arm = SyntheticArm("silence", mean_patience_s=60.0, mean_offered_wait_s=90.0)
    records = synthetic_records([arm], 40_000, np.random.default_rng(5))
    hazard = abandonment_hazard(records, bin_s=10, max_s=60)
    assert hazard["hazard_per_s"].to_numpy() == pytest.approx(1 / 60, rel=0.1)


def test_announcement_marks_are_the_usual_check_in_times():
    times = [59.0, 60.0, 61.0, 62.0, 119.0, 120.0, 121.0, 33.0]
    events = pd.DataFrame(
        {"event": ["ANNOUNCE"] * len(times) + ["CONNECT"], "wait_s": times + [60.0],
         "queue": "support", "policy": "checkin", "arm": ""}
    )  # fmt: skip
    marks = announcement_marks(events, resolution_s=5, min_share=0.2)
    assert marks == {"support · checkin": [60.0, 120.0]}
    assert announcement_marks(None) == {}


def test_median_patience_interval_covers_the_truth_at_about_the_nominal_rate():
    """400 experiments of 400 calls, half of them answered before their patience ran out."""
    arm = SyntheticArm("checkin", mean_patience_s=60.0, mean_offered_wait_s=60.0)
    rng = np.random.default_rng(17)
    hits = 0
    for _ in range(400):
        row = median_patience(patience_fits(synthetic_records([arm], 400, rng))).iloc[0]
        low, high = row["median_patience_ci_low"], row["median_patience_ci_high"]
        hits += low <= arm.median_patience_s <= high
    assert 0.91 <= hits / 400 <= 0.99


def test_before_the_first_abandon_the_band_is_an_exact_binomial_bound_not_a_point():
    """Twenty callers all still waiting at 60 s: no abandon is no proof that nobody would.
    The Greenwood band (lifelines') is [1, 1] there; the report gives 0.025^(1/n) below."""
    calls = [call(f"a{i}", Outcome.ANSWERED, 90 + i) for i in range(20)]
    calls += [call("late", Outcome.ABANDONED, 200)]
    row = survival_at(patience_fits(frame(calls)))
    assert row["still_waiting_60s"].iloc[0] == row["still_waiting_60s_ci_high"].iloc[0] == 1.0
    assert row["still_waiting_60s_ci_low"].iloc[0] == pytest.approx(0.025 ** (1 / 21))
    # at 120 s only the one who abandoned at 200 s had waited that long: a wide bound
    assert row["still_waiting_120s_ci_low"].iloc[0] == pytest.approx(0.025 ** (1 / 1))
    assert row["still_waiting_60s_ci_low"].iloc[0] < 0.84


def test_the_binomial_bound_counts_only_callers_whose_wait_reached_the_time():
    """990 answered at 10 s say nothing about patience at 60 s: only the 11 who waited that
    long do (the bound had counted all 1,001 in line at 10 s and claimed [99.6%, 100%])."""
    calls = [call(f"q{i}", Outcome.ANSWERED, 10) for i in range(990)]
    calls += [call(f"s{i}", Outcome.ANSWERED, 100) for i in range(10)]
    calls += [call("late", Outcome.ABANDONED, 200)]
    row = survival_at(patience_fits(frame(calls)))
    assert row["still_waiting_60s"].iloc[0] == 1.0
    assert row["still_waiting_60s_ci_low"].iloc[0] == pytest.approx(0.025 ** (1 / 11))
