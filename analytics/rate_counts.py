"""The numerator and denominator of each compared rate, from per-group (or per-cluster) sums.

One definition for the comparisons and for the clustered standard errors of the same rates.
"""

from __future__ import annotations

import pandas as pd

# metric name -> (numerator, denominator) built from sums columns; primary first
RATE_COUNTS = {
    "unserved_rate": lambda m: (m["unserved"], m["calls"]),
    "abandonment_rate": lambda m: (m["abandoned"], m["calls"] - m["callback_takers"]),
    "abandonment_rate_short_excluded": lambda m: (
        m["abandoned"] - m["short_abandons"],
        m["calls"] - m["callback_takers"] - m["short_abandons"],
    ),
}
SHARE_COUNTS = {
    "service_level": lambda m: (m["answered_within"], m["answered"]),
    "served_in_time_rate": lambda m: (m["served_within"], m["calls"]),
}
"""Shares that get the rates' clustered intervals but are not compared pair by pair: a busy
hour answers late together, so a Wilson interval over calls is too narrow."""
MEAN_SUMS = {
    "asa": lambda m: (m["wait"], m["answered"]),
    "time_to_serve": lambda m: (m["serve_wait"], m["served"]),
}
"""Means of a per-call value, as (total, calls), with a clustered interval: mean ± t·sd/√n
over calls had covered the mean of 20 runs of one day in 11 of 20 (ASA). Named `<name>_s` in
the metrics table."""
CLUSTERED = {**RATE_COUNTS, **SHARE_COUNTS, **MEAN_SUMS}
"""Every figure whose standard error allows for calls close in time moving together."""
COUNT_COLUMNS = ("calls", "unserved", "callback_takers", "abandoned", "short_abandons",
                 "answered", "answered_within", "wait", "served", "served_within", "serve_wait")


def rate_counts(sums: pd.DataFrame, metric: str) -> tuple[pd.Series, pd.Series]:
    """Numerator and denominator of a rate metric, per row of sums."""
    if metric not in RATE_COUNTS:
        raise ValueError(f"unknown rate metric {metric!r}; choose from {', '.join(RATE_COUNTS)}")
    return RATE_COUNTS[metric](sums)
