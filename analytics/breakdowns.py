"""Per-hour-of-day and per-day breakdowns per group: when in the day callers go unserved.

A policy can look fine over a week and fail every morning peak; the same definitions as the
report's totals are computed per (group, bucket) by relabelling each call's group, so no metric
is written twice. Hours are hours of day (0–23) summed over the days and days are dates, both
on the report's clock (`timezone`, UTC by default): a Berlin line's morning peak is its 08:00.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd

from analytics.filters import wall_clock
from analytics.groups import GROUP, with_groups
from analytics.metrics import (
    SHORT_ABANDON_S,
    abandonment_rates,
    abandonment_sums,
    sum_by_group,
    unserved_rates,
    unserved_sums,
    wait_means,
    wait_sums,
)

BUCKETS = {  # bucket -> (integer code per call on a clock, its label)
    "hour_of_day": (lambda t, zone: wall_clock(t, zone).dt.hour.to_numpy(),
                    lambda code: f"{code:02d}"),
    "day": (
        lambda t, zone: (wall_clock(t, zone).dt.floor("D").astype("int64")
                         // 86_400_000_000_000).to_numpy(),
        lambda code: pd.Timestamp(code * 86_400, unit="s").strftime("%Y-%m-%d"),
    ),
}  # fmt: skip
_SEP = "\t"


def breakdown(records: pd.DataFrame, bucket: str, timezone: str = "UTC") -> pd.DataFrame:
    """One row per group and bucket: calls, unserved rate (CI), abandonment rate, ASA."""
    grouped = with_groups(records)
    codes, name = BUCKETS[bucket]
    bucket_code = np.asarray(codes(grouped["entered_at"], timezone), dtype=np.int64)
    group = grouped[GROUP].cat
    low = bucket_code.min() if len(bucket_code) else 0
    span = int(bucket_code.max() - low + 1) if len(bucket_code) else 1
    key = group.codes.to_numpy().astype(np.int64) * span + (bucket_code - low)
    present, inverse = np.unique(key, return_inverse=True)  # integers: fast on millions
    labels = [bucket_label(group.categories[k // span], name(int(k % span + low))) for k in present]
    relabelled = grouped[["outcome", "callback_requested", "wait_s", "callback_wait_s"]].copy()
    relabelled[GROUP] = pd.Categorical.from_codes(inverse.ravel(), categories=labels)
    return breakdown_table(sum_by_group(relabelled, breakdown_sums(relabelled)), bucket)


def bucket_label(group: str, bucket: str) -> str:
    """The row label of one group in one bucket (split again by `breakdown_table`)."""
    return f"{group}{_SEP}{bucket}"


def breakdown_sums(records: pd.DataFrame) -> dict[str, object]:
    """The per-call columns a breakdown row adds up (its metrics' own sums)."""
    return {**unserved_sums(records), **abandonment_sums(records, SHORT_ABANDON_S),
            **wait_sums(records)}  # fmt: skip


def breakdown_table(sums: pd.DataFrame, bucket: str) -> pd.DataFrame:
    """Breakdown rows from `breakdown_sums` per (group, bucket) row label."""
    parts = [unserved_rates(sums), abandonment_rates(sums), wait_means(sums)]
    table = pd.concat(parts, axis=1)
    split = table.index.to_series().str.split(_SEP, n=1, expand=True)
    table.insert(0, "group", split[0].to_numpy())
    table.insert(1, bucket, split[1].to_numpy())
    columns = ["group", bucket, "calls", "unserved", "unserved_rate", "unserved_rate_ci_low",
               "unserved_rate_ci_high", "abandonment_rate", "asa_s", "time_to_serve_s"]  # fmt: skip
    return table[columns].reset_index(drop=True)


def breakdown_entries(records: pd.DataFrame, timezone: str = "UTC"
                      ) -> dict[str, list[dict[str, Any]]]:
    """Both breakdowns as JSON-ready rows (NaN as None), on `timezone`'s clock."""
    return {bucket: entries(breakdown(records, bucket, timezone)) for bucket in BUCKETS}


def entries(table: pd.DataFrame) -> list[dict[str, Any]]:
    """A breakdown table as JSON-ready rows (NaN as None)."""
    table = table.astype(object)
    return table.where(table.notna(), None).to_dict(orient="records")
