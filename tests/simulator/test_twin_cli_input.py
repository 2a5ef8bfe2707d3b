"""`fit` and `staffing` given what a hurried analyst types: each refused in one line naming
the option, before any work."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest
from click.testing import CliRunner

from analytics.records import write_records
from app.console.toml_writer import dumps
from cli.twin_commands import (
    backtest_command,
    fit_command,
    promise_command,
    staffing_command,
)
from simulator.scenario_file import HEADER, twin_to_dict
from simulator.twin import fit_twin


@pytest.fixture(scope="module")
def scenario_file(known_log, tmp_path_factory) -> Path:
    path = tmp_path_factory.mktemp("twin") / "scenario.toml"
    path.write_text(HEADER + dumps(twin_to_dict(fit_twin(known_log, seed=1))), encoding="utf-8")
    return path


@pytest.mark.parametrize("day", ["funday", "MON", ""])
def test_staffing_for_a_day_that_is_none_names_the_days_the_log_has(scenario_file, day):
    """It was 'unexpected error (KeyError)': the staffing plan looked the day up unchecked
    (simulate and whatif said which days there are)."""
    result = CliRunner().invoke(staffing_command, [
        "--scenario", str(scenario_file), "--target-unserved", "0.05", "--day", day,
        "--replications", "2", "--days", "1"])
    assert result.exit_code == 1, result.output
    assert f"--day: {day!r} is not a valid day: give all, or a weekday written mon, tue" in (
        result.output)
    assert "the log has mon, tue" in result.output
    assert result.exception is None or isinstance(result.exception, SystemExit)


@pytest.mark.parametrize("day", ["friday", "2026-03-06"])
def test_simulate_says_a_day_written_otherwise_is_no_day_not_missing_from_the_log(
        scenario_file, day):
    """`simulate --scenario … --day friday` had said "'friday' is not in the log", as if
    the log held no Friday: --day takes mon … sun or all."""
    from cli.simulate_commands import simulate_command

    result = CliRunner().invoke(simulate_command, ["--scenario", str(scenario_file),
                                                   "--day", day])
    assert result.exit_code == 1, result.output
    assert f"--day: {day!r} is not a valid day" in result.output
    assert "(not a date)" in result.output and "not in the log" not in result.output


def test_fit_says_when_it_is_done_and_how_long_it_took(known_log, tmp_path):
    """It said "fitting 31,080 calls ..." and nothing after, as no other long job does."""
    records = write_records(known_log, tmp_path / "calls.csv")
    result = CliRunner().invoke(fit_command, ["--records", str(records),
                                              "--out", str(tmp_path / "twin.toml")])
    assert result.exit_code == 0, result.output
    said = result.stderr.splitlines()
    started = said.index(f"fitting {len(known_log):,} calls ...")
    assert any(line.startswith(f"fitting {len(known_log):,} calls: done in ")
               and line.endswith(" s") for line in said[started + 1:]), said
    assert "done in" not in result.stdout


def test_fit_writes_a_scenario_only_to_a_toml_name(known_log, tmp_path):
    """`--out twin.json` had been written as TOML under a .json name."""
    records = write_records(known_log, tmp_path / "calls.csv")
    result = CliRunner().invoke(fit_command, ["--records", str(records),
                                              "--out", str(tmp_path / "twin.json")])
    assert result.exit_code == 2 and "'twin.json': this command writes .toml" in result.output
    assert not (tmp_path / "twin.json").exists()


def test_the_scenario_file_says_its_half_hours_are_on_the_lines_clock():
    """The header said the 48 values were UTC's half-hours; they are on [fit] timezone's."""
    assert "(UTC)" not in HEADER and "line's clock" in HEADER


@pytest.mark.parametrize("spacings", ["0", "5", "60,1e308", "86401", "nan", "60,-1"])
def test_promise_tries_only_spacings_a_line_can_have(scenario_file, spacings):
    """0 s and 1e308 s were simulated and tabled as advice; [callbacks] retries are 10 s to
    a day apart."""
    result = CliRunner().invoke(promise_command, [
        "--scenario", str(scenario_file), "--spacings", spacings, "--replications", "1",
        "--days", "1"])
    assert result.exit_code == 2, result.output
    assert "--spacings" in result.output and "from 10 to 86,400" in result.output


def test_promise_tries_each_spacing_once(scenario_file):
    """60,60 ran and tabled the same spacing twice (--policies refuses a name twice)."""
    result = CliRunner().invoke(promise_command, [
        "--scenario", str(scenario_file), "--spacings", "60,120,60", "--replications", "1",
        "--days", "1"])
    assert result.exit_code == 2 and "60 named more than once" in result.output


def test_promise_shows_its_progress(scenario_file):
    """At its limits (5 spacings x 200 runs of 60 days) it said one line, then nothing."""
    result = CliRunner().invoke(promise_command, [
        "--scenario", str(scenario_file), "--spacings", "60,120", "--replications", "2",
        "--days", "1"])
    assert result.exit_code == 0, result.output
    assert "promise: 100% (4 of 4)" in result.output


def _compare_output(known_log, folder: Path) -> Path:
    """The same callers under two policies, as `compare --out` writes them."""
    days = known_log["entered_at"].dt.normalize()
    log = known_log[days <= days.min() + pd.Timedelta(days=2)]
    both = pd.concat([log, log.assign(policy="checkin", call_id=log["call_id"] + "-c")],
                     ignore_index=True)
    return write_records(both, folder / "both.parquet")


def test_fit_refuses_a_compare_output_and_fits_one_policy_of_it(known_log, tmp_path):
    """A compare output had been fitted whole (exit 0): twice the arrivals and twice the
    agents, said only in the last line of the caveats; `simulate --arrivals-from` refuses it."""
    both = _compare_output(known_log, tmp_path)
    out = tmp_path / "twin.toml"
    refused = CliRunner().invoke(fit_command, ["--records", str(both), "--out", str(out)])
    assert refused.exit_code == 2, refused.output
    assert "share" in refused.output and "pass --policy, one of checkin, music_ads" in (
        refused.output)
    assert not out.exists()
    one = CliRunner().invoke(fit_command, ["--records", str(both), "--out", str(out),
                                           "--policy", "music_ads"])
    assert one.exit_code == 0, one.output
    assert "share" not in one.output and out.exists()
    unknown = CliRunner().invoke(fit_command, ["--records", str(both), "--out", str(out),
                                               "--policy", "silence"])
    assert unknown.exit_code == 2 and "--policy silence: " in unknown.output


def test_backtest_refuses_a_compare_output_as_fit_does_and_takes_its_policy(known_log,
                                                                            tmp_path):
    """A compare output had been backtested whole (exit 0): every caller fitted and scored
    twice, ~70 calls/h shown against a real ~36/h, and backtest had no --policy."""
    both = _compare_output(known_log, tmp_path)
    plot = tmp_path / "bt.png"
    args = ["--records", str(both), "--test-days", "1", "--replications", "2",
            "--plot", str(plot)]
    refused = CliRunner().invoke(backtest_command, args)
    assert refused.exit_code == 2, refused.output
    assert "share" in refused.output and "pass --policy, one of checkin, music_ads" in (
        refused.output)
    assert "held-out days' actual figures would pool the policies" in refused.output
    assert not plot.exists()
    one = CliRunner().invoke(backtest_command, [*args, "--policy", "music_ads"])
    assert one.exit_code == 0, one.output
    assert plot.exists()
    day = known_log["entered_at"].dt.normalize()
    held = int((day == day.min() + pd.Timedelta(days=2)).sum())  # the held-out day, once
    shown = sum(int(line.split()[1]) for line in one.stdout.splitlines()
                if line[:2].isdigit() and line[2:3] == ":")
    assert shown == held
    unknown = CliRunner().invoke(backtest_command, [*args, "--policy", "silence"])
    assert unknown.exit_code == 2 and "--policy silence: " in unknown.output


def test_staffing_refuses_sl_seconds_with_the_unserved_target(scenario_file):
    """`--target-unserved 0.05 --sl-seconds 30` had run as if --sl-seconds were not there."""
    result = CliRunner().invoke(staffing_command, [
        "--scenario", str(scenario_file), "--target-unserved", "0.05", "--sl-seconds", "30",
        "--replications", "2", "--days", "1"])
    assert result.exit_code == 2, result.output
    assert "--sl-seconds is the service level's threshold, unused with --target-unserved" in (
        result.output)
    assert ": round " not in result.output  # refused before the search


def test_whatif_and_staffing_for_a_shut_weekday_name_the_days_with_calls(known_log, tmp_path):
    """`whatif --day tue` on a log without Tuesday's calls said "arrival rate: the daily
    profile has no calls; give a rate > 0", a rate the analyst never gave."""
    from cli.twin_commands import whatif_command

    kept = known_log[known_log["entered_at"].dt.weekday != 1].reset_index(drop=True)
    path = tmp_path / "scenario.toml"
    path.write_text(HEADER + dumps(twin_to_dict(fit_twin(kept, seed=1))), encoding="utf-8")
    for command, extra in ((whatif_command, ["--replications", "2"]),
                           (staffing_command, ["--target-unserved", "0.05",
                                               "--replications", "2", "--days", "1"])):
        result = CliRunner().invoke(command, ["--scenario", str(path), "--day", "tue", *extra])
        assert result.exit_code == 1, result.output
        assert "--day: the log has no calls on a tue (taken as shut); choose all or one of " \
            "mon, wed" in result.output
        assert "give a rate > 0" not in result.output
