"""A staffing schedule and a rate profile keep the line's wall clock across a daylight-saving
change: their minutes had counted 86,400 s days from the run's start, so after Berlin's
spring change a replay's 08:00 agents came on at 09:00, and every caller of Monday's first
open hour hung up on a line staffed by the schedule (planner's audit)."""

from __future__ import annotations

from datetime import UTC, datetime

import numpy as np
import pandas as pd
import pytest
from click.testing import CliRunner

from cli.main import cli
from simulator.scenario import RateProfile
from simulator.streams import arrival_times

BERLIN = """[queues.support]
policy = "silence"
[queues.support.hours]
timezone = "Europe/Berlin"
monday = "08:00-18:00"
saturday = "08:00-18:00"
"""


@pytest.mark.parametrize("engine", ["fast", "twilio"])
def test_a_replay_across_the_spring_change_staffs_monday_at_its_own_eight(tmp_path, engine):
    (tmp_path / "berlin.toml").write_text(BERLIN)
    saturday = [f"2026-03-28T07:{m:02d}:00Z" for m in range(5, 60, 10)]  # 08:05 CET
    monday = [f"2026-03-30T06:{m:02d}:00Z" for m in range(5, 60, 10)]  # 08:05 CEST
    pd.DataFrame({"entered_at": saturday + monday}).to_csv(tmp_path / "calls.csv", index=False)
    out = tmp_path / "out.csv"
    result = CliRunner().invoke(cli, [
        "simulate", "--config", str(tmp_path / "berlin.toml"), "--arrivals-from",
        str(tmp_path / "calls.csv"), "--staffing", "0:0,480:3,1080:0", "--service-mean", "5",
        "--patience-mean", "3", "--seed", "4", "--engine", engine, "--out", str(out)])
    assert result.exit_code == 0, result.output
    records = pd.read_csv(out, parse_dates=["entered_at"])
    after = records[records["entered_at"] >= pd.Timestamp("2026-03-30", tz="UTC")]
    assert len(after) == len(monday)
    # three agents for one 5-minute call every 10 minutes: nobody waits, on either day
    assert (records["outcome"] == "answered").all(), records[["entered_at", "outcome"]]
    assert (after["wait_s"] == 0).all()


def test_a_rate_profiles_hours_stay_on_the_wall_clock_after_the_change():
    profile = RateProfile(((0.0, 0.0), (480.0, 2.0), (540.0, 0.0)))  # 08:00-09:00 only
    start = datetime(2026, 3, 27, 23, tzinfo=UTC)  # Saturday's midnight in Berlin
    seconds = arrival_times(profile, 1_000, np.random.default_rng(5), start, "Europe/Berlin")
    moments = pd.to_datetime(start) + pd.to_timedelta(seconds, unit="s")
    wall = moments.tz_convert("Europe/Berlin")
    assert (wall.date > datetime(2026, 3, 29).date()).any()  # past the change
    assert set(wall.hour) == {8}
    assert np.all(np.diff(seconds) >= 0)
    in_utc = arrival_times(profile, 1_000, np.random.default_rng(5))  # UTC: as before
    assert set((in_utc % 86_400 // 3600).astype(int)) == {8}
