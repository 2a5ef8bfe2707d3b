"""A weekday's half-hours the log never covered take the all-days rate, marked borrowed: a
log ending on Tuesday at 17:47 had fitted Tuesday 18:00-24:00 as 0.0 calls/min (se 0), a
dead evening `simulate --scenario --day tue` then ran, and "tue: 2,136 calls/day" said
nothing of the evening left out (analyst audit)."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from app.console.toml_writer import dumps
from simulator.fit_arrivals import fit_arrivals
from simulator.scenario_file import HEADER, load_twin, twin_to_dict
from simulator.twin import fit_twin, twin_scenario
from simulator.twin_report import fit_report

RATE = 2.0  # calls a minute, all day


def log_until(end: str, rng: np.random.Generator) -> pd.Series:
    """A Poisson stream of RATE from Monday 2026-01-05 00:00 UTC to `end`."""
    start = pd.Timestamp("2026-01-05", tz="UTC")
    span_s = (pd.Timestamp(end, tz="UTC") - start).total_seconds()
    at = np.cumsum(rng.exponential(60 / RATE, int(span_s / 60 * RATE * 1.2)))
    return pd.Series(start + pd.to_timedelta(at[at < span_s], unit="s"))


def test_a_weekday_only_glimpsed_at_the_logs_edge_is_not_in_the_fit():
    """A log ending Tuesday 00:10 had given Tuesday every half-hour borrowed, "2,923
    calls/day over 0 day(s)", and a scenario file `--scenario` then refused (days = 0):
    a day the log never really covered is not invented (review 38)."""
    overall, by_day = fit_arrivals(log_until("2026-01-06 00:10", np.random.default_rng(7)))
    assert set(by_day) == {"mon"} and by_day["mon"].days == 1


def test_tuesday_evening_never_logged_takes_the_all_days_rate_and_says_so():
    overall, by_day = fit_arrivals(log_until("2026-01-06 17:47", np.random.default_rng(7)))
    tue, evening = by_day["tue"], slice(36, 48)  # 18:00-23:30
    assert tue.per_min[evening] == overall.per_min[evening]
    assert tue.se_per_min[evening] == overall.se_per_min[evening]
    assert min(tue.per_min[evening]) > 1 and min(tue.se_per_min[evening]) > 0
    assert tue.borrowed == (False,) * 36 + (True,) * 12 and tue.borrowed_hours == "18:00-24:00"
    assert tue.daily_calls == pytest.approx(RATE * 1440, rel=0.05)  # not 17.8 h's calls
    assert tue.borrowed_calls == pytest.approx(sum(overall.per_min[evening]) * 30)
    assert not any(by_day["mon"].borrowed) and not any(overall.borrowed)


def test_borrowed_half_hours_round_trip_through_the_scenario_file_and_old_files_load(
        known_log, tmp_path):
    """Cut at Tuesday 13:00, the log never saw Tuesday afternoon and evening (the Monday's
    were seen), nor Monday before its first call at 07:00 (Tuesday's night was seen)."""
    entered = pd.to_datetime(known_log["entered_at"], utc=True)
    twin = fit_twin(known_log[entered < pd.Timestamp("2026-01-06 13:00", tz="UTC")], seed=1)
    tuesday = twin.by_weekday["tue"]
    assert tuesday.borrowed_hours == "13:00-24:00"
    assert twin.by_weekday["mon"].borrowed_hours == "00:00-07:00"  # borrowed zeros: shut
    said = fit_report(twin)
    assert f"tue: {tuesday.daily_calls:,.0f} calls/day over 1 day(s), " \
           f"{tuesday.borrowed_calls:,.0f} of them borrowed from all days in 13:00-24:00" \
           in said
    assert "tue 13:00-24:00 never in the log: the all-days rates are used there" in said

    data = twin_to_dict(twin)
    assert "borrowed" in data["arrivals"]["weekday"]["tue"]
    assert "borrowed" not in data["arrivals"]  # all days borrow from nobody
    path = tmp_path / "scenario.toml"
    path.write_text(HEADER + dumps(data), encoding="utf-8")
    read = load_twin(path).by_weekday
    assert {d: r.borrowed for d, r in read.items()} == \
        {d: r.borrowed for d, r in twin.by_weekday.items()}
    del data["arrivals"]["weekday"]["tue"]["borrowed"]  # a file from before the field
    path.write_text(HEADER + dumps(data), encoding="utf-8")
    old = load_twin(path).by_weekday["tue"]
    assert not any(old.borrowed) and old.per_min == pytest.approx(tuesday.per_min, abs=1e-5)

    evening = dict(twin_scenario(twin, day="tue").arrivals.steps)  # simulated, not dead
    assert evening[17 * 60] == twin.arrivals.per_min[34] > 0.5  # a rate of 1.2 a minute
