"""The policy comparison report as one plain object (JSON-ready), built from call records.

Renderers (`render_text`, `render_html`) and the CLI only format this object, so the numbers a
machine reads with `--json` are exactly the ones a person reads in the terminal.
"""

from __future__ import annotations

import json
import math
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from analytics.batch_means import paired_difference
from analytics.breakdowns import breakdown_entries
from analytics.compare import (
    NO_DIFFERENCE,
    PRIMARY_METRIC,
    pairwise_differences,
    sample_size_plan,
    too_small,
    verdict,
)
from analytics.definitions import definitions
from analytics.formatting import p_value
from analytics.groups import GROUP, with_groups
from analytics.intervals import holm_adjust
from analytics.kaplan_meier import PatienceCurve
from analytics.metrics import SERVICE_THRESHOLD_S, SHORT_ABANDON_S, all_metrics, unserved_sums
from analytics.rate_counts import RATE_COUNTS
from analytics.same_callers import Pairing, entry_times_of
from analytics.survival import (
    SURVIVAL_TIMES_S,
    logrank_between,
    median_patience,
    patience_fits,
    survival_at,
)
from hold_policies.records import NOT_QUEUED, Outcome

Report = dict[str, Any]

# report field -> metrics column (or a (low, high) pair of columns for an interval)
_POLICY_FIELDS: dict[str, str | tuple[str, str]] = {
    "calls": "calls",
    "unserved": "unserved",
    "unsettled": "unsettled",
    "unserved_rate": "unserved_rate",
    "unserved_rate_ci": ("unserved_rate_ci_low", "unserved_rate_ci_high"),
    # a count per outcome of calls that joined a queue: never-queued ones (NOT_QUEUED) are
    # in no group's figures, so their counts would be 0 by construction; `not_queued` has them
    **{f"n_{o.value}": f"n_{o.value}" for o in Outcome if o not in NOT_QUEUED},
    "callbacks_failed": "callbacks_failed",
    "callback_takers": "callback_takers",
    "abandoned": "abandoned",
    "short_abandons": "short_abandons",
    "answered": "answered",
    "errors": "errors",
    "abandonment_rate": "abandonment_rate",
    "abandonment_rate_ci": ("abandonment_rate_ci_low", "abandonment_rate_ci_high"),
    "abandonment_rate_short_excluded": "abandonment_rate_short_excluded",
    "abandonment_rate_short_excluded_ci": (
        "abandonment_rate_short_excluded_ci_low",
        "abandonment_rate_short_excluded_ci_high",
    ),
    "service_level": "service_level",
    "service_level_ci": ("service_level_ci_low", "service_level_ci_high"),
    "service_level_with_abandons": "service_level_with_abandons",
    "asa_s": "asa_s",
    "asa_ci": ("asa_ci_low_s", "asa_ci_high_s"),
    "served_in_time_rate": "served_in_time_rate",
    "served_in_time_rate_ci": ("served_in_time_rate_ci_low", "served_in_time_rate_ci_high"),
    "time_to_serve_s": "time_to_serve_s",
    "time_to_serve_ci": ("time_to_serve_ci_low_s", "time_to_serve_ci_high_s"),
    "callbacks_untimed": "callbacks_untimed",
    "callbacks_untimed_within": "callbacks_untimed_within",
    "mean_time_to_abandon_s": "mean_time_to_abandon_s",
    "median_time_to_abandon_s": "median_time_to_abandon_s",
    "median_patience_s": "median_patience_s",
    "median_patience_ci": ("median_patience_ci_low", "median_patience_ci_high"),
    **{f"still_waiting_{t:g}s": f"still_waiting_{t:g}s" for t in SURVIVAL_TIMES_S},
    **{
        f"still_waiting_{t:g}s_ci": (f"{name}_ci_low", f"{name}_ci_high")
        for t in SURVIVAL_TIMES_S
        for name in [f"still_waiting_{t:g}s"]
    },
    "callbacks_requested": "callbacks_requested",
    "callback_acceptance_rate": "callback_acceptance_rate",
    "callbacks_connected": "callbacks_connected",
    "callbacks_answered_first": "callbacks_answered_first",
    "callback_completion_rate": "callback_completion_rate",
    "callbacks_given_band": "callbacks_given_band",
    "callbacks_promise_pending": "callbacks_promise_pending",
    "callbacks_promise_cancelled": "callbacks_promise_cancelled",
    "callback_promise_kept_rate": "callback_promise_kept_rate",
    "caller_wait_minutes": "caller_wait_minutes",
    "announced_calls": "announced_calls",
    "announced_wait_mean_error_s": "announced_wait_mean_error_s",
    "kept_longer_than_told_share": "kept_longer_than_told_share",
}


def build_report(
    records: pd.DataFrame,
    short_abandon_s: float = SHORT_ABANDON_S,
    service_threshold_s: float = SERVICE_THRESHOLD_S,
    detect_drop: float = 0.03,
    confidence: float = 0.95,
    timezone: str = "UTC",
    not_queued: Sequence[dict[str, Any]] = (),
) -> Report:
    """Metrics, patience and comparisons for every group in validated records.

    Groups are queue × policy, or queue × experiment arm (intention to treat). For a file too
    big to hold, `analytics.summary` gives the same report from batches. `not_queued`: the
    calls of the period and queues that never joined a queue, per group, as the readers
    counted them (`analytics.not_queued.NotQueued.entries`), given apart.
    """
    grouped = with_groups(records)
    table = all_metrics(grouped, short_abandon_s, service_threshold_s, timezone)
    entries = entry_times_of(grouped, GROUP, unserved_sums(grouped)["unserved"])
    parts = ReportParts(
        table=table,
        patience=patience_table(patience_fits(grouped, confidence), confidence),
        logrank_p=lambda a, b: logrank_between(grouped, a, b),
        period=_period(records),
        breakdowns=breakdown_entries(grouped, timezone),
        same_callers=entries.same_callers,
        timezone=timezone,
        pairing=entries.pairing,
        not_queued=tuple(not_queued),
    )
    return assemble_report(parts, short_abandon_s, service_threshold_s, detect_drop, confidence)


@dataclass(frozen=True)
class ReportParts:
    """What a report is made of, however the records were read: the all_metrics table, the
    patience figures (`patience_table`), the log-rank p-value of two groups, the period and the
    breakdowns; whether two groups are one set of callers, and those callers aligned for the
    paired comparison (`same_callers.EntryTimes`); the calls that never joined a queue, per
    group (`analytics.not_queued`)."""

    table: pd.DataFrame
    patience: pd.DataFrame
    logrank_p: Callable[[str, str], float]
    period: dict[str, Any]
    breakdowns: dict[str, list[dict[str, Any]]]
    same_callers: Callable[[str, str], bool] = lambda _a, _b: False  # same_callers.py
    timezone: str = "UTC"  # the clock of the breakdowns' hours and days
    pairing: Callable[[str, str], Pairing | None] = lambda _a, _b: None  # same_callers.py
    not_queued: Sequence[dict[str, Any]] = ()  # not_queued.NotQueued.entries()


def assemble_report(
    parts: ReportParts,
    short_abandon_s: float = SHORT_ABANDON_S,
    service_threshold_s: float = SERVICE_THRESHOLD_S,
    detect_drop: float = 0.03,
    confidence: float = 0.95,
) -> Report:
    """The report object from its parts."""
    table = parts.table.join(parts.patience)
    policies = [_policy_entry(label, row) for label, row in table.iterrows()]
    return {
        "warnings": untimed_warnings(policies, service_threshold_s),
        "definitions": definitions(short_abandon_s, service_threshold_s),
        "settings": {
            "short_abandon_s": short_abandon_s,
            "service_threshold_s": service_threshold_s,
            "confidence": confidence,
            "timezone": parts.timezone,
        },
        "period": {**parts.period, **not_queued_totals(parts.not_queued)},
        "policies": policies,
        "not_queued": [dict(entry) for entry in parts.not_queued],
        "comparisons": _comparisons(parts.logrank_p, table, confidence,
                                    days_of(parts.breakdowns.get("day", [])),
                                    parts.same_callers, parts.pairing),
        "sample_size": _clean(sample_size_plan(table, detect_drop)),
        "breakdowns": parts.breakdowns,
    }


def untimed_warnings(policies: Sequence[Mapping[str, Any]],
                     service_threshold_s: float) -> list[str]:
    """A sentence per group with connected callbacks that lack callback_wait_s, saying which
    figures that makes n/a and why (`metrics.untimed_callbacks`): such callbacks had been
    left out of the time to serve without a word, which then read as the ASA."""
    said = []
    for entry in policies:
        untimed = entry.get("callbacks_untimed") or 0
        if not untimed:
            continue
        early = entry.get("callbacks_untimed_within") or 0
        threshold = f"{service_threshold_s:g} s"
        text = (f"{entry['group']}: {untimed:,} connected "
                f"{'callback has' if untimed == 1 else 'callbacks have'} no "
                "callback_wait_s (entering the queue -> connected), so its time to serve, "
                "callbacks included, is n/a (without them it would be the mean of the "
                "answered callers alone)")
        if early:
            text += (f"; served within T is n/a too: {early:,} of them left the line within "
                     f"{threshold}, so whether they were served within it is unknown")
        else:
            text += (f"; served within T counts them as not served within {threshold}, "
                     f"which none was (each left the line after {threshold}, and a callback "
                     "connects after that)")
        said.append(text)
    return said


def not_queued_totals(entries: Sequence[Mapping[str, Any]]) -> dict[str, int]:
    """The period's calls left out as never queued: all of them, and those that rang while
    the line was closed and those that kept a pending callback (the `not_queued` section's
    sums), from files and the database alike."""
    closed = sum(int(e.get("closed") or 0) for e in entries)
    kept = sum(int(e.get("kept_callback") or 0) for e in entries)
    return {"not_queued": closed + kept, "not_queued_closed": closed,
            "not_queued_kept_callback": kept}


def patience_table(fits: Mapping[str, PatienceCurve], confidence: float = 0.95) -> pd.DataFrame:
    """What the report reads off each group's patience curve: the median and survival at fixed
    times, with their CIs (a row per group; the curves themselves can then go)."""
    return median_patience(fits).join(survival_at(fits, confidence=confidence))


def period_entry(calls: int, first: pd.Timestamp | None, last: pd.Timestamp | None) -> dict:
    """The report's period: how many calls, the first and last entry times (UTC)."""
    if not calls or first is None or last is None:
        return {"calls": 0, "first_entered_at": None, "last_entered_at": None}
    return {
        "calls": calls,
        "first_entered_at": first.strftime("%Y-%m-%dT%H:%M:%SZ"),
        "last_entered_at": last.strftime("%Y-%m-%dT%H:%M:%SZ"),
    }


def report_json(report: Report) -> str:
    """The report as JSON text (NaN and infinities become null)."""
    return json.dumps(_clean(report), indent=2, ensure_ascii=False, allow_nan=False)


def _period(records: pd.DataFrame) -> dict[str, Any]:
    entered = records["entered_at"]
    if entered.empty:
        return period_entry(0, None, None)
    return period_entry(len(records), entered.min(), entered.max())


def _policy_entry(label: str, row: pd.Series) -> dict[str, Any]:
    entry: dict[str, Any] = {
        "group": label,
        "queue": row["queue"],
        "policy": row["policy"],
        "arm": row["arm"],
    }
    for field, column in _POLICY_FIELDS.items():
        if isinstance(column, tuple):
            entry[field] = [_number(row[column[0]]), _number(row[column[1]])]
        else:
            entry[field] = _number(row[column])
    entry["median_patience_reached"] = bool(np.isfinite(row["median_patience_s"]))
    entry["clustered_by"] = str(row.get("clustered_by", "none"))
    return entry


OVERLAP_NEEDED = 0.5
"""The share of each group's calls that must fall on days shared with the other for the two
to be compared: groups that ran at different times (a policy switched on one Monday) differ in
load, staffing and season as much as in policy, so no verdict is drawn between them
(randomised arms always share their days)."""
FAIR_SHARE = 0.25
"""A day is shared by two groups when each had at least this fraction of its usual share of
the pair's calls that day: a stray call of the other policy does not make a day shared (one
call a day beside 300 had made ten days 'together'), a 90/10 split's minority arm does."""
APART = "not compared: ran on different days"
PAIRED = "paired: the same callers under each policy"
PAIRED_TEST = "paired t"


def days_of(day_rows: list[dict[str, Any]]) -> dict[str, dict[str, int]]:
    """Each group's calls per day on the report's clock (from the per-day breakdown)."""
    days: dict[str, dict[str, int]] = {}
    for row in day_rows:
        if row.get("calls"):
            days.setdefault(str(row["group"]), {})[str(row["day"])] = int(row["calls"])
    return days


def _comparisons(
    logrank_p: Callable[[str, str], float], table: pd.DataFrame, confidence: float,
    days: Mapping[str, Mapping[str, int]] | None = None,
    same_callers: Callable[[str, str], bool] = lambda _a, _b: False,
    pairing: Callable[[str, str], Pairing | None] = lambda _a, _b: None,
) -> list[dict]:
    """Pairwise differences, primary (unserved, ITT) first, then the secondary abandonment rates.

    The log-rank test of the two patience curves is given once per pair (on its primary row),
    Holm-adjusted across pairs like the z-tests; the verdict is drawn from the primary row only,
    and only for groups with at least OVERLAP_NEEDED of each one's calls on shared days
    (`calls_together`), or that are one set of callers run under each policy
    (`same_callers`: a simulation's, on days of their own). Such a pair's primary row is
    the paired comparison `holdwell compare` gives (`_paired`).
    """
    frames = [_paired(pairwise_differences(table, metric, confidence), pairing, confidence)
              if metric == PRIMARY_METRIC else pairwise_differences(table, metric, confidence)
              for metric in RATE_COUNTS]
    pairs = pd.concat(frames, ignore_index=True)
    keys = list(dict.fromkeys(zip(pairs["a"], pairs["b"], strict=True)))
    raw = np.array([logrank_p(*key) for key in keys], dtype=float)
    logrank = dict(zip(keys, zip(raw, holm_adjust(raw), strict=True), strict=True))
    same = {key: same_callers(*key) for key in keys}
    return [_comparison_entry(row._asdict(), logrank, days, same[(row.a, row.b)])
            for row in pairs.itertuples(index=False)]


def _paired(primary: pd.DataFrame, pairing: Callable[[str, str], Pairing | None],
            confidence: float) -> pd.DataFrame:
    """The unserved rates' rows with a pair of one set of callers compared caller by caller:
    the interval and p-value of `batch_means.paired_difference` (the paired t test on the
    callers' differences, batch means; compare's very interval), test 'paired t', Holm
    adjusted again over the pairs. Other pairs keep their unpaired test."""
    primary = primary.copy()
    primary["paired"] = False
    for index, row in primary.iterrows():
        aligned = pairing(row["a"], row["b"])
        found = None if aligned is None else paired_difference(
            aligned.unserved_b, aligned.unserved_a, aligned.entered_s, confidence)
        if found is None:
            continue
        _, low, high, p_value = found  # the difference is the rates' (the same callers)
        primary.loc[index, ["ci_low", "ci_high", "p_value"]] = [low, high, p_value]
        primary.loc[index, ["test", "paired"]] = [PAIRED_TEST, True]
    if primary["paired"].any():
        primary["p_value_holm"] = holm_adjust(primary["p_value"].to_numpy(float))
    return primary


def days_together(days: Mapping[str, Mapping[str, int]] | None, a: str,
                  b: str) -> dict[str, list] | None:
    """Overlap of two groups in time, counted in calls (None: days unknown).

    days: [days shared (each had a FAIR_SHARE of its usual share of the pair's calls), days
    either had calls]; calls: [share of a's calls on shared days, the same for b].
    """
    if days is None or a not in days or b not in days:
        return None
    on_a, on_b = days[a], days[b]
    total_a, total_b = sum(on_a.values()), sum(on_b.values())
    usual_a = total_a / (total_a + total_b)
    shared = [d for d in on_a.keys() & on_b.keys()
              if on_a[d] >= FAIR_SHARE * usual_a * (on_a[d] + on_b[d])
              and on_b[d] >= FAIR_SHARE * (1 - usual_a) * (on_a[d] + on_b[d])]
    return {"days": [len(shared), len(on_a.keys() | on_b.keys())],
            "calls": [sum(on_a[d] for d in shared) / total_a,
                      sum(on_b[d] for d in shared) / total_b]}


def _comparison_entry(row: dict[str, Any], logrank: dict[tuple, tuple],
                      days: Mapping[str, Mapping[str, int]] | None = None,
                      same_callers: bool = False) -> dict[str, Any]:
    primary = row["metric"] == PRIMARY_METRIC
    p_logrank, p_logrank_holm = logrank[(row["a"], row["b"])] if primary else (None, None)
    entry = {
        "a": row["a"],
        "b": row["b"],
        "metric": row["metric"],
        "primary": primary,
        "rate_a": _number(row["rate_a"]),
        "rate_b": _number(row["rate_b"]),
        "n_a": _number(row["n_a"]),
        "n_b": _number(row["n_b"]),
        "difference": _number(row["difference"]),
        "ci": [_number(row["ci_low"]), _number(row["ci_high"])],
        "relative_risk": _number(row["relative_risk"]),
        "relative_risk_ci": [
            _number(row["relative_risk_ci_low"]),
            _number(row["relative_risk_ci_high"]),
        ],
        "p_value": _number(row["p_value"]),
        "test": row["test"],
        "p_value_holm": _number(row["p_value_holm"]),
        "unsettled_a": _number(row.get("unsettled_a", 0)),
        "unsettled_b": _number(row.get("unsettled_b", 0)),
        "logrank_p_value": _number(p_logrank),
        "logrank_p_value_holm": _number(p_logrank_holm),
    }
    together = days_together(days, row["a"], row["b"])
    entry["days_together"] = together and together["days"]
    entry["calls_together"] = together and together["calls"]
    entry["same_callers"] = same_callers
    entry["paired"] = primary and bool(row["paired"])  # on the primary rows alone (`_paired`)
    entry["pairing"] = PAIRED if entry["paired"] else None
    apart = together is not None and min(together["calls"]) < OVERLAP_NEEDED and \
        not same_callers
    entry["verdict"] = (APART if apart and not too_small(entry) else verdict(entry)) \
        if primary else None
    entry["verdict_note"] = interval_note(entry)
    return entry


def interval_note(entry: dict[str, Any]) -> str | None:
    """Why a primary row's 95% interval can exclude 0 beside 'no clear difference': the
    interval is this pair's alone, the verdict reads the Holm-adjusted p over every pair of
    the report (and, unpaired, the larger of the z or exact and the clustered test's p).
    Unsaid, '-1.2 pp [-2.3, -0.1 pp] … no clear difference' read as a contradiction, or as
    a difference the report was too timid to name. None where there is nothing to explain."""
    low, high = entry["ci"]
    if entry["verdict"] != NO_DIFFERENCE or low is None or high is None \
            or entry["p_value_holm"] is None or not (low > 0 or high < 0):
        return None
    return (f"its 95% interval excludes 0, but the verdict's p does not reach 0.05 (Holm "
            f"{p_value(entry['p_value_holm'])}: the test named, adjusted for every pair "
            "compared; the interval is this pair's alone, unadjusted)")


def _number(value: Any) -> int | float | None:
    """A JSON-friendly number: ints stay ints, NaN/inf/NA become None."""
    if value is None or value is pd.NA:
        return None
    if isinstance(value, bool | np.bool_):
        return int(value)
    if isinstance(value, int | np.integer):
        return int(value)
    number = float(value)
    return number if math.isfinite(number) else None


def _clean(value: Any) -> Any:
    """Recursively turn numpy scalars and non-finite floats into JSON-safe values."""
    if isinstance(value, dict):
        return {str(k): _clean(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_clean(v) for v in value]
    if isinstance(value, str) or value is None:
        return value
    if isinstance(value, bool | np.bool_):
        return bool(value)
    if isinstance(value, float | int | np.number | np.bool_) or value is pd.NA:
        return _number(value)
    return value
