"""Calls of one queue move together (a busy hour loses many at once): the report's intervals and
tests allow for it (review finding 1: two runs of one policy were called different in 10 of 40
pairs; the false-verdict rate must be near the 5% a test at 0.05 promises)."""

from __future__ import annotations

import numpy as np
import pandas as pd

from analytics.batch_means import ratio_se
from analytics.compare import clustered_difference, pairwise_differences
from analytics.intervals import two_proportion_p_value
from analytics.metrics import all_metrics
from analytics.validation import validate_records

HOURS, PER_HOUR = 40, 60


def hourly_losses(rng: np.random.Generator) -> np.ndarray:
    """A run's calls lost or not: each hour has its own loss rate (load), mean 12%."""
    rates = rng.beta(1.2, 8.8, HOURS)
    return rng.random((HOURS, PER_HOUR)) < rates[:, None]


def test_batch_means_test_keeps_false_verdicts_near_five_percent_where_z_does_not():
    """400 pairs of identical policies with hour-to-hour swings in load."""
    rng = np.random.default_rng(20260302)
    z_hits = t_hits = 0
    for _ in range(400):
        a, b = hourly_losses(rng), hourly_losses(rng)
        batches_a, batches_b = a.reshape(20, -1).sum(1), b.reshape(20, -1).sum(1)
        size = np.full(20, a.size / 20)
        se_a, df_a = ratio_se(batches_a, size)
        se_b, df_b = ratio_se(batches_b, size)
        x = (np.array([a.sum()]), np.array([a.size]), np.array([se_a]), np.array([df_a]))
        y = (np.array([b.sum()]), np.array([b.size]), np.array([se_b]), np.array([df_b]))
        z = two_proportion_p_value(a.sum(), a.size, b.sum(), b.size)
        _, _, p = clustered_difference(x, y, (np.array([-1.0]), np.array([1.0]), np.atleast_1d(z)))
        z_hits += z < 0.05
        t_hits += p[0] < 0.05
    assert z_hits / 400 > 0.2  # the calls-as-independent test: several times too many
    assert 0.02 <= t_hits / 400 <= 0.08


def records_of(losses: np.ndarray, policy: str) -> pd.DataFrame:
    n = losses.size
    return pd.DataFrame({
        "call_id": [f"{policy}{i}" for i in range(n)], "queue": "support", "policy": policy,
        "arm": "", "entered_at": pd.Timestamp("2026-03-02T00:00Z")
        + pd.to_timedelta(np.arange(n) * 60.0, unit="s"),
        "outcome": np.where(losses.ravel(), "abandoned", "answered"), "wait_s": 30.0,
        "orig_position": 1, "announcements": 0, "first_announced_wait_s": np.nan,
        "callback_wait_s": np.nan})  # fmt: skip


def test_the_report_widens_a_correlated_groups_interval_and_says_how():
    rng = np.random.default_rng(3)
    losses = [hourly_losses(rng) for _ in range(2)]
    records = validate_records(pd.concat(
        [records_of(losses[0], "silence"), records_of(losses[1], "checkin")], ignore_index=True))
    table = all_metrics(records)
    assert set(table["clustered_by"]) == {"time batches"}  # 2,400 calls over 40 hours
    (row,) = pairwise_differences(table).to_dict("records")
    naive = two_proportion_p_value(losses[0].sum(), losses[0].size, losses[1].sum(),
                                   losses[1].size)
    assert row["p_value"] >= naive
    wilson_half = 1.96 * np.sqrt(0.12 * 0.88 / 2400)
    half = (table["unserved_rate_ci_high"] - table["unserved_rate_ci_low"]) / 2
    assert (half > 1.5 * wilson_half).all()


def correlated_pair() -> pd.DataFrame:
    rng = np.random.default_rng(3)
    losses = [hourly_losses(rng) for _ in range(2)]
    records = validate_records(pd.concat(
        [records_of(losses[0], "silence"), records_of(losses[1], "checkin")], ignore_index=True))
    return all_metrics(records)


def test_the_test_named_is_the_test_whose_p_is_reported():
    """The clustered t-test's p (the larger) was labelled "z"."""
    table = correlated_pair()
    (row,) = pairwise_differences(table).to_dict("records")
    x, n = table["unserved"], table["calls"]
    naive = two_proportion_p_value(x[row["a"]], n[row["a"]], x[row["b"]], n[row["b"]])
    assert row["p_value"] > naive and row["test"] == "clustered t"
    independent = pairwise_differences(table.drop(columns=["unserved_rate_se",
                                                           "unserved_rate_df"]))
    assert independent["test"].tolist() == ["z"]


def test_the_relative_risk_interval_allows_for_clustering_as_the_difference_does():
    """Katz's interval on independent calls excluded 1 beside a difference whose clustered
    interval included 0: the same data said "different" and "no clear difference"."""
    from analytics.intervals import relative_risk_interval

    table = correlated_pair()
    (row,) = pairwise_differences(table).to_dict("records")
    x, n = table["unserved"], table["calls"]
    _, katz_low, katz_high = relative_risk_interval(
        [x[row["a"]]], [n[row["a"]]], [x[row["b"]]], [n[row["b"]]])
    assert row["relative_risk_ci_low"] < katz_low[0] and row["relative_risk_ci_high"] > \
        katz_high[0]
    assert (row["ci_low"] < 0 < row["ci_high"]) == (
        row["relative_risk_ci_low"] < 1 < row["relative_risk_ci_high"])
