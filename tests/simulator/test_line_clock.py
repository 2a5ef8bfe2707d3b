"""The twin on the line's own clock: a log that spans a daylight-saving change, stored in UTC
as every log is, fits the same day as the same calls without the change, when read on the
line's zone. Read in UTC it smeared every opening over two half-hours, and a backtest
predicted an hour with hundreds of real calls as empty."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from click.testing import CliRunner

from cli.twin_commands import backtest_command, fit_command
from simulator.scenario import ScenarioError
from simulator.scenario_file import load_twin, twin_from_dict, twin_to_dict
from simulator.twin import fit_twin

BERLIN = "Europe/Berlin"


@pytest.fixture(scope="module")
def across_the_change(known_log) -> pd.DataFrame:
    """The known two weeks, their wall times moved to 22 March - 4 April 2026 in Berlin (the
    clocks go forward on 29 March) and stored in UTC."""
    entered = pd.to_datetime(known_log["entered_at"], utc=True).dt.tz_localize(None)
    wall = entered - entered.min().normalize() + pd.Timestamp("2026-03-22")
    stored = wall.dt.tz_localize(BERLIN, nonexistent="shift_forward", ambiguous="NaT")
    return known_log.assign(entered_at=stored.dt.tz_convert("UTC"))


@pytest.fixture(scope="module")
def plain_fit(known_log):
    return fit_twin(known_log, seed=1)


def test_on_the_lines_clock_the_day_is_the_day_without_the_change(plain_fit, across_the_change):
    local = fit_twin(across_the_change, seed=1, timezone=BERLIN)
    assert local.timezone == BERLIN
    assert local.arrivals.per_min == pytest.approx(plain_fit.arrivals.per_min)
    assert local.agents.per_slot == plain_fit.agents.per_slot
    span = pd.Timestamp(plain_fit.last_day) - pd.Timestamp(plain_fit.first_day)
    assert local.first_day == "2026-03-22"
    assert pd.Timestamp(local.last_day) - pd.Timestamp(local.first_day) == span
    in_utc = fit_twin(across_the_change, seed=1)
    opening = 14  # 07:00, the first open half-hour on the line's clock
    assert in_utc.arrivals.per_min[opening - 2] > 0  # 06:00 UTC: summer's 08:00 opening ...
    assert in_utc.arrivals.per_min[opening] != pytest.approx(plain_fit.arrivals.per_min[opening])


def test_a_backtest_across_the_change_predicts_the_hours_the_line_kept(across_the_change,
                                                                        tmp_path):
    path = tmp_path / "log.parquet"
    across_the_change.to_parquet(path)
    result = CliRunner().invoke(backtest_command, [
        "--records", str(path), "--test-days", "5", "--replications", "6", "--timezone",
        BERLIN, "--plot", str(tmp_path / "b.png")])
    assert result.exit_code == 0, result.output
    seven = next(line for line in result.output.splitlines() if line.startswith("07:00"))
    assert "0.0% [0.0%" not in seven  # the line's 07:00 hour, predicted with calls in it


def test_the_zone_is_kept_in_the_scenario_file_and_a_bad_one_is_named(plain_fit, known_log,
                                                                       tmp_path):
    from dataclasses import replace

    berlin = replace(plain_fit, timezone=BERLIN)
    assert twin_from_dict(twin_to_dict(berlin)).timezone == BERLIN
    older = twin_to_dict(plain_fit)
    del older["fit"]["timezone"]  # a file written before the zone was kept: UTC
    assert twin_from_dict(older).timezone == "UTC"
    older["fit"]["timezone"] = "Mars/Olympus"
    with pytest.raises(ScenarioError, match="fit.timezone: 'Mars/Olympus' is not an IANA"):
        twin_from_dict(older)
    path = tmp_path / "log.parquet"
    known_log.to_parquet(path)
    bad = CliRunner().invoke(fit_command, ["--records", str(path), "--timezone", "Berlin"])
    assert bad.exit_code == 2 and "'Berlin' is not an IANA time zone" in bad.output
    good = CliRunner().invoke(fit_command, ["--records", str(path), "--timezone", BERLIN,
                                            "--out", str(tmp_path / "s.toml")])
    assert good.exit_code == 0, good.output
    assert f"on the line's clock, {BERLIN}" in good.output
    assert load_twin(tmp_path / "s.toml").timezone == BERLIN
    assert np.isfinite(load_twin(tmp_path / "s.toml").arrivals.daily_calls)


def test_a_run_of_a_fitted_day_starts_at_the_lines_midnight(plain_fit):
    """A fitted day's minutes are the line's: a run of a Berlin fit started at midnight UTC,
    so every record it wrote was an hour late (a refit moved the opening by an hour), and
    `--day sat` wrote Monday's date."""
    from dataclasses import replace

    from simulator.twin import twin_scenario

    assert twin_scenario(plain_fit).start == pd.Timestamp("2026-01-05", tz="UTC")
    berlin = replace(plain_fit, timezone=BERLIN)
    assert twin_scenario(berlin).start == pd.Timestamp("2026-01-04 23:00", tz="UTC")
    saturday = next(day for day in ("sat", "fri", "mon") if day in berlin.weekdays())
    start = pd.Timestamp(twin_scenario(berlin, day=saturday).start).tz_convert(BERLIN)
    assert (start.day_name()[:3].lower(), start.hour, start.minute) == (saturday, 0, 0)


def test_a_zone_pandas_cannot_read_is_named_as_a_bad_zone():
    from simulator.line_clock import checked_zone

    with pytest.raises(ScenarioError, match="'localtime' is not an IANA time zone"):
        checked_zone("localtime")
    assert checked_zone(BERLIN) == BERLIN
