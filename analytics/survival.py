"""Caller patience as survival data: Kaplan–Meier curves, log-rank tests, abandonment hazard.

An answered caller never showed how long they would have waited, so averaging abandon times
measures the queue, not the caller. Treating each wait as survival data — abandonment is the event;
answered, callback, left and error calls are censored at wait_s — estimates patience itself
(Brown et al., JASA 2005; reference/contact-center.md §5).
"""

from __future__ import annotations

from collections.abc import Mapping

import numpy as np
import pandas as pd
from numpy.typing import ArrayLike

from analytics.definitions import SURVIVAL_TIMES_S
from analytics.groups import GROUP, group_label, with_groups
from analytics.intervals import chi2_sf
from analytics.kaplan_meier import (
    PatienceCurve,
    WaitCounts,
    kaplan_meier,
    wait_counts,
)
from hold_policies.records import Event, Outcome


def abandoned_flag(records: pd.DataFrame) -> np.ndarray:
    """The survival event: the caller hung up while waiting (callback takers never count)."""
    is_abandon = records["outcome"] == Outcome.ABANDONED
    return (is_abandon & ~records["callback_requested"].astype(bool)).to_numpy()


def patience_fits(records: pd.DataFrame, confidence: float = 0.95) -> dict[str, PatienceCurve]:
    """One Kaplan–Meier patience curve per group, keyed by group label."""
    grouped = with_groups(records)
    event = abandoned_flag(grouped)
    wait = grouped["wait_s"].to_numpy(dtype=float)
    return {
        str(label): kaplan_meier(wait[rows], event[rows], str(label), confidence)
        for label, rows in grouped.groupby(GROUP, observed=True).indices.items()
    }


def survival_at(
    fits: Mapping[str, PatienceCurve], times_s: tuple[float, ...] = SURVIVAL_TIMES_S,
    confidence: float = 0.95,
) -> pd.DataFrame:
    """KM share still willing to wait at fixed times, with its CI band, per group; NaN past the
    longest observed wait (the curve says nothing there), unless the curve fell to 0 by then:
    every caller still waiting hung up, so the share is 0 from then on (it had been n/a, as if
    unknown, where a group's callers had all hung up before 60 s). Before the first abandon the
    Greenwood band is [1, 1] (no event, no variance: lifelines' too), which claims certainty
    from a few callers, so there the low end is the exact binomial (Clopper–Pearson) bound;
    at 0 the band is [0, 0], and the high end is that bound's mirror (`all_abandoned_high`)."""
    rows = {}
    for label, fit in fits.items():
        row = {}
        emptied = np.flatnonzero(fit.survival == 0.0)  # the curve's fall to 0, if it falls
        for t in times_s:
            known = t <= fit.longest_s or emptied.size > 0
            for suffix, values in (("", fit.survival), ("_ci_low", fit.ci_low),
                                   ("_ci_high", fit.ci_high)):  # fmt: skip
                row[f"still_waiting_{t:g}s{suffix}"] = fit.at(values, [t])[0] if known else np.nan
            if known and fit.at(fit.survival, [t])[0] == 1.0:
                row[f"still_waiting_{t:g}s_ci_low"] = no_abandon_low(
                    float(fit.waiting_at([t])[0]), confidence)
            if known and fit.at(fit.survival, [t])[0] == 0.0:
                row[f"still_waiting_{t:g}s_ci_high"] = all_abandoned_high(
                    float(fit.at_risk[emptied[0]]), confidence)
        rows[label] = row
    return pd.DataFrame.from_dict(rows, orient="index")


def no_abandon_low(waiting: float, confidence: float = 0.95) -> float:
    """Clopper–Pearson lower bound of a share when all `waiting` callers stayed: (α/2)^(1/n),
    the callers counted being those whose wait reached the time. (Counting those still in
    line at the last wait before it had counted callers answered in between: 990 answered
    at 10 s made 11 callers who waited past 60 s look like 1,001.)"""
    return float((1 - confidence) / 2) ** (1 / waiting) if waiting > 0 else 0.0


def all_abandoned_high(waiting: float, confidence: float = 0.95) -> float:
    """Clopper–Pearson upper bound of a share when all `waiting` callers hung up: 1 −
    (α/2)^(1/n), `no_abandon_low`'s mirror, n the callers still waiting at the hang-ups that
    took the curve to 0 (the Greenwood band there, [0, 0], claims certainty from them)."""
    return 1.0 - no_abandon_low(waiting, confidence) if waiting > 0 else 1.0


def median_patience(fits: Mapping[str, PatienceCurve]) -> pd.DataFrame:
    """Median patience (s) and its CI per group: where the KM curve and its CI bands cross 0.5.

    inf means not reached: more than half the callers were still willing to wait at the longest
    observed wait (usual when most calls are answered quickly).
    """
    rows = {
        label: tuple(fit.quantile_time(v) for v in (fit.survival, fit.ci_low, fit.ci_high))
        for label, fit in fits.items()
    }
    columns = ["median_patience_s", "median_patience_ci_low", "median_patience_ci_high"]
    return pd.DataFrame.from_dict(rows, orient="index", columns=columns)


def logrank_test(
    durations_a: ArrayLike, events_a: ArrayLike, durations_b: ArrayLike, events_b: ArrayLike
) -> tuple[float, float]:
    """Two-sample log-rank test (chi², 1 df) that two groups share one patience curve.

    Vectorised with one sort, so it stays fast on millions of calls; returns (statistic, p).
    """
    return logrank_counts(wait_counts(durations_a, events_a), wait_counts(durations_b, events_b))


_CHUNK = 1 << 20  # distinct waits worked on at once: bounded temporaries on any number of calls


def logrank_counts(a: WaitCounts, b: WaitCounts) -> tuple[float, float]:
    """The log-rank test from each group's tied waits (`wait_counts`); (statistic, p).

    Worked through the pooled timeline a chunk at a time; the two sums over it are taken once,
    over every term, so the result does not depend on the chunking (to the last bit).
    """
    both = np.sort(np.concatenate([a.times, b.times]), kind="stable")  # two sorted runs: a merge
    times = both[np.concatenate([[True], both[1:] != both[:-1]])]
    del both
    expected_terms, variance_terms = np.empty(times.size), np.empty(times.size)
    total, deaths_a_sum, left, left_a = a.calls + b.calls, 0.0, 0, 0.0
    for start in range(0, times.size, _CHUNK):
        part = times[start : start + _CHUNK]
        leaving = np.zeros(part.size, dtype=np.int64)
        leaving_a, deaths, deaths_a = (np.zeros(part.size) for _ in range(3))
        for group, is_a in ((a, True), (b, False)):
            lo = np.searchsorted(group.times, part[0], side="left")
            hi = np.searchsorted(group.times, part[-1], side="right")
            at = np.searchsorted(part, group.times[lo:hi])
            leaving[at] += group.leaving[lo:hi]
            deaths[at] += group.deaths[lo:hi]
            if is_a:
                leaving_a[at] = group.leaving[lo:hi]
                deaths_a[at] = group.deaths[lo:hi]
        at_risk = total - (left + np.concatenate([[0], np.cumsum(leaving)[:-1]]))
        at_risk_a = a.calls - (left_a + np.concatenate([[0.0], np.cumsum(leaving_a)[:-1]]))
        share_a = at_risk_a / at_risk
        ties = np.where(at_risk > 1, (at_risk - deaths) / np.maximum(at_risk - 1, 1), 1.0)
        expected_terms[start : start + part.size] = deaths * share_a
        variance_terms[start : start + part.size] = deaths * share_a * (1 - share_a) * ties
        deaths_a_sum += deaths_a.sum()  # whole numbers: exact in any order, as are these
        left += int(leaving.sum())
        left_a += leaving_a.sum()
    expected_a = np.sum(expected_terms)
    variance = np.sum(variance_terms)
    if variance <= 0:
        return 0.0, 1.0
    statistic = float((deaths_a_sum - expected_a) ** 2 / variance)
    return statistic, chi2_sf(statistic, 1)


def logrank_between(records: pd.DataFrame, label_a: str, label_b: str) -> float:
    """Log-rank p-value between two groups of the same records."""
    grouped = with_groups(records)
    event = abandoned_flag(grouped)
    wait = grouped["wait_s"].to_numpy()
    in_a = (grouped[GROUP] == label_a).to_numpy()
    in_b = (grouped[GROUP] == label_b).to_numpy()
    return logrank_test(wait[in_a], event[in_a], wait[in_b], event[in_b])[1]


def abandonment_hazard(
    records: pd.DataFrame, bin_s: float = 5.0, max_s: float | None = None
) -> pd.DataFrame:
    """Abandonment hazard per group and time-in-queue bin: abandons / caller-seconds at risk.

    For bin [t, t + bin_s): events = abandons in the bin; exposure_s = seconds callers spent
    waiting in the bin (occurrence/exposure rate); hazard_per_s = events / exposure_s.
    A spike right after a check-in shows that the announcement drove callers away.
    """
    grouped = with_groups(records)
    event = abandoned_flag(grouped)
    wait = grouped["wait_s"].to_numpy(dtype=float)
    if max_s is None:
        max_s = float(np.ceil(np.quantile(wait, 0.99) / bin_s) * bin_s) if wait.size else bin_s
    bins = max(int(np.ceil(max_s / bin_s)), 1)
    parts = []
    for label, rows in grouped.groupby(GROUP, observed=True).indices.items():
        part = _hazard_bins(wait[rows], event[rows], bin_s, bins)
        part.insert(0, GROUP, str(label))
        parts.append(part)
    return pd.concat(parts, ignore_index=True) if parts else pd.DataFrame()


def _hazard_bins(wait: np.ndarray, event: np.ndarray, bin_s: float, bins: int) -> pd.DataFrame:
    index = np.floor(wait / bin_s).astype(np.int64)
    inside = index < bins
    count = np.bincount(index[inside], minlength=bins)[:bins]
    total = np.bincount(index[inside], weights=wait[inside], minlength=bins)[:bins]
    events = np.bincount(index[inside & event], minlength=bins)[:bins]
    start = np.arange(bins) * bin_s
    at_risk = wait.size - np.concatenate([[0], np.cumsum(count)[:-1]])
    beyond = wait.size - np.cumsum(count)
    exposure = bin_s * beyond + (total - start * count)
    with np.errstate(divide="ignore", invalid="ignore"):
        hazard = np.where(exposure > 0, events / exposure, np.nan)
    return pd.DataFrame(
        {
            "start_s": start,
            "end_s": start + bin_s,
            "at_risk": at_risk,
            "events": events,
            "exposure_s": exposure,
            "hazard_per_s": hazard,
        }
    )


def announcement_marks(
    events: pd.DataFrame | None, resolution_s: float = 5.0, min_share: float = 0.05
) -> dict[str, list[float]]:
    """Typical times in queue (s) at which each group heard announcements, from ANNOUNCE events.

    A time is marked when at least min_share of the group's announcements fall within
    resolution_s of it, so a once-a-minute check-in shows as marks at 60, 120, ... s.
    """
    if events is None or events.empty:
        return {}
    said = events[(events["event"] == Event.ANNOUNCE) & events["wait_s"].notna()]
    marks: dict[str, list[float]] = {}
    for (queue, policy, arm), rows in said.groupby(["queue", "policy", "arm"], observed=True):
        rounded = (rows["wait_s"].astype(float) / resolution_s).round() * resolution_s
        counts = rounded.value_counts()
        common = counts[counts >= max(1.0, min_share * len(rounded))]
        label = group_label(str(queue), str(policy), str(arm))
        marks[label] = sorted(set(marks.get(label, [])) | set(common.index.astype(float)))
    return marks
