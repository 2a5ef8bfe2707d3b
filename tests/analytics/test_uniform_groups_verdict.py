"""A group whose every call was lost against one whose every call was served is the clearest
difference a report can meet: its clustered standard error is 0 (every time batch of both at
one rate), and the clustered t-test had read that as p = 1, 'no clear difference' beside an
interval of -100 pp [-100, -91.5 pp]. With nothing clustered to measure, the independent test
stands."""

from __future__ import annotations

import numpy as np
import pandas as pd

from analytics.compare import clustered_difference
from analytics.report import build_report
from analytics.summary import RecordsSummary
from analytics.validation import validate_records

CALLS = 60


def records(policy: str, outcome: str) -> pd.DataFrame:
    """CALLS calls a minute apart, all with one outcome."""
    return pd.DataFrame({
        "call_id": [f"{policy}-{i}" for i in range(CALLS)], "queue": "support",
        "policy": policy, "arm": "",
        "entered_at": pd.Timestamp("2026-03-02T09:00Z")
        + pd.to_timedelta(np.arange(CALLS) * 61.0 + (policy == "silence") * 7, unit="s"),
        "outcome": outcome, "wait_s": 40.0, "orig_position": 2, "announcements": 0,
        "first_announced_wait_s": np.nan, "callback_wait_s": np.nan})  # fmt: skip


def primary(report: dict) -> dict:
    (row,) = [c for c in report["comparisons"] if c["primary"]]
    return row


def every_call_lost_against_none() -> pd.DataFrame:
    return validate_records(pd.concat([records("checkin", "answered"),
                                       records("silence", "abandoned")], ignore_index=True))


def test_all_lost_against_none_lost_is_a_difference():
    row = primary(build_report(every_call_lost_against_none()))
    assert row["ci"][1] < 0
    assert row["p_value"] < 0.001 and row["test"] != "clustered t"
    assert row["verdict"] == "support · checkin lower"


def test_read_in_batches_it_is_the_same_difference():
    summary = RecordsSummary()
    whole = every_call_lost_against_none()
    for start in range(0, len(whole), 25):
        summary.add(whole.iloc[start:start + 25])
    assert primary(summary.report())["verdict"] == "support · checkin lower"


def test_zero_clustered_errors_leave_the_independent_test():
    side_a = (np.array([0.0]), np.array([60.0]), np.array([0.0]), np.array([19.0]))
    side_b = (np.array([60.0]), np.array([60.0]), np.array([0.0]), np.array([19.0]))
    low, high, p = clustered_difference(side_a, side_b,
                                        (np.array([-1.0]), np.array([-0.9]), np.array([1e-30])))
    assert (low[0], high[0], p[0]) == (-1.0, -0.9, 1e-30)
