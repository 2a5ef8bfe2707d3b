"""Rates across a daylight-saving change are calls over the real time a half-hour was seen:
a flat 6 calls/hour for a week across Berlin's autumn change had fitted Sunday 02:00-03:00 at
0.2 calls/min (two hours of calls in one wall hour; `whatif --day sun` planned 150 calls, not
144), and across the spring change the all-days 02:00 at 0.08 with a measured 0.0 on Sunday
(the skipped hour counted as seen, with no calls). Analyst audit.

A skipped hour did not exist that day, so it is no gap in the log: a log of New York's whole
spring-change Sunday had been told "arrivals: 02:00-03:00 never in the log on any day", and a
week across it "sun: ... borrowed from all days in 02:00-03:00, which the log never
covered"."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from analytics.records import load_records
from simulator.fit_arrivals import fit_arrivals, never_covered, observed_slots
from simulator.twin import fit_twin
from simulator.twin_report import fit_report

BERLIN = "Europe/Berlin"
NEW_YORK = "America/New_York"
LONDON = "Europe/London"
NIGHT = slice(4, 6)  # 02:00 and 02:30 on the wall clock


def flat_week(first_day: str, zone: str = BERLIN, days: int = 7) -> pd.Series:
    """A call every 10 real minutes (0.1 a minute) for `days` days of `zone`'s clock."""
    start = pd.Timestamp(first_day, tz=zone).tz_convert("UTC")
    end = (pd.Timestamp(first_day) + pd.Timedelta(days=days)).tz_localize(zone).tz_convert(
        "UTC")
    return pd.Series(pd.date_range(start, end, freq="10min", inclusive="left"))


def twin_of(entered: pd.Series, zone: str, tmp_path):  # noqa: ANN001, ANN201 - a Twin
    """The twin fitted from a log of these calls (one in five hangs up), as `holdwell fit
    --timezone zone` reads it."""
    answered = np.arange(len(entered)) % 5 > 0
    log = tmp_path / "log.csv"
    pd.DataFrame({
        "call_id": [f"c{i}" for i in range(len(entered))], "queue": "support",
        "policy": "silence", "arm": "", "entered_at": entered.dt.strftime("%Y-%m-%dT%H:%M:%SZ"),
        "outcome": np.where(answered, "answered", "abandoned"),
        "wait_s": 60.0 + np.arange(len(entered)) % 7 * 20, "orig_position": 1,
        "announcements": 0, "first_announced_wait_s": np.nan, "callback_wait_s": np.nan,
        "talk_s": np.where(answered, 200.0 + np.arange(len(entered)) % 11 * 20, np.nan),
    }).to_csv(log, index=False)
    return fit_twin(load_records([log]), seed=0, timezone=zone)


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


def test_the_skipped_spring_half_hours_take_the_all_days_rate_and_are_no_gap():
    entered = flat_week("2026-03-26")  # Thursday; clocks go forward on Sunday 29 March
    slots, covered = observed_slots(entered, BERLIN)
    sunday = slots.normalize() == pd.Timestamp("2026-03-29", tz="UTC")
    assert covered[sunday].sum() == pytest.approx(46)  # a 23-hour day
    assert not ((slots[sunday].hour == 2) & (covered[sunday] > 0)).any()
    overall, by_day = fit_arrivals(entered, BERLIN)
    assert overall.per_min[NIGHT] == pytest.approx([0.1, 0.1])  # was 0.08
    sun = by_day["sun"]
    assert sun.per_min == pytest.approx([0.1] * 48)  # the all-days rate, not a measured 0
    assert not any(sun.borrowed)  # but no gap: the hour did not exist on that Sunday


def test_the_twin_fits_the_autumn_sunday_at_its_real_rate(tmp_path):
    twin = twin_of(flat_week("2026-10-22"), BERLIN, tmp_path)
    assert twin.by_weekday["sun"].per_min[NIGHT] == pytest.approx([0.1, 0.1])
    assert twin.arrivals.per_min[NIGHT] == pytest.approx([0.1, 0.1])  # was 0.114


@pytest.mark.parametrize("zone, skipped", [(NEW_YORK, slice(4, 6)), (LONDON, slice(2, 4))],
                         ids=["New York 02:00", "London 01:00"])
def test_a_whole_spring_change_day_has_no_half_hour_never_covered(zone, skipped):
    day = flat_week("2026-03-08" if zone == NEW_YORK else "2026-03-29", zone, days=1)
    slots, _ = observed_slots(day, zone)
    assert not np.isin(slots.hour * 2 + slots.minute // 30, [skipped.start]).any()  # skipped
    assert not any(never_covered(day, zone))  # was True at the skipped hour


def test_a_fit_across_the_spring_change_names_no_gap_at_the_skipped_hour(tmp_path):
    day = twin_of(flat_week("2026-03-08", NEW_YORK, days=1), NEW_YORK, tmp_path)
    assert not [w for w in day.warnings if "never in the log" in w], day.warnings
    week = twin_of(flat_week("2026-03-05", NEW_YORK), NEW_YORK, tmp_path)
    assert not [w for w in week.warnings if "never in the log" in w], week.warnings
    assert "never covered" not in fit_report(week)
    assert week.by_weekday["sun"].per_min[NIGHT] == pytest.approx([0.1, 0.1])


def test_a_skipped_hour_outside_the_log_is_still_never_covered():
    """A log of the change day from 03:00 (the moment after the jump) never saw that
    night at all: 00:00-03:00 is named, the skipped hour with it, as on any other day."""
    day = flat_week("2026-03-08", NEW_YORK, days=1)
    after = day[day >= pd.Timestamp("2026-03-08 03:00", tz=NEW_YORK)]
    assert never_covered(after, NEW_YORK) == (True,) * 6 + (False,) * 42


def test_the_repeated_autumn_hour_is_covered_once_and_not_counted_twice():
    day = flat_week("2026-11-01", NEW_YORK, days=1)  # New York's clocks go back at 02:00
    slots, covered = observed_slots(day, NEW_YORK)
    assert covered[2:4] == pytest.approx([2.0, 2.0])  # 01:00 and 01:30, lived twice
    assert not any(never_covered(day, NEW_YORK))
    overall, by_day = fit_arrivals(day, NEW_YORK)
    assert overall.per_min[2:4] == pytest.approx([0.1, 0.1])  # not 0.2
    assert not any(by_day["sun"].borrowed)
