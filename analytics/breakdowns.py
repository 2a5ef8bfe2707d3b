"""Per-hour-of-day and per-day breakdowns per group: when in the day callers go unserved.

A policy can look fine over a week and fail every morning peak; the same definitions as the
report's totals are computed per (group, bucket) by relabelling each call's group, so no metric
is written twice. Hours are UTC hours of day (0–23) summed over the days; days are UTC dates.
"""

from __future__ import annotations

from typing import Any

import pandas as pd

from analytics.groups import GROUP, with_groups
from analytics.metrics import abandonment, unserved, wait_times

BUCKETS = {
    "hour_of_day": lambda t: t.dt.hour.astype(str).str.zfill(2),
    "day": lambda t: t.dt.strftime("%Y-%m-%d"),
}
_SEP = "\t"


def breakdown(records: pd.DataFrame, bucket: str) -> pd.DataFrame:
    """One row per group and bucket: calls, unserved rate (CI), abandonment rate, ASA."""
    grouped = with_groups(records)
    label = BUCKETS[bucket](grouped["entered_at"])
    relabelled = grouped.copy()
    keys = grouped[GROUP].astype(str) + _SEP + label
    relabelled[GROUP] = pd.Categorical(keys, categories=sorted(keys.unique()))
    parts = [unserved(relabelled), abandonment(relabelled), wait_times(relabelled)]
    table = pd.concat(parts, axis=1)
    split = table.index.to_series().str.split(_SEP, n=1, expand=True)
    table.insert(0, "group", split[0].to_numpy())
    table.insert(1, bucket, split[1].to_numpy())
    columns = ["group", bucket, "calls", "unserved", "unserved_rate", "unserved_rate_ci_low",
               "unserved_rate_ci_high", "abandonment_rate", "asa_s"]  # fmt: skip
    return table[columns].reset_index(drop=True)


def breakdown_entries(records: pd.DataFrame) -> dict[str, list[dict[str, Any]]]:
    """Both breakdowns as JSON-ready rows (NaN as None)."""
    out = {}
    for bucket in BUCKETS:
        table = breakdown(records, bucket).astype(object)
        out[bucket] = table.where(table.notna(), None).to_dict(orient="records")
    return out
