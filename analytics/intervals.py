"""Confidence intervals for proportions, vectorised over groups.

Abandonment rates are proportions of a few hundred or thousand calls; the Wald interval
(p ± z·se) undercovers near 0 and 1 and can leave [0, 1], so every rate carries a Wilson score
interval (Newcombe 1998, method 3) and every difference a Newcombe hybrid score interval
(Newcombe 1998, method 10), which is built from the two Wilson intervals.
"""

from __future__ import annotations

import numpy as np
from numpy.typing import ArrayLike
from scipy import special

EXPECTED_AT_LEAST = 5.0
"""The smallest expected cell count at which the z-test's normal approximation is trusted
(Cochran's rule); below it a pair gets Fisher's exact test."""


# scipy.stats' normal, t and chi² distributions call these scipy.special functions (the same
# numbers); importing scipy.stats costs about a second of every `holdwell report`.
def normal_quantile(q: ArrayLike) -> np.ndarray:
    """Standard normal quantile (scipy.stats.norm.ppf)."""
    return special.ndtri(q)


def normal_sf(x: ArrayLike) -> np.ndarray:
    """Standard normal upper tail P(Z > x) (scipy.stats.norm.sf)."""
    return special.ndtr(-np.asarray(x, dtype=float))


def t_quantile(q: float, df: ArrayLike) -> np.ndarray:
    """Student's t quantile with df degrees of freedom (scipy.stats.t.ppf)."""
    return special.stdtrit(np.asarray(df, dtype=float), q)


def t_sf(x: ArrayLike, df: ArrayLike) -> np.ndarray:
    """Student's t upper tail P(T > x) (scipy.stats.t.sf)."""
    return special.stdtr(np.asarray(df, dtype=float), -np.asarray(x, dtype=float))


def chi2_sf(x: float, df: float) -> float:
    """Chi-squared upper tail P(X > x) (scipy.stats.chi2.sf)."""
    return float(special.chdtrc(df, x))


def z_value(confidence: float = 0.95) -> float:
    """Two-sided standard normal quantile for a confidence level (1.96 for 95%)."""
    if not 0.0 < confidence < 1.0:
        raise ValueError(f"confidence must be between 0 and 1 (got {confidence})")
    return float(normal_quantile(0.5 + confidence / 2.0))


def wilson_interval(
    successes: ArrayLike, trials: ArrayLike, confidence: float = 0.95
) -> tuple[np.ndarray, np.ndarray]:
    """Wilson score interval for successes/trials; NaN where there are no trials.

    (p + z²/2n ± z·sqrt(p(1−p)/n + z²/4n²)) / (1 + z²/n), with p = successes / trials.
    """
    x = np.asarray(successes, dtype=float)
    n = np.asarray(trials, dtype=float)
    z = z_value(confidence)
    with np.errstate(divide="ignore", invalid="ignore"):
        p = x / n
        denom = 1.0 + z**2 / n
        centre = (p + z**2 / (2 * n)) / denom
        half = z * np.sqrt(p * (1 - p) / n + z**2 / (4 * n**2)) / denom
        # clamped so low <= p <= high exactly: at p = 0 or 1 rounding leaves ~1e-17 outside
        low = np.where(n > 0, np.clip(np.minimum(centre - half, p), 0.0, 1.0), np.nan)
        high = np.where(n > 0, np.clip(np.maximum(centre + half, p), 0.0, 1.0), np.nan)
    return low, high


def newcombe_interval(
    x1: ArrayLike, n1: ArrayLike, x2: ArrayLike, n2: ArrayLike, confidence: float = 0.95
) -> tuple[np.ndarray, np.ndarray]:
    """Newcombe hybrid score interval for p1 − p2 (Newcombe 1998, method 10).

    With Wilson limits (l1, u1) and (l2, u2) and d = p1 − p2:
    [d − sqrt((p1−l1)² + (u2−p2)²), d + sqrt((u1−p1)² + (p2−l2)²)].
    """
    x1, n1, x2, n2 = (np.asarray(v, dtype=float) for v in (x1, n1, x2, n2))
    l1, u1 = wilson_interval(x1, n1, confidence)
    l2, u2 = wilson_interval(x2, n2, confidence)
    with np.errstate(divide="ignore", invalid="ignore"):
        p1, p2 = x1 / n1, x2 / n2
    d = p1 - p2
    low = d - np.sqrt((p1 - l1) ** 2 + (u2 - p2) ** 2)
    high = d + np.sqrt((u1 - p1) ** 2 + (p2 - l2) ** 2)
    return low, high


def two_proportion_p_value(
    x1: ArrayLike, n1: ArrayLike, x2: ArrayLike, n2: ArrayLike
) -> np.ndarray:
    """Two-sided p-value of the pooled two-proportion z-test (= Pearson chi², no correction).

    z = (p1 − p2) / sqrt(p(1−p)(1/n1 + 1/n2)) with the pooled p = (x1 + x2) / (n1 + n2).
    Identical rates (including both 0 or both 1) give p = 1.
    """
    x1, n1, x2, n2 = (np.asarray(v, dtype=float) for v in (x1, n1, x2, n2))
    with np.errstate(divide="ignore", invalid="ignore"):
        pooled = (x1 + x2) / (n1 + n2)
        se = np.sqrt(pooled * (1 - pooled) * (1 / n1 + 1 / n2))
        z = (x1 / n1 - x2 / n2) / se
    p = 2.0 * normal_sf(np.abs(z))
    p = np.where((se == 0) & (n1 > 0) & (n2 > 0), 1.0, p)
    return np.where((n1 > 0) & (n2 > 0), p, np.nan)


def fisher_exact_p(x1: float, n1: float, x2: float, n2: float) -> float:
    """Two-sided Fisher exact p of a 2×2 table (scipy.stats.fisher_exact): the chance, given
    both margins, of a table no likelier than the one seen."""
    events, calls = x1 + x2, n1 + n2
    if n1 <= 0 or n2 <= 0:
        return float("nan")
    k = np.arange(max(0.0, events - n2), min(events, n1) + 1)
    log_p = (special.gammaln(n1 + 1) - special.gammaln(k + 1) - special.gammaln(n1 - k + 1)
             + special.gammaln(n2 + 1) - special.gammaln(events - k + 1)
             - special.gammaln(n2 - events + k + 1)
             - special.gammaln(calls + 1) + special.gammaln(events + 1)
             + special.gammaln(calls - events + 1))
    p = np.exp(log_p)
    seen = p[int(round(x1 - k[0]))]
    return float(min(1.0, p[p <= seen * (1 + 1e-7)].sum()))


def small_expected(x1: ArrayLike, n1: ArrayLike, x2: ArrayLike, n2: ArrayLike) -> np.ndarray:
    """Whether any expected cell of the 2×2 table is below EXPECTED_AT_LEAST."""
    x1, n1, x2, n2 = (np.asarray(v, dtype=float) for v in (x1, n1, x2, n2))
    with np.errstate(divide="ignore", invalid="ignore"):
        share = (x1 + x2) / (n1 + n2)
        least = np.minimum(n1, n2) * np.minimum(share, 1 - share)
    return np.nan_to_num(least, nan=0.0) < EXPECTED_AT_LEAST


def two_by_two_p_value(
    x1: ArrayLike, n1: ArrayLike, x2: ArrayLike, n2: ArrayLike
) -> tuple[np.ndarray, np.ndarray]:
    """(p, exact): the pooled z-test's p, or Fisher's exact p where an expected cell count is
    below EXPECTED_AT_LEAST (3 of 3 vs 0 of 3: z said 0.014, Fisher says 0.10)."""
    x1, n1, x2, n2 = (np.atleast_1d(np.asarray(v, dtype=float)) for v in (x1, n1, x2, n2))
    p = two_proportion_p_value(x1, n1, x2, n2)
    exact = small_expected(x1, n1, x2, n2) & (n1 > 0) & (n2 > 0)
    for i in np.flatnonzero(exact):
        p[i] = fisher_exact_p(x1[i], n1[i], x2[i], n2[i])
    return p, exact


def relative_risk_interval(
    x1: ArrayLike, n1: ArrayLike, x2: ArrayLike, n2: ArrayLike, confidence: float = 0.95
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Relative risk p1 / p2 with the Katz log interval exp(ln RR ± z·sqrt(1/x1 − 1/n1 + 1/x2
    − 1/n2)); NaN when either count of events is 0 (the ratio, or its interval, is undefined).

    When every call of a group is an event (x = n) Katz's variance term for it is 0, and at
    100% vs 100% the interval shrank to [1.00, 1.00]; there the interval is Katz's on the counts
    with 0.5 added to every cell (Haldane–Anscombe: x + 0.5 of n + 1), widened to hold the ratio.
    """
    x1, n1, x2, n2 = (np.asarray(v, dtype=float) for v in (x1, n1, x2, n2))
    z = z_value(confidence)
    full = (x1 == n1) | (x2 == n2)
    c = np.where(full, 0.5, 0.0)
    with np.errstate(divide="ignore", invalid="ignore"):
        ratio = (x1 / n1) / (x2 / n2)
        centre = ((x1 + c) / (n1 + 2 * c)) / ((x2 + c) / (n2 + 2 * c))
        spread = z * np.sqrt(1 / (x1 + c) - 1 / (n1 + 2 * c) + 1 / (x2 + c) - 1 / (n2 + 2 * c))
        defined = (x1 > 0) & (x2 > 0) & (n1 > 0) & (n2 > 0)
        low = np.where(defined, np.minimum(centre * np.exp(-spread), ratio), np.nan)
        high = np.where(defined, np.maximum(centre * np.exp(spread), ratio), np.nan)
    return np.where(defined, ratio, np.nan), low, high


def holm_adjust(p_values: ArrayLike) -> np.ndarray:
    """Holm step-down adjusted p-values, so many pairwise tests do not inflate false alarms."""
    p = np.asarray(p_values, dtype=float)
    adjusted = np.full(p.shape, np.nan)
    finite = np.flatnonzero(~np.isnan(p))
    if finite.size == 0:
        return adjusted
    order = finite[np.argsort(p[finite], kind="stable")]
    m = order.size
    steps = (m - np.arange(m)) * p[order]
    adjusted[order] = np.minimum(np.maximum.accumulate(steps), 1.0)
    return adjusted
