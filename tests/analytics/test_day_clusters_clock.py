"""A group of 20 days or more is clustered by day, and a day is the line's own, on the report's
clock (`--timezone`), as the day breakdown's and days_together's are. UTC days had cut a Los
Angeles line's every day at 16:00, so each cluster held one evening and the next morning, and
a day's callers lost together were counted as two half-days that had nothing in common."""

from __future__ import annotations

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import numpy as np
import pytest

from analytics.batch_means import interval, ratio_se
from analytics.metrics import all_metrics
from analytics.report import build_report
from analytics.summary import RecordsSummary
from hold_policies.records import Outcome
from tests.analytics.builders import T0, call, frame

ZONE = "America/Los_Angeles"
DAYS, PER_DAY = 24, 36  # 08:00 to 20:00 on the line's clock, every 20 minutes


def _calls() -> tuple[list, np.ndarray, np.ndarray]:
    """The calls, and each line's day's unserved and calls: every third day loses every
    caller, the rest lose the evening's last three."""
    calls, lost, made = [], np.zeros(DAYS), np.zeros(DAYS)
    for day in range(DAYS):
        for k in range(PER_DAY):
            local = datetime(2025, 3, 3, 8, tzinfo=ZoneInfo(ZONE)) + timedelta(days=day,
                                                                              minutes=20 * k)
            unserved = day % 3 == 0 or k >= PER_DAY - 3
            calls.append(call(f"d{day}k{k}", Outcome.ABANDONED if unserved else Outcome.ANSWERED,
                              40 if unserved else 10, at_s=(local - T0).total_seconds()))
            lost[day] += unserved
            made[day] += 1
    return calls, lost, made


def test_a_groups_day_clusters_are_the_line_days():
    calls, lost, made = _calls()
    se, df = ratio_se(lost, made)
    row = all_metrics(frame(calls), timezone=ZONE).iloc[0]
    assert row["clustered_by"] == "day"
    assert row["unserved_rate_se"] == pytest.approx(se)
    assert row["unserved_rate_df"] == df == DAYS - 1
    utc = all_metrics(frame(calls)).iloc[0]  # UTC days: evenings and mornings together
    assert utc["unserved_rate_se"] != pytest.approx(se)


def test_the_report_read_whole_and_in_batches_give_the_line_days_interval():
    calls, lost, made = _calls()
    low, high = interval(lost.sum(), made.sum(), *ratio_se(lost, made))
    whole = build_report(frame(calls), timezone=ZONE)["policies"][0]
    assert whole["unserved_rate_ci"] == pytest.approx([low, high])
    summary = RecordsSummary(timezone=ZONE)
    for part in (calls[:300], calls[300:]):
        summary.add(frame(part))
    assert summary.report()["policies"][0]["unserved_rate_ci"] == pytest.approx([low, high])
