"""GET /api/v1/experiments/QUEUE's comparison interval is the report's: Newcombe's, widened
for calls close in time moving together (`analytics.compare.pairwise_differences`). The
document had called it Newcombe's interval alone, which an analyst recomputing it finds
narrower (on a split of 1,231 and 1,183 calls: [-18.9, -11.0] pp against the [-23.7, -6.3]
pp served), and its p-value a plain test of the difference."""

from __future__ import annotations

import numpy as np
import pandas as pd

from analytics.compare import pairwise_differences
from analytics.intervals import newcombe_interval


def _described(console_app) -> dict[str, str]:
    document = console_app.test_client().get("/api/v1/openapi.json").get_json()
    fields = document["components"]["schemas"]["ArmComparison"]["properties"]
    return {name: spec.get("description", "") for name, spec in fields.items()}


def test_the_served_interval_is_widened_for_clustered_errors_and_the_document_says_so(
        console_app):
    metrics = pd.DataFrame({  # two arms whose calls move together: clustered errors
        "queue": ["support", "support"], "policy": ["callback", "music_ads"],
        "arm": ["callback", "music_ads"], "calls": [1231, 1183], "unserved": [502, 660],
        "unserved_rate": [502 / 1231, 660 / 1183], "unserved_rate_se": [0.026, 0.037],
        "unserved_rate_df": [19.0, 19.0]}, index=["support · arm callback",
                                                   "support · arm music_ads"])
    [row] = pairwise_differences(metrics).to_dict(orient="records")
    low, high = newcombe_interval(*(np.array([v], dtype=float) for v in (502, 1231, 660, 1183)))
    assert row["ci_low"] < low[0] and row["ci_high"] > high[0]  # what the API serves
    said = _described(console_app)
    assert "widened" in said["ci_low"] and "`holdwell report`" in said["ci_low"]
    assert "clustered t-test" in said["p_value_holm"]
