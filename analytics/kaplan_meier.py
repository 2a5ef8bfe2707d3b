"""Kaplan–Meier curves with exponential Greenwood bands, in numpy, from one sort per group.

The report needs a curve, its band, the median and the number at risk for every group; lifelines
gives the same numbers (the tests check them against `KaplanMeierFitter`) but takes seconds to
import and to fit millions of waits. Estimator: S(t) = Π_{tᵢ ≤ t} (1 − dᵢ/nᵢ); band (Kalbfleisch
& Prentice, lifelines' default): exp(−exp(log(−log S) ± z·√V)), V = Σ dᵢ/(nᵢ(nᵢ − dᵢ)) / log(S)².
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import NamedTuple

import numpy as np
from numpy.typing import ArrayLike

from analytics.intervals import z_value


@dataclass(frozen=True, eq=False)
class PatienceCurve:
    """A step function from time 0: survival and its band at each timeline point, and how many
    callers were still waiting (at risk) there."""

    label: str
    timeline: np.ndarray
    survival: np.ndarray
    ci_low: np.ndarray
    ci_high: np.ndarray
    at_risk: np.ndarray
    calls: int

    def at(self, values: np.ndarray, times: ArrayLike) -> np.ndarray:
        """A right-continuous step function of this curve (values per timeline) at times."""
        positions = np.searchsorted(self.timeline, np.asarray(times, float), side="right") - 1
        return values[np.clip(positions, 0, len(values) - 1)]

    def survival_at(self, times: ArrayLike) -> np.ndarray:
        return self.at(self.survival, times)

    def waiting_at(self, times: ArrayLike) -> np.ndarray:
        """Callers whose wait was at least t (still waiting just before t)."""
        positions = np.searchsorted(self.timeline, np.asarray(times, float), side="left")
        padded = np.append(self.at_risk, 0)
        return padded[np.clip(positions, 0, len(self.at_risk))]

    def quantile_time(self, values: np.ndarray, level: float = 0.5) -> float:
        """First time the step function falls to `level` or below (inf if it never does)."""
        below = np.flatnonzero(values <= level)
        return float(self.timeline[below[0]]) if below.size else float("inf")

    @property
    def longest_s(self) -> float:
        return float(self.timeline[-1])


class WaitCounts(NamedTuple):
    """Waits as survival data, tied: each distinct wait, how many calls ended then (leaving) and
    how many of them abandoned (deaths). Every curve and test needs only these."""

    times: np.ndarray
    leaving: np.ndarray  # int64
    deaths: np.ndarray  # float64 (whole numbers)

    @property
    def calls(self) -> int:
        return int(self.leaving.sum())


def wait_counts(durations: ArrayLike, events: ArrayLike) -> WaitCounts:
    """Tie the waits: `events` marks an abandon, the others are censored. Two sorts (all
    waits, abandoners' waits), cheaper than np.unique's argsort for the same counts."""
    wait = np.sort(np.asarray(durations, dtype=float))
    died = np.sort(np.asarray(durations, dtype=float)[np.asarray(events, dtype=bool)])
    starts = np.flatnonzero(np.concatenate([[True], wait[1:] != wait[:-1]]))
    times = wait[starts]
    leaving = np.diff(np.append(starts, wait.size)).astype(np.int64)
    deaths = np.bincount(np.searchsorted(times, died), minlength=times.size).astype(np.float64)
    return WaitCounts(times, leaving, deaths)


def merge_counts(parts: list[WaitCounts]) -> WaitCounts:
    """Tied waits of several parts of one group as one (what `wait_counts` gives on all)."""
    if len(parts) == 1:
        return parts[0]
    if not parts:
        return wait_counts(np.zeros(0), np.zeros(0, bool))
    times = np.unique(np.concatenate([p.times for p in parts]))
    leaving = np.zeros(times.size, dtype=np.int64)
    deaths = np.zeros(times.size)
    for part in parts:
        at = np.searchsorted(times, part.times)
        leaving[at] += part.leaving
        deaths[at] += part.deaths
    return WaitCounts(times, leaving, deaths)


def kaplan_meier(
    durations: ArrayLike, events: ArrayLike, label: str = "", confidence: float = 0.95
) -> PatienceCurve:
    """The KM curve of waits where `events` marks an abandon (others are censored)."""
    return kaplan_meier_counts(wait_counts(durations, events), label, confidence)


_CHUNK = 1 << 20  # distinct waits worked on at once


def kaplan_meier_counts(
    counts: WaitCounts, label: str = "", confidence: float = 0.95
) -> PatienceCurve:
    """The KM curve from tied waits (`wait_counts`)."""
    chunks = list(_chunks(counts, confidence))
    columns = [np.concatenate(c) for c in zip(*chunks, strict=True)] if chunks else [
        np.zeros(0), np.zeros(0), np.zeros(0), np.zeros(0), np.zeros(0, np.int64)]  # fmt: skip
    return _from_time_zero(label, counts.calls, *columns)


def patience_points(
    counts: WaitCounts, times_s: ArrayLike, label: str = "", confidence: float = 0.95
) -> PatienceCurve:
    """The KM curve thinned to the points a report reads, worked out a chunk at a time (bounded
    memory on millions of distinct waits): its first and last points, the first at or below
    0.5 on the curve and on each band (the medians), and the last at or before and the first
    at or after each of times_s (the callers whose wait reached it: `waiting_at`). Medians,
    survival_at, waiting_at and longest_s read the same numbers from it as from the whole
    curve.
    """
    times_s = np.asarray(times_s, dtype=float)
    kept: list[list[np.ndarray]] = []
    halved = [False, False, False]
    for chunk in _chunks(counts, confidence):
        times, values = chunk[0], chunk[1:4]
        rows = [0, times.size - 1, *(np.searchsorted(times, times_s, side="right") - 1),
                *np.searchsorted(times, times_s, side="left")]
        for i, series in enumerate(values):
            below = np.flatnonzero(series <= 0.5)[:1] if not halved[i] else []
            halved[i] = halved[i] or len(below) > 0
            rows.extend(below)
        picked = np.unique(np.clip(np.asarray(rows, dtype=np.int64), 0, times.size - 1))
        kept.append([column[picked] for column in chunk])
    columns = [np.concatenate(c) for c in zip(*kept, strict=True)] if kept else [
        np.zeros(0), np.zeros(0), np.zeros(0), np.zeros(0), np.zeros(0, np.int64)]  # fmt: skip
    return _from_time_zero(label, counts.calls, *columns)


def _chunks(counts: WaitCounts, confidence: float):  # noqa: ANN202 - a generator of arrays
    """(times, survival, low, high, at_risk) a chunk of distinct waits at a time; the running
    product and sums carry over, so the numbers are those of one pass over all of them."""
    z = z_value(confidence)
    calls, left, carried_s, carried_g = counts.calls, 0, 1.0, 0.0
    for start in range(0, counts.times.size, _CHUNK):
        times = counts.times[start : start + _CHUNK]
        leaving = counts.leaving[start : start + _CHUNK]
        deaths = counts.deaths[start : start + _CHUNK]
        at_risk = calls - (left + np.concatenate([[0], np.cumsum(leaving)[:-1]])).astype(np.int64)
        with np.errstate(divide="ignore", invalid="ignore"):
            survival = np.cumprod(np.concatenate([[carried_s], 1.0 - deaths / at_risk]))[1:]
            greenwood = np.cumsum(np.concatenate(
                [[carried_g], deaths / (at_risk * (at_risk - deaths))]))[1:]  # fmt: skip
            log_s = np.log(survival)
            spread = z * np.sqrt(greenwood / log_s**2)
            loglog = np.log(-log_s)
            low = np.exp(-np.exp(loglog + spread))
            high = np.exp(-np.exp(loglog - spread))
        flat = greenwood == 0  # before the first abandon: S = 1 exactly
        low, high = np.where(flat, 1.0, low), np.where(flat, 1.0, high)
        low = np.where(survival <= 0, 0.0, np.nan_to_num(low, nan=0.0))
        high = np.where(survival <= 0, 0.0, np.nan_to_num(high, nan=1.0))
        left += int(leaving.sum())
        carried_s, carried_g = survival[-1], greenwood[-1]
        yield times, survival, low, high, at_risk


def _from_time_zero(
    label: str, calls: int, times: np.ndarray, survival: np.ndarray, low: np.ndarray,
    high: np.ndarray, at_risk: np.ndarray,
) -> PatienceCurve:
    if times.size == 0 or times[0] > 0:  # the curve starts at 1 at time 0, as lifelines' does
        times, survival = np.concatenate([[0.0], times]), np.concatenate([[1.0], survival])
        low, high = np.concatenate([[1.0], low]), np.concatenate([[1.0], high])
        at_risk = np.concatenate([[calls], at_risk])
    return PatienceCurve(label, times, survival, low, high, at_risk, calls)
