"""`simulate --scenario --days N` draws more arrivals than it counts, and says so first: its
progress had ended at 22,927 calls while the summary counted 22,038, with nothing to say why.
A flag the fitted day replaces (`--agents 20`) is refused by name, never silently ignored."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from click.testing import CliRunner

from app.console.toml_writer import dumps
from cli.main import cli
from simulator.scenario_file import HEADER, twin_to_dict
from simulator.twin import fit_twin


@pytest.fixture(scope="module")
def scenario_file(known_log, tmp_path_factory) -> Path:
    path = tmp_path_factory.mktemp("days") / "scenario.toml"
    path.write_text(HEADER + dumps(twin_to_dict(fit_twin(known_log, seed=1))),
                    encoding="utf-8")
    return path


def figure(pattern: str, text: str) -> int:
    return int(re.search(pattern, text).group(1).replace(",", ""))


@pytest.mark.parametrize("command", ["simulate", "compare"])
def test_the_progress_says_how_many_drawn_arrivals_fall_past_the_horizon(
        scenario_file: Path, command: str) -> None:
    extra = ["--policies", "silence,checkin"] if command == "compare" else []
    result = CliRunner().invoke(cli, [command, "--scenario", str(scenario_file), "--days",
                                      "3", "--json", *extra])
    assert result.exit_code == 0, result.output
    drawn = figure(r"simulating ([\d,]+) arrivals a run to cover 3 day\(s\)", result.stderr)
    past = figure(r"\(about ([\d,]+)\) are simulated but not counted", result.stderr)
    runs = 2 if command == "compare" else 1
    assert f"100% ({drawn * runs:,} of {drawn * runs:,})" in result.stderr
    counted = result.stdout.count('"calls"')
    assert counted == runs
    calls = [int(n) for n in re.findall(r'"calls": (\d+)', result.stdout)]
    assert all(abs((drawn - n) - past) < 4 * past ** 0.5 + 5 for n in calls), (drawn, past, calls)


def test_without_a_horizon_nothing_is_said_to_be_left_out() -> None:
    result = CliRunner().invoke(cli, ["simulate", "--calls", "500", "--json"])
    assert result.exit_code == 0, result.output
    assert "not counted" not in result.stderr and "100% (500 of 500)" in result.stderr


@pytest.mark.parametrize(("flags", "named"), [
    (["--agents", "20"], "--agents"),
    (["--calls", "500", "--patience", "weibull:0.8"], "--calls, --patience"),
    (["--callback-retries", "0"], "--callback-retries"),
    (["--rate-profile", "0:1"], "--rate-profile")])
def test_a_flag_the_fitted_day_would_replace_is_refused_by_name(
        scenario_file: Path, flags: list[str], named: str) -> None:
    result = CliRunner().invoke(cli, ["simulate", "--scenario", str(scenario_file), *flags])
    assert result.exit_code == 2, result.output
    assert f"{named}: --scenario's fitted day sets" in result.output
    assert "Traceback" not in result.output


def test_flags_the_fitted_day_keeps_are_accepted(scenario_file: Path) -> None:
    result = CliRunner().invoke(cli, ["simulate", "--scenario", str(scenario_file),
                                      "--reactions", "off", "--handoff", "none", "--json"])
    assert result.exit_code == 0, result.output
