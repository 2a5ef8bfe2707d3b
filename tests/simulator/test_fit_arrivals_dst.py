"""Rates across a daylight-saving change are calls over the real time a half-hour was seen:
a flat 6 calls/hour for a week across Berlin's autumn change had fitted Sunday 02:00-03:00 at
0.2 calls/min (two hours of calls in one wall hour; `whatif --day sun` planned 150 calls, not
144), and across the spring change the all-days 02:00 at 0.08 with a measured 0.0 on Sunday
(the skipped hour counted as seen, with no calls). Analyst audit."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from analytics.records import load_records
from simulator.fit_arrivals import fit_arrivals, observed_slots
from simulator.twin import fit_twin

BERLIN = "Europe/Berlin"
NIGHT = slice(4, 6)  # 02:00 and 02:30 on the wall clock


def flat_week(first_day: str) -> pd.Series:
    """A call every 10 real minutes (0.1 a minute) for seven days of Berlin's clock."""
    start = pd.Timestamp(first_day, tz=BERLIN).tz_convert("UTC")
    end = (pd.Timestamp(first_day) + pd.Timedelta(days=7)).tz_localize(BERLIN).tz_convert("UTC")
    return pd.Series(pd.date_range(start, end, freq="10min", inclusive="left"))


def test_the_repeated_autumn_half_hours_were_observed_twice():
    entered = flat_week("2026-10-22")  # Thursday; clocks go back on Sunday 25 October
    slots, covered = observed_slots(entered, BERLIN)
    sunday = slots.normalize() == pd.Timestamp("2026-10-25", tz="UTC")
    assert covered[sunday][NIGHT] == pytest.approx([2.0, 2.0])
    assert covered[sunday].sum() == pytest.approx(50)  # a 25-hour day
    overall, by_day = fit_arrivals(entered, BERLIN)
    sun = by_day["sun"]
    assert sun.per_min == pytest.approx([0.1] * 48)  # was 0.2 at 02:00-03:00
    assert sun.daily_calls == pytest.approx(144) and sun.days == 1 and not any(sun.borrowed)
    assert overall.per_min[:-1] == pytest.approx([0.1] * 47)  # 23:30: the log's cut edge
    assert overall.days == 7


def test_the_skipped_spring_half_hours_are_unmeasured_and_borrowed():
    entered = flat_week("2026-03-26")  # Thursday; clocks go forward on Sunday 29 March
    slots, covered = observed_slots(entered, BERLIN)
    sunday = slots.normalize() == pd.Timestamp("2026-03-29", tz="UTC")
    assert covered[sunday].sum() == pytest.approx(46)  # a 23-hour day
    assert not ((slots[sunday].hour == 2) & (covered[sunday] > 0)).any()
    overall, by_day = fit_arrivals(entered, BERLIN)
    assert overall.per_min[NIGHT] == pytest.approx([0.1, 0.1])  # was 0.08
    sun = by_day["sun"]
    assert sun.borrowed[NIGHT] == (True, True) and sum(sun.borrowed) == 2  # not a measured 0
    assert sun.per_min == pytest.approx([0.1] * 48)


def test_the_twin_fits_the_autumn_sunday_at_its_real_rate(tmp_path):
    entered = flat_week("2026-10-22")
    answered = np.arange(len(entered)) % 5 > 0
    log = tmp_path / "fall.csv"
    pd.DataFrame({
        "call_id": [f"c{i}" for i in range(len(entered))], "queue": "support",
        "policy": "silence", "arm": "", "entered_at": entered.dt.strftime("%Y-%m-%dT%H:%M:%SZ"),
        "outcome": np.where(answered, "answered", "abandoned"),
        "wait_s": 60.0 + np.arange(len(entered)) % 7 * 20, "orig_position": 1,
        "announcements": 0, "first_announced_wait_s": np.nan, "callback_wait_s": np.nan,
        "talk_s": np.where(answered, 300.0, np.nan)}).to_csv(log, index=False)
    twin = fit_twin(load_records([log]), seed=0, timezone=BERLIN)
    assert twin.by_weekday["sun"].per_min[NIGHT] == pytest.approx([0.1, 0.1])
    assert twin.arrivals.per_min[NIGHT] == pytest.approx([0.1, 0.1])  # was 0.114
