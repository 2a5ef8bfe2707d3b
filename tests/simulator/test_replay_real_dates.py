"""Replayed arrivals keep their real dates: opening hours, closed dates and weekdays apply to
the day the calls really rang, and the records say it. Every replay had started on Monday
2026-01-05, so a Saturday evening's callers, after closing, were simulated as Monday
callers on an open line (analyst audit)."""

from __future__ import annotations

import json
from datetime import UTC, datetime

import pandas as pd
from click.testing import CliRunner

from cli.main import cli
from simulator.scenario import ReplayedArrivals, simple_scenario

HOURS = """[queues.support]
policy = "checkin"
[queues.support.hours]
timezone = "{zone}"
monday = "08:00-18:00"
saturday = "10:00-14:00"
"""


def replay(tmp_path, times: list[str], zone: str = "UTC", *extra: str):
    (tmp_path / "hours.toml").write_text(HOURS.format(zone=zone))
    pd.DataFrame({"entered_at": times}).to_csv(tmp_path / "arrivals.csv", index=False)
    out = tmp_path / "out.csv"
    result = CliRunner().invoke(cli, [
        "simulate", "--policy", "checkin", "--config", str(tmp_path / "hours.toml"),
        "--arrivals-from", str(tmp_path / "arrivals.csv"), "--service-mean", "5",
        "--patience-mean", "3", "--json", "--out", str(out), *(extra or ("--agents", "3"))])
    assert result.exit_code == 0, result.output
    summary = json.loads(result.output.splitlines()[-1])
    return summary, pd.read_csv(out, parse_dates=["entered_at"])


def test_saturday_callers_after_closing_are_closed_and_those_before_keep_their_date(tmp_path):
    open_ = [f"2026-03-28T13:{m:02d}:00Z" for m in range(0, 30, 3)]  # Saturday, open
    late = [f"2026-03-28T15:{m:02d}:00Z" for m in range(0, 60, 2)]  # after 14:00
    summary, records = replay(tmp_path, open_ + late)
    assert summary["closed"] == len(late) and summary["calls"] == len(open_)
    assert sorted(records["entered_at"].dt.strftime("%Y-%m-%dT%H:%M")) == [
        t[:16] for t in open_]


def test_a_replay_starts_at_the_lines_own_midnight_of_the_first_calls_day():
    """Berlin's Saturday begins at 23:00 UTC on Friday: the staffing schedule's minutes are
    the line's, as a fitted twin's are."""
    moments = [datetime(2026, 3, 28, 9, 30, tzinfo=UTC), datetime(2026, 3, 28, 9, 0,
                                                                    tzinfo=UTC)]
    base = simple_scenario(calls=5, agents=1, arrivals_per_min=1, service_mean_min=1,
                           patience_mean_min=1)
    berlin = base.replaying(moments, "Europe/Berlin")
    assert berlin.start == datetime(2026, 3, 27, 23, 0, tzinfo=UTC)
    assert berlin.arrivals == ReplayedArrivals((36_000.0, 37_800.0)) and berlin.calls == 2
    assert base.replaying(moments).start == datetime(2026, 3, 28, tzinfo=UTC)


def test_the_line_clock_staffing_meets_a_replay_in_the_lines_zone(tmp_path):
    """Agents from 10:00 Berlin (09:00 UTC in winter): a 09:30 UTC caller is answered."""
    summary, records = replay(tmp_path, ["2026-01-10T09:30:00Z"], "Europe/Berlin",
                              "--staffing", "0:0,600:3")
    assert summary["closed"] == 0
    assert records["outcome"].tolist() == ["answered"] and records["wait_s"].tolist() == [0]
