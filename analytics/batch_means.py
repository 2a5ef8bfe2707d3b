"""Standard errors of a rate whose calls are not independent: clusters of calls close in time.

Callers of one queue share its load: a busy hour loses many together, so a Wilson interval and
a z-test over calls, as if independent, are too narrow (two runs of one policy were called
different in 10 of 40 pairs, not 2 of 40). A group's calls are cut into clusters, the days
of its entry minutes when it has MIN_DAYS of them (cluster-robust, by day: UTC days for the
simulator's runs, the report's clock's for the report, `clustered_rates.entry_minutes`), else
BATCHES contiguous batches by entry time (batch means); the ratio estimator's standard error
then comes from the cluster totals: se² = k/(k−1) · Σ (x_i − r·m_i)² / (Σ m_i)², with k − 1
degrees of freedom. The simulator's run intervals and the report's use this one implementation.
"""

from __future__ import annotations

import math

import numpy as np

from analytics.intervals import t_quantile, t_sf, wilson_interval

BATCHES = 20
MIN_PER_BATCH = 30
"""Calls a batch needs before there are more than MIN_CLUSTERS of them: 20 batches from 600
calls, one more per 30 calls from 300, 10 below that."""
SMALLEST_BATCH = 5
"""Below MIN_CLUSTERS batches of this many calls (50 calls), intervals take calls as
independent. Measured (benchmarks/calibrate_verdicts.py, two runs of one busy line): with
calls taken as independent below 1,000 calls, 6 of 40 600-call pairs and 15 of 60 150-call
pairs were called different; batched so, 1 of 40 and 5 of 60, against 5% expected."""
MIN_DAYS = 20
"""Days a group needs for its days to be the clusters (a month of weekdays)."""
MIN_CLUSTERS = 10
"""Fewer clusters than this (a minute holding a twentieth of the calls) measure nothing."""
MINUTE_S = 60
DAY_MINUTES = 1440


def cluster_codes(minutes: np.ndarray, calls: np.ndarray) -> tuple[np.ndarray, str] | None:
    """Each entry minute's cluster (minutes sorted, with the group's calls in each), and how the
    clusters were made ('day' or 'time batches'); None when too few calls or days to tell."""
    days = minutes // DAY_MINUTES
    distinct = np.unique(days)
    if distinct.size >= MIN_DAYS:
        return np.searchsorted(distinct, days), "day"
    total = int(calls.sum())
    if total < MIN_CLUSTERS * SMALLEST_BATCH:
        return None
    batches = min(BATCHES, max(MIN_CLUSTERS, total // MIN_PER_BATCH))
    before = np.concatenate([[0], np.cumsum(calls)[:-1]])
    batch = (batches * before) // total
    if np.unique(batch).size < MIN_CLUSTERS:
        return None
    return np.unique(batch, return_inverse=True)[1].ravel(), "time batches"


def ratio_se(hits: np.ndarray, counted: np.ndarray) -> tuple[float, int]:
    """(standard error of Σhits / Σcounted, degrees of freedom) from per-cluster totals."""
    x, m = np.asarray(hits, dtype=float), np.asarray(counted, dtype=float)
    k = x.size
    if k < 2 or m.sum() <= 0:
        return math.nan, 0
    ratio = x.sum() / m.sum()
    spread = float(np.sum((x - ratio * m) ** 2))
    return math.sqrt(k / (k - 1) * spread) / float(m.sum()), k - 1


def interval(hits: float, counted: float, se: float, df: float,
             confidence: float = 0.95) -> tuple[float, float]:
    """hits/counted ± t·se, never narrower than Wilson's (Wilson's alone when se is unknown)."""
    low, high = (float(v) for v in wilson_interval(hits, counted, confidence))
    if not (math.isfinite(se) and df > 0 and counted > 0):
        return low, high
    ratio = hits / counted
    half = float(t_quantile(0.5 + confidence / 2, df)) * se
    return max(0.0, min(low, ratio - half)), min(1.0, max(high, ratio + half))


def run_interval(hits: np.ndarray, counted: np.ndarray,
                 entered_s: np.ndarray) -> list[float] | None:
    """95% CI of sum(hits) / sum(counted) over one run's calls (entry times in epoch seconds),
    clustered as the report clusters a group's calls."""
    total = int(np.asarray(counted).sum())
    if total <= 0:
        return None
    order, inverse, calls = _by_minute(entered_s)
    x = np.bincount(inverse, np.asarray(hits, float), order.size)
    m = np.bincount(inverse, np.asarray(counted, float), order.size)
    se, df = clustered_se(order, calls, x, m)
    return list(interval(float(x.sum()), float(m.sum()), se, df))


def _by_minute(entered_s: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """One run's entry minutes (sorted), each call's index among them, and their calls."""
    minutes = np.floor(np.asarray(entered_s, dtype=float) / MINUTE_S).astype(np.int64)
    order, inverse = np.unique(minutes, return_inverse=True)
    inverse = inverse.ravel()
    return order, inverse, np.bincount(inverse, minlength=order.size)


def clustered_se(minutes: np.ndarray, calls: np.ndarray, hits: np.ndarray,
                 counted: np.ndarray) -> tuple[float, int]:
    """(se, df) of a rate from its per-minute sums (minutes sorted); (nan, 0) if unmeasurable."""
    clusters = cluster_codes(minutes, calls)
    if clusters is None:
        return math.nan, 0
    codes, _ = clusters
    size = int(codes.max()) + 1
    return ratio_se(np.bincount(codes, hits, size), np.bincount(codes, counted, size))


def paired_run_difference(hits_a: np.ndarray, hits_b: np.ndarray,
                          entered_s: np.ndarray) -> list[float] | None:
    """[difference, low, high]: mean(hits_b) - mean(hits_a) over the same callers (one run
    per policy on common random numbers, aligned by entry), with a 95% interval clustered as
    run_interval's, never narrower than the t interval over callers; None with fewer than two
    callers (no interval: NaN had made compare --json print invalid JSON).
    Pairing cancels the callers' shared luck, so it is far tighter than the two intervals.
    `paired_difference` with its p-value: `holdwell compare` and `holdwell report` both."""
    found = paired_difference(hits_a, hits_b, entered_s)
    return None if found is None else list(found[:3])


def paired_difference(hits_a: np.ndarray, hits_b: np.ndarray, entered_s: np.ndarray,
                      confidence: float = 0.95) -> tuple[float, float, float, float] | None:
    """(difference, low, high, p) of mean(hits_b) - mean(hits_a) over the same callers, aligned
    (caller i of a is caller i of b; entered_s their entry times, epoch seconds): the paired t
    test on the callers' differences, its standard error the larger of the t over callers'
    (sd/sqrt(n), n - 1 df) and the batch means' (clustered as run_interval's), the interval
    and the two-sided p-value both from that one, so the interval excludes 0 exactly when
    p < 1 - confidence. None with fewer than two callers."""
    change = np.asarray(hits_b, float) - np.asarray(hits_a, float)
    if change.size < 2:
        return None
    n = change.size
    difference = float(change.mean())
    quantile = 0.5 + confidence / 2
    tests = [(float(np.std(change, ddof=1) / math.sqrt(n)), n - 1)]
    order, inverse, calls = _by_minute(entered_s)
    se, df = clustered_se(order, calls, np.bincount(inverse, change, order.size),
                          calls.astype(float))  # the mean change: Σ change / Σ callers
    if math.isfinite(se) and df > 0:
        tests.append((se, df))
    half = max(float(t_quantile(quantile, df)) * se for se, df in tests)
    p_value = max(_two_sided_p(difference, se, df) for se, df in tests)
    return difference, difference - half, difference + half, p_value


def _two_sided_p(difference: float, se: float, df: int) -> float:
    """Student's t two-sided p of difference / se (0 / 0: no difference, p = 1)."""
    if se > 0:
        return float(min(1.0, 2 * t_sf(abs(difference) / se, df)))
    return 1.0 if difference == 0 else 0.0
