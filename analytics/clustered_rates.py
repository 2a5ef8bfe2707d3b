"""Each group's compared rates, service level and ASA with standard errors that allow for calls
close in time moving together (`batch_means`), from per-minute sums: the whole-file and batched
reports both add calls per (group, entry minute), so they give the same numbers."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd

from analytics.batch_means import MINUTE_S, cluster_codes, clustered_se, interval
from analytics.filters import wall_clock
from analytics.groups import GROUP, with_groups
from analytics.intervals import t_quantile
from analytics.rate_counts import CLUSTERED, COUNT_COLUMNS, MEAN_SUMS, RATE_COUNTS, SHARE_COUNTS

MINUTE = "minute"


def entry_minutes(entered_at: pd.Series, timezone: str = "UTC") -> np.ndarray:
    """Whole minutes each call entered the queue, counted from 1970-01-01 00:00 on
    `timezone`'s wall clock (UTC by default), so that a day cluster (minutes // 1440,
    `batch_means.cluster_codes`) is one of the line's days, as the day breakdown's and
    days_together's are: UTC days had cut a Los Angeles line's every day at 16:00, putting
    its evening in one cluster with the next morning. Time batches are cut as before (in
    entry order; the hour a clock change repeats shares its minutes)."""
    seconds = wall_clock(entered_at, timezone).astype("int64") // 1_000_000_000
    return (seconds // MINUTE_S).to_numpy()


def minute_sums(records: pd.DataFrame, sums: dict[str, object],
                timezone: str = "UTC") -> pd.DataFrame:
    """The rate counts per (group, entry minute on `timezone`'s clock): columns group, minute
    and COUNT_COLUMNS."""
    grouped = with_groups(records)
    group = grouped[GROUP].cat
    minutes = entry_minutes(grouped["entered_at"], timezone)
    frame = pd.DataFrame({GROUP: group.codes.to_numpy(), MINUTE: minutes})
    for name in COUNT_COLUMNS:
        values = np.broadcast_to(np.asarray(sums[name]), minutes.shape)
        frame[name] = values.astype(np.int64) if values.dtype.kind in "biu" else values
    out = frame.groupby([GROUP, MINUTE], sort=True).sum().reset_index()
    out[GROUP] = np.asarray(group.categories.astype(str))[out[GROUP].to_numpy()]
    return out


def rate_errors(sums_by_minute: pd.DataFrame) -> pd.DataFrame:
    """Per group: `<name>_se` and `<name>_df` for each CLUSTERED figure, and `clustered_by`
    ('day', 'time batches' or 'none': too few calls and days, calls taken as independent)."""
    rows = {}
    for label, part in sums_by_minute.sort_values([GROUP, MINUTE]).groupby(GROUP, sort=True):
        minutes, calls = part[MINUTE].to_numpy(), part["calls"].to_numpy()
        found = cluster_codes(minutes, calls)
        row: dict[str, object] = {"clustered_by": found[1] if found else "none"}
        for metric, counts in CLUSTERED.items():
            x, m = counts(part)
            se, df = clustered_se(minutes, calls, x.to_numpy(float), m.to_numpy(float))
            row[f"{metric}_se"], row[f"{metric}_df"] = se, df
        rows[str(label)] = row
    return pd.DataFrame.from_dict(rows, orient="index")


def clustered_intervals(table: pd.DataFrame, confidence: float = 0.95) -> pd.DataFrame:
    """The CLUSTERED figures' CI columns widened by their clustered errors (never narrower than
    the interval that takes calls as independent); the table needs its counts and the
    `rate_errors` columns. A figure that is n/a (no calls, or not known: `metrics`) gets no
    interval."""
    out = table.copy()
    for metric, counts in {**RATE_COUNTS, **SHARE_COUNTS}.items():
        x, m = counts(table)
        low, high = [], []
        for label in table.index:
            if pd.isna(table.at[label, metric]):
                low.append(math.nan)
                high.append(math.nan)
                continue
            se = table.at[label, f"{metric}_se"]
            df = table.at[label, f"{metric}_df"]
            ends = interval(float(x[label]), float(m[label]),
                            float(se) if pd.notna(se) else math.nan,
                            float(df) if pd.notna(df) else 0, confidence)
            low.append(ends[0] if m[label] > 0 else math.nan)
            high.append(ends[1] if m[label] > 0 else math.nan)
        out[f"{metric}_ci_low"], out[f"{metric}_ci_high"] = low, high
    for metric in MEAN_SUMS:
        out = _widened_mean(out, metric, confidence)
    return out


def _widened_mean(table: pd.DataFrame, metric: str, confidence: float) -> pd.DataFrame:
    """`<metric>_ci_low_s`/`_high_s` widened to mean ± t·(clustered se) where that is wider."""
    mean, se = table[f"{metric}_s"], table[f"{metric}_se"].astype(float)
    df = table[f"{metric}_df"].fillna(0).astype(float)
    half = pd.Series(np.where(df > 0, t_quantile(0.5 + confidence / 2, np.maximum(df, 1)) * se,
                              np.nan), index=table.index)
    low, high = table[f"{metric}_ci_low_s"], table[f"{metric}_ci_high_s"]
    table[f"{metric}_ci_low_s"] = low.where(half.isna(), np.minimum(low, (mean - half).clip(0)))
    table[f"{metric}_ci_high_s"] = high.where(half.isna(), np.maximum(high, mean + half))
    return table
