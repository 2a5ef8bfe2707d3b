"""A log's first and last half-hour count for the part of them it covers: a log cut 43 s
into a half-hour had counted its few calls as a whole half-hour's and fitted the rate low."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from simulator.fit_arrivals import fit_arrivals, observed_slots

RATE = 2.0  # calls a minute, all day


def poisson_log(days: float, rng: np.random.Generator) -> pd.Series:
    gaps = rng.exponential(60 / RATE, int(days * 1440 * RATE * 1.2))
    at = np.cumsum(gaps)
    at = at[at < days * 86400]
    return pd.Series(pd.Timestamp("2026-01-05", tz="UTC") + pd.to_timedelta(at, unit="s"))


def test_the_edges_count_for_what_the_log_covers():
    entered = pd.Series(pd.to_datetime(["2026-01-05 07:10:00", "2026-01-06 14:00:43"],
                                       utc=True))
    starts, covered = observed_slots(entered)
    assert starts[0] == pd.Timestamp("2026-01-05 07:00", tz="UTC")
    assert covered[0] == pytest.approx(2 / 3) and covered[-1] == pytest.approx(43 / 1800)
    assert (covered[1:-1] == 1).all()


def test_a_log_cut_seconds_into_a_half_hour_fits_its_rate_unbiased():
    rng = np.random.default_rng(3)
    cut = [log[log < log.iloc[0].normalize() + pd.Timedelta(days=6, hours=14, seconds=43)]
           for log in (poisson_log(7, rng) for _ in range(40))]
    last_slot = [fit_arrivals(log)[0].per_min[28] for log in cut]  # 14:00
    other = [fit_arrivals(log)[0].per_min[27] for log in cut]  # 13:30, seen whole
    assert np.mean(last_slot) == pytest.approx(RATE, rel=0.05)  # was about 5/6 of it
    assert np.mean(other) == pytest.approx(RATE, rel=0.05)


def test_a_line_shut_at_weekends_averages_the_days_it_runs():
    """A log of four weeks, Monday to Friday: "all days" is a weekday's load. Weekends
    averaged in, it was 5/7 of it, and the default what-if and staffing planned for a day
    that never happens (a reviewer's month: 793 calls a day where every weekday had
    1,064-1,146, staffing 23% short)."""
    rng = np.random.default_rng(5)
    log = poisson_log(26, rng)  # Monday 2026-01-05 to Friday 2026-01-30
    weekdays = log[log.dt.weekday < 5].reset_index(drop=True)
    overall, by_day = fit_arrivals(weekdays)
    assert overall.daily_calls == pytest.approx(RATE * 1440, rel=0.03)
    assert overall.days == 20  # the Mondays to Fridays, not the 26 days spanned
    assert by_day["sat"].daily_calls == 0 and by_day["sat"].days == 3  # shut, and said so
    assert by_day["tue"].daily_calls == pytest.approx(overall.daily_calls, rel=0.05)
