"""Does one policy really leave fewer callers unserved than another, and how many calls would tell?

The primary comparison is `unserved_rate` over every caller who reached the queue (intention to
treat); the Twilio-style abandonment rate, whose denominator drops callback takers chosen after
randomisation, is kept as a labelled secondary. A two-point gap between policies on a few
hundred calls is often noise. Every pairwise difference gets a Newcombe hybrid score 95% CI and a
two-proportion z-test, with Holm-adjusted p-values because several pairs are tested at once;
`sample_size_per_arm` answers "how many calls per arm to detect a 3-point drop" before an
experiment starts.
"""

from __future__ import annotations

import math
from itertools import combinations

import numpy as np
import pandas as pd

from analytics.intervals import (
    holm_adjust,
    newcombe_interval,
    normal_quantile,
    relative_risk_interval,
    t_quantile,
    t_sf,
    two_by_two_p_value,
)
from analytics.rate_counts import rate_counts

BASELINE_POLICY = "music_ads"  # the status quo every new policy is compared against
PRIMARY_METRIC = "unserved_rate"  # intention to treat: the one a verdict is drawn from
def same_queue_pairs(metrics: pd.DataFrame) -> list[tuple[str, str]]:
    """Every pair of groups within a queue (comparing different queues compares their callers)."""
    pairs: list[tuple[str, str]] = []
    for _, part in metrics.groupby("queue", sort=True):
        pairs.extend(combinations(sorted(part.index), 2))
    return pairs


def pairwise_differences(
    metrics: pd.DataFrame, metric: str = PRIMARY_METRIC, confidence: float = 0.95
) -> pd.DataFrame:
    """difference = rate(a) − rate(b) for each same-queue pair, with Newcombe CI and p-values,
    and relative risk = rate(a) / rate(b) with its Katz log CI.

    p_value is the pooled two-proportion z-test, or Fisher's exact test where an expected cell
    count is below 5 (`exact_test`), or, with the rates' clustered errors, the clustered
    t-test's where larger (`test` names the one reported); p_value_holm adjusts it over all
    pairs listed. With clustered errors both intervals are widened for them.
    """
    pairs = same_queue_pairs(metrics)
    x, n = rate_counts(metrics, metric)
    a = [p[0] for p in pairs]
    b = [p[1] for p in pairs]
    xa, na, xb, nb = (
        s.reindex(keys).to_numpy(float) for s, keys in ((x, a), (n, a), (x, b), (n, b))
    )
    low, high = newcombe_interval(xa, na, xb, nb, confidence)
    p_value, exact = two_by_two_p_value(xa, na, xb, nb)
    test = np.where(exact, "Fisher exact", "z").astype(object)
    ratio, ratio_low, ratio_high = relative_risk_interval(xa, na, xb, nb, confidence)
    if f"{metric}_se" in metrics.columns:
        se = metrics[f"{metric}_se"].astype(float)
        df = metrics[f"{metric}_df"].astype(float)
        side_a = (xa, na, se.reindex(a).to_numpy(), df.reindex(a).to_numpy())
        side_b = (xb, nb, se.reindex(b).to_numpy(), df.reindex(b).to_numpy())
        independent_p = p_value
        low, high, p_value = clustered_difference(side_a, side_b, (low, high, p_value),
                                                  confidence)
        test = np.where(p_value > independent_p, "clustered t", test)
        ratio_low, ratio_high = clustered_ratio(side_a, side_b, (ratio_low, ratio_high),
                                                confidence)
    test = np.where(np.isfinite(p_value), test, None)  # no p-value: no test to name (A5)
    with np.errstate(divide="ignore", invalid="ignore"):
        rate_a, rate_b = xa / na, xb / nb
    unsettled = (metrics["unsettled"] if "unsettled" in metrics and metric == PRIMARY_METRIC
                 else pd.Series(0, index=metrics.index))
    return pd.DataFrame(
        {
            "unsettled_a": unsettled.reindex(a).fillna(0).to_numpy(np.int64),
            "unsettled_b": unsettled.reindex(b).fillna(0).to_numpy(np.int64),
            "a": a,
            "b": b,
            "metric": metric,
            "rate_a": rate_a,
            "rate_b": rate_b,
            "n_a": na.astype(np.int64),
            "n_b": nb.astype(np.int64),
            "difference": rate_a - rate_b,
            "ci_low": low,
            "ci_high": high,
            "p_value": p_value,
            "exact_test": exact,
            "test": test,
            "p_value_holm": holm_adjust(p_value),
            "relative_risk": ratio,
            "relative_risk_ci_low": ratio_low,
            "relative_risk_ci_high": ratio_high,
        }
    )


MIN_VERDICT_CALLS = 30
"""Calls each group needs before a verdict: below it one caller moves a rate by over three
points, and no test of a handful of calls is worth acting on (3 against 3 gave p = 0.014)."""
NO_DIFFERENCE = "no clear difference"


def clustered_difference(
    a: tuple[np.ndarray, ...], b: tuple[np.ndarray, ...], independent: tuple[np.ndarray, ...],
    confidence: float = 0.95,
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(low, high, p) of rate(a) − rate(b) allowing for calls moving together: each side is
    (events, calls, clustered se, df); se of the difference = sqrt(se_a² + se_b²) with
    Welch–Satterthwaite df, Student's t. Never narrower, nor smaller p, than the independent
    (Newcombe CI, z or exact p) given; that alone where either se is unknown, or where both
    are 0: every batch of both groups at one rate (0% against 100% unserved) measures no
    clustering, and a t p of 1 there had turned -100 pp [-100, -91.5 pp] into 'no clear
    difference'."""
    (xa, na, se_a, df_a), (xb, nb, se_b, df_b) = a, b
    low, high, p = independent
    with np.errstate(divide="ignore", invalid="ignore"):
        difference = xa / na - xb / nb
        se, df = welch(se_a, df_a, se_b, df_b)
        known = np.isfinite(se) & (se > 0) & (df > 0)
        half = t_quantile(0.5 + confidence / 2, np.where(known, df, 1)) * se
        t_p = np.where(known, 2 * t_sf(np.abs(difference) / np.where(known, se, 1.0),
                                       np.where(known, df, 1)), 1.0)
    low = np.where(known, np.minimum(low, difference - half), low)
    high = np.where(known, np.maximum(high, difference + half), high)
    return low, high, np.where(known & ~np.isnan(p), np.maximum(p, t_p), p)


def clustered_ratio(
    a: tuple[np.ndarray, ...], b: tuple[np.ndarray, ...],
    independent: tuple[np.ndarray, np.ndarray], confidence: float = 0.95,
) -> tuple[np.ndarray, np.ndarray]:
    """(low, high) of rate(a) / rate(b) allowing for calls moving together, as the difference
    does: log ratio ± t·sqrt((se_a/rate_a)² + (se_b/rate_b)²) (the delta method on each
    rate's clustered error), Welch df. Never narrower than the independent (Katz) interval
    given; that alone where either se is unknown or a rate is 0."""
    (xa, na, se_a, df_a), (xb, nb, se_b, df_b) = a, b
    low, high = independent
    with np.errstate(divide="ignore", invalid="ignore"):
        rate_a, rate_b = xa / na, xb / nb
        se, df = welch(se_a / rate_a, df_a, se_b / rate_b, df_b)
        known = np.isfinite(se) & (df > 0) & (rate_a > 0) & (rate_b > 0)
        half = t_quantile(0.5 + confidence / 2, np.where(known, df, 1)) * se
        log_ratio = np.log(rate_a / rate_b)
        wide_low, wide_high = np.exp(log_ratio - half), np.exp(log_ratio + half)
    return (np.where(known, np.minimum(low, wide_low), low),
            np.where(known, np.maximum(high, wide_high), high))


def welch(se_a: np.ndarray, df_a: np.ndarray, se_b: np.ndarray,
          df_b: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """(se of a sum of two independent estimates, its Welch–Satterthwaite df)."""
    se = np.sqrt(se_a**2 + se_b**2)
    df = se**4 / (se_a**4 / df_a + se_b**4 / df_b)
    return se, np.where(se > 0, df, np.minimum(df_a, df_b))


def verdict(row: pd.Series | dict, alpha: float = 0.05) -> str:
    """Which of a pair leaves fewer callers unserved, in words: only when the Holm-adjusted p is
    below alpha (then the CI of the difference excludes 0 in the same direction, near enough),
    never with fewer than MIN_VERDICT_CALLS calls in either group, and not while the lower
    group's unsettled calls (callbacks pending, messages not called back: counted as not
    unserved) would, all lost, put its rate at or above the other's (`undecided`)."""
    if too_small(row):
        return too_few(min((row.get("n_a") or 0), (row.get("n_b") or 0)))
    p, difference = row["p_value_holm"], row["difference"]
    if p is None or difference is None or not p < alpha:
        return NO_DIFFERENCE
    lower, higher = ("a", "b") if difference < 0 else ("b", "a")
    pending = int(row.get(f"unsettled_{lower}") or 0)
    if pending and row[f"rate_{lower}"] + pending / row[f"n_{lower}"] >= row[f"rate_{higher}"]:
        return undecided(row[lower], pending)
    return f"{row[lower]} lower"


UNDECIDED = "not decided yet"


def undecided(group: str, pending: int) -> str:
    """The verdict withheld while the lower group's unsettled calls could reverse it."""
    return (f"{UNDECIDED}: {group} is lower, but {pending:,} of its calls are unsettled "
            "(callbacks pending, messages not yet called back); lost, they would reverse it")


def too_small(row: pd.Series | dict) -> bool:
    """Whether either group of a pair has too few calls for any verdict: the first reason
    one is withheld, before the days they ran on."""
    return min((row.get("n_a") or 0), (row.get("n_b") or 0)) < MIN_VERDICT_CALLS


def too_few(calls: int) -> str:
    """The verdict withheld for a small group, saying why."""
    return (f"not compared: too few calls ({calls:,} in a group; a verdict needs at least "
            f"{MIN_VERDICT_CALLS} in each)")


def sample_size_per_arm(p1: float, drop: float, alpha: float = 0.05, power: float = 0.8) -> int:
    """Calls per arm for a two-sided two-proportion z-test to detect p1 → p1 − drop.

    n = (z_{1−α/2}·sqrt(2·p̄(1−p̄)) + z_{power}·sqrt(p1(1−p1) + p2(1−p2)))² / drop²,
    with p2 = p1 − drop and p̄ = (p1 + p2)/2 (Fleiss, no continuity correction), rounded up.
    A baseline of 100% (every caller unserved) or a drop to exactly 0 is a proportion the
    formula takes (the variance there is 0, the other's is not); only a target outside
    [0, 1], or no drop, has no answer.
    """
    p2 = p1 - drop
    if not (0 <= p1 <= 1 and 0 <= p2 <= 1 and drop != 0):
        raise ValueError(f"need 0 <= p1 <= 1, 0 <= p1 - drop <= 1 and drop != 0 (p1={p1}, "
                         f"drop={drop})")
    if not (0 < alpha < 1 and 0 < power < 1):
        raise ValueError(f"alpha and power must be between 0 and 1 (got {alpha}, {power})")
    z_alpha, z_power = normal_quantile(1 - alpha / 2), normal_quantile(power)
    mean = (p1 + p2) / 2
    spread = z_alpha * math.sqrt(2 * mean * (1 - mean)) + z_power * math.sqrt(
        p1 * (1 - p1) + p2 * (1 - p2)
    )
    return math.ceil(spread**2 / drop**2)


def sample_size_plan(
    metrics: pd.DataFrame, drop: float = 0.03, alpha: float = 0.05, power: float = 0.8
) -> dict[str, object]:
    """Calls per arm to detect `drop` in the unserved rate from today's: the music_ads group if
    any, else all calls of the busiest queue (an experiment splits one queue's callers:
    every queue's calls pooled had planned from a rate no queue had, 50% from a queue losing
    none and one losing all, and beside a design effect measured on one group);
    multiplied by the design effect measured on the baseline's calls (`design_effect`),
    since the verdict's test allows for calls moving together and so needs that many more
    calls than one that takes them as independent."""
    baseline = metrics[metrics["policy"] == BASELINE_POLICY]
    source = "all calls"
    if not baseline.empty:
        baseline = baseline.sort_values("calls").tail(1)
        source = str(baseline.index[0])
    elif metrics["queue"].nunique() > 1:
        busiest = metrics.groupby("queue", observed=True)["calls"].sum().idxmax()
        baseline = metrics[metrics["queue"] == busiest]
        source = f"all calls of queue {busiest}"
    else:
        baseline = metrics
    x, n = rate_counts(baseline, PRIMARY_METRIC)
    rate = float(x.sum() / n.sum()) if n.sum() > 0 else math.nan
    largest = baseline.sort_values("calls").tail(1)
    effect, clustered_by = design_effect(largest.iloc[0]) if not largest.empty else (1.0, "none")
    try:
        independent = sample_size_per_arm(rate, drop, alpha, power)
        calls = math.ceil(independent * effect)
    except ValueError:
        independent = calls = None  # the drop is impossible from this baseline
    return {
        "baseline": source,
        "metric": PRIMARY_METRIC,
        "baseline_rate": rate,
        "drop": drop,
        "alpha": alpha,
        "power": power,
        "calls_per_arm": calls,
        "calls_per_arm_if_independent": independent,
        "design_effect": effect,
        "clustered_by": clustered_by,
    }


def design_effect(group: pd.Series) -> tuple[float, str]:
    """(How many times the variance of a group's unserved rate exceeds the binomial variance
    that independent calls would give, at least 1; how its calls were clustered): 1 and
    'none' when too few calls and days to measure it. Measured on these calls, it carries
    over to an experiment on the same line as long as calls move together over hours or a
    day, not over weeks."""
    clustered_by = str(group.get("clustered_by", "none"))
    se = group.get(f"{PRIMARY_METRIC}_se")
    hits, calls = (float(v.iloc[0]) for v in rate_counts(group.to_frame().T, PRIMARY_METRIC))
    if clustered_by == "none" or se is None or not np.isfinite(se) or calls <= 0:
        return 1.0, "none"
    rate = hits / calls
    binomial = rate * (1 - rate) / calls
    return (max(1.0, float(se) ** 2 / binomial) if binomial > 0 else 1.0), clustered_by
