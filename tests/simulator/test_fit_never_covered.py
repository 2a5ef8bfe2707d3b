"""Half-hours no day of the log covered are named among what the log is too thin for: a log
of one night (21:00 to 07:30 on the line's clock) had fitted "1,009 calls/day" with 07:30-21:00
at 0 calls, not measured, and the Twin's staffing plan gave it no agents, without a word."""

from __future__ import annotations

import pandas as pd
import pytest

from simulator.twin import fit_twin
from simulator.twin_report import fit_report

NEVER = ("arrivals: 00:00-07:00, 21:00-24:00 never in the log on any day: taken as no calls "
         "(not measured), so a what-if or staffing plan there has nobody ringing and no "
         "agents")


@pytest.fixture
def one_day(known_log) -> pd.DataFrame:
    """The known log's calls of Monday 07:00 to 21:00: it never saw a night."""
    entered = pd.to_datetime(known_log["entered_at"], utc=True)
    return known_log[((entered >= pd.Timestamp("2026-01-05 07:00", tz="UTC"))
                      & (entered < pd.Timestamp("2026-01-05 21:00", tz="UTC"))).to_numpy()]


def test_a_log_of_one_day_names_the_night_it_never_saw(one_day):
    twin = fit_twin(one_day, seed=1)
    assert any(warning.startswith(NEVER) for warning in twin.warnings)
    assert NEVER in fit_report(twin)


def test_the_half_hours_never_covered(one_day):
    from simulator.fit_arrivals import never_covered

    unseen = never_covered(pd.to_datetime(one_day["entered_at"], utc=True))
    assert unseen == (True,) * 14 + (False,) * 28 + (True,) * 6


def test_a_log_of_whole_days_names_nothing(known_log):
    twin = fit_twin(known_log, seed=1)
    assert not [w for w in twin.warnings if "never in the log on any day" in w]
