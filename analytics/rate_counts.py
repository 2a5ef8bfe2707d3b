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
COUNT_COLUMNS = ("calls", "unserved", "callback_takers", "abandoned", "short_abandons")


def rate_counts(sums: pd.DataFrame, metric: str) -> tuple[pd.Series, pd.Series]:
    """Numerator and denominator of a rate metric, per row of sums."""
    if metric not in RATE_COUNTS:
        raise ValueError(f"unknown rate metric {metric!r}; choose from {', '.join(RATE_COUNTS)}")
    return RATE_COUNTS[metric](sums)
