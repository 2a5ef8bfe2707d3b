"""A log too short to backtest is refused naming the days it has calls on and the days it
spans: the backtest holds out days with calls, and a log of two Mondays a week apart had
been said to span 2 days (it spans 8), so a longer log of the same Mondays seemed enough."""

from __future__ import annotations

import pytest

from analytics.records import records_frame
from simulator.backtest import backtest
from simulator.scenario import ScenarioError
from tests.analytics.builders import call

WEEK_S = 7 * 86_400


def test_a_log_of_two_mondays_is_said_to_have_calls_on_two_days_of_eight():
    records = records_frame([call(f"c{week}{n}", "answered", 10, at_s=week * WEEK_S + 60 * n)
                             for week in (0, 1) for n in range(5)])
    with pytest.raises(ScenarioError) as refused:
        backtest(records, test_days=7, replications=2)
    assert "the log has calls on 2 day(s) (it spans 8); it needs calls on at least 9 to " \
        "hold out 7" in str(refused.value)
