"""Intervals, tests and sample sizes against published values, theory and repeated experiments."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from scipy.stats import chi2_contingency, norm

from analytics.compare import pairwise_differences, sample_size_per_arm, sample_size_plan
from analytics.intervals import (
    holm_adjust,
    newcombe_interval,
    two_proportion_p_value,
    wilson_interval,
)
from analytics.metrics import abandonment, unserved
from analytics.synthetic import arm_for_rate, synthetic_records
from hold_policies.records import Outcome
from tests.analytics.builders import call, frame


def test_wilson_interval_matches_newcombe_1998_example():
    low, high = wilson_interval(81, 263)  # Newcombe (1998a), Table I: 0.2553 to 0.3662
    assert (round(float(low), 4), round(float(high), 4)) == (0.2553, 0.3662)


@pytest.mark.parametrize(
    ("counts", "published"),
    [((56, 70, 48, 80), (0.0524, 0.3339)), ((9, 10, 3, 10), (0.1705, 0.8090))],
)
def test_newcombe_interval_matches_newcombe_1998_method_10(counts, published):
    low, high = newcombe_interval(*counts)  # Newcombe (1998b), Table II, method 10
    assert (round(float(low), 4), round(float(high), 4)) == published


def test_intervals_without_calls_are_missing():
    low, high = wilson_interval(0, 0)
    assert np.isnan(low) and np.isnan(high)


def test_z_test_agrees_with_pearson_chi_square():
    x1, n1, x2, n2 = 120, 400, 90, 410
    table = [[x1, n1 - x1], [x2, n2 - x2]]
    expected = chi2_contingency(table, correction=False).pvalue
    assert two_proportion_p_value(x1, n1, x2, n2) == pytest.approx(expected, rel=1e-9)
    assert two_proportion_p_value(0, 50, 0, 60) == 1.0


def test_holm_adjustment_steps_down_and_stays_monotone():
    assert holm_adjust([0.01, 0.04, 0.03]).tolist() == pytest.approx([0.03, 0.06, 0.06])
    assert holm_adjust([0.5, np.nan]).tolist()[0] == pytest.approx(0.5)


def test_pairs_stay_within_a_queue_and_report_a_minus_b():
    calls = [call(f"s{i}", Outcome.ABANDONED if i < 3 else Outcome.ANSWERED, 30) for i in range(10)]
    calls += [call(f"m{i}", Outcome.ABANDONED if i < 6 else Outcome.ANSWERED, 30,
                   policy="music_ads") for i in range(10)]  # fmt: skip
    calls += [call("x1", Outcome.ANSWERED, 5, queue="sales")]
    metrics = abandonment(frame(calls))
    metrics["queue"] = ["sales", "support", "support"]
    diff = pairwise_differences(metrics, "abandonment_rate").iloc[0]
    assert len(pairwise_differences(metrics, "abandonment_rate")) == 1
    assert (diff["a"], diff["b"]) == ("support · checkin", "support · music_ads")
    assert diff["difference"] == pytest.approx(0.3 - 0.6)
    assert (diff["ci_low"], diff["ci_high"]) == pytest.approx(newcombe_interval(3, 10, 6, 10))


def _experiment(rng: np.random.Generator, calls: int) -> pd.DataFrame:
    arms = [
        arm_for_rate("checkin", 0.20, callback_share=0.15),
        arm_for_rate("music_ads", 0.26, callback_share=0.15),
    ]
    return synthetic_records(arms, calls, rng)


@pytest.mark.soak  # a long statistical run (7-31 s): `python -m pytest -m soak`
def test_intervals_cover_the_truth_at_about_the_nominal_rate():
    """400 synthetic experiments through the real pipeline; callbacks must not dilute rates."""
    rng = np.random.default_rng(20250303)
    rate_hits = diff_hits = 0
    repetitions = 400
    for _ in range(repetitions):
        metrics = abandonment(_experiment(rng, 300))
        metrics["queue"] = "support"
        low, high = metrics.loc["support · checkin", ["abandonment_rate_ci_low",
                                                      "abandonment_rate_ci_high"]]  # fmt: skip
        rate_hits += low <= 0.20 <= high
        diff = pairwise_differences(metrics, "abandonment_rate").iloc[0]
        diff_hits += diff["ci_low"] <= 0.20 - 0.26 <= diff["ci_high"]
    assert 0.91 <= rate_hits / repetitions <= 0.99
    assert 0.91 <= diff_hits / repetitions <= 0.99


def test_sample_size_gives_the_promised_power():
    calls = sample_size_per_arm(0.30, 0.05)
    rng = np.random.default_rng(7)
    x1 = rng.binomial(calls, 0.30, size=4000)
    x2 = rng.binomial(calls, 0.25, size=4000)
    power = np.mean(two_proportion_p_value(x1, calls, x2, calls) < 0.05)
    assert 0.77 <= power <= 0.83
    assert _fleiss_power(calls, 0.30, 0.25) >= 0.8 > _fleiss_power(calls - 1, 0.30, 0.25)


def _fleiss_power(n: int, p1: float, p2: float, alpha: float = 0.05) -> float:
    """Normal-theory power of the pooled z-test, n calls per arm (Fleiss' n solved for power)."""
    mean = (p1 + p2) / 2
    null_sd = np.sqrt(2 * mean * (1 - mean))
    alt_sd = np.sqrt(p1 * (1 - p1) + p2 * (1 - p2))
    return float(norm.cdf((abs(p1 - p2) * np.sqrt(n) - norm.ppf(1 - alpha / 2) * null_sd) / alt_sd))


def test_smaller_drops_and_stricter_tests_need_more_calls():
    assert sample_size_per_arm(0.25, 0.03) > sample_size_per_arm(0.25, 0.05)
    assert sample_size_per_arm(0.25, 0.03, alpha=0.01) > sample_size_per_arm(0.25, 0.03)
    assert sample_size_per_arm(0.25, 0.03, power=0.9) > sample_size_per_arm(0.25, 0.03)


def test_sample_size_rejects_impossible_drops():
    with pytest.raises(ValueError, match="p1 - drop"):
        sample_size_per_arm(0.02, 0.03)


def test_sample_size_plan_uses_music_ads_as_the_baseline():
    calls = [call(f"m{i}", Outcome.ABANDONED if i < 3 else Outcome.ANSWERED, 30,
                  policy="music_ads") for i in range(10)]  # fmt: skip
    calls += [call("c1", Outcome.ANSWERED, 30)]
    metrics = abandonment(frame(calls)).join(unserved(frame(calls)))
    metrics["policy"] = ["checkin", "music_ads"]
    plan = sample_size_plan(metrics, drop=0.03)
    assert plan["metric"] == "unserved_rate"
    assert plan["baseline"] == "support · music_ads"
    assert plan["baseline_rate"] == pytest.approx(0.3)
    assert plan["calls_per_arm"] == sample_size_per_arm(0.3, 0.03)


def test_relative_risk_at_100_percent_has_width_and_elsewhere_is_katz():
    """Katz's variance vanishes when every call is an event: 100% vs 100% printed 1.00×
    [1.00, 1.00]. With 0.5 per cell it is about ±10% on twenty calls each."""
    from analytics.intervals import relative_risk_interval

    ratio, low, high = relative_risk_interval([20], [20], [20], [20])
    assert ratio[0] == 1.0 and low[0] < 0.95 and high[0] > 1.05
    ratio, low, high = relative_risk_interval([30], [100], [20], [100])
    spread = 1.959963984540054 * np.sqrt(1 / 30 - 1 / 100 + 1 / 20 - 1 / 100)
    assert (low[0], high[0]) == pytest.approx((1.5 * np.exp(-spread), 1.5 * np.exp(spread)))


def test_few_calls_get_fishers_exact_test_and_no_verdict():
    """Three calls each, all lost against none: the z-test said p = 0.014 and named a winner;
    Fisher's exact p is 0.10, and three calls are too few to judge anyway."""
    from scipy.stats import fisher_exact

    from analytics.compare import MIN_VERDICT_CALLS, verdict
    from analytics.intervals import two_by_two_p_value
    from analytics.metrics import all_metrics

    calls = [call(f"m{i}", Outcome.ABANDONED, 40, policy="music_ads") for i in range(3)]
    calls += [call(f"c{i}", Outcome.ANSWERED, 10) for i in range(3)]
    (row,) = pairwise_differences(all_metrics(frame(calls))).to_dict("records")
    assert row["exact_test"] and row["p_value"] == pytest.approx(0.1)
    assert verdict(row).startswith("not compared: too few calls")
    assert verdict({**row, "p_value_holm": 0.001}).startswith("not compared: too few calls")
    enough = {**row, "n_a": MIN_VERDICT_CALLS, "n_b": MIN_VERDICT_CALLS, "p_value_holm": 0.001}
    assert verdict(enough) == "support · checkin lower"
    for counts in ((2, 9, 7, 11), (0, 40, 4, 40), (5, 30, 0, 30)):
        x1, n1, x2, n2 = counts
        ours, exact = two_by_two_p_value([x1], [n1], [x2], [n2])
        assert exact[0] and ours[0] == pytest.approx(
            fisher_exact([[x1, n1 - x1], [x2, n2 - x2]])[1], rel=1e-9)
    ours, exact = two_by_two_p_value([120], [400], [90], [410])
    assert not exact[0] and ours[0] == pytest.approx(two_proportion_p_value(120, 400, 90, 410))


@pytest.mark.parametrize(("p1", "drop"), [(1.0, 0.03), (0.03, 0.03)])
def test_a_baseline_at_the_edge_still_gets_a_sample_size_with_its_power(p1, drop):
    """Every caller unserved (100%), or a drop to exactly 0, had read "not computable": the
    formula takes both, and the calls it gives reach at least the power it promises (about
    95% here: at the edge the normal approximation errs on the side of more calls)."""
    calls = sample_size_per_arm(p1, drop)
    assert _fleiss_power(calls, p1, p1 - drop) >= 0.8 > _fleiss_power(calls - 1, p1, p1 - drop)
    rng = np.random.default_rng(11)
    x1 = rng.binomial(calls, p1, size=4000)
    x2 = rng.binomial(calls, p1 - drop, size=4000)
    power = np.mean(two_proportion_p_value(x1, calls, x2, calls) < 0.05)
    assert power >= 0.8, power
