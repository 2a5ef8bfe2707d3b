"""Leftovers of the bad-input hunt: each refusal names its flag in one line, exit != 0."""

from __future__ import annotations

from pathlib import Path

import pytest
from click.testing import CliRunner

from cli.main import cli
from tests.simulator.test_erlang_bounds import within_seconds


def run(args: list[str]) -> object:
    result = CliRunner().invoke(cli, args)
    assert isinstance(result.exception, SystemExit), result.exception  # no stray exception
    assert "Traceback" not in result.output
    return result


@pytest.fixture
def scenario_file(tmp_path: Path) -> str:
    """Any existing file: these refusals come before the scenario is read."""
    path = tmp_path / "scenario.toml"
    path.write_text("not read\n", encoding="utf-8")
    return str(path)


def test_compare_refuses_a_policy_named_twice() -> None:
    result = run(["compare", "--calls", "5", "--policies", "silence,checkin, silence"])
    assert result.exit_code != 0
    assert "--policies: silence named more than once" in result.output


@pytest.mark.parametrize("command", ["whatif", "staffing"])
def test_the_twin_commands_refuse_a_policy_named_twice(command, scenario_file) -> None:
    args = [command, "--scenario", scenario_file, "--policies", "silence,silence"]
    if command == "staffing":
        args += ["--target-unserved", "0.05"]
    result = run(args)
    assert result.exit_code != 0
    assert "--policies: silence named more than once" in result.output


@pytest.mark.parametrize(("spacings", "said"), [
    ("abc", "'abc' is not a number of seconds"),
    ("", "name at least one retry spacing"),
    (" , ", "name at least one retry spacing"),
    ("60,-5", "'-5' is not a number of seconds"),
    ("60,nan", "'nan' is not a number of seconds"),
])
def test_promise_refuses_bad_spacings_naming_the_flag(scenario_file, spacings, said) -> None:
    result = run(["promise", "--scenario", scenario_file, "--spacings", spacings])
    assert result.exit_code != 0 and "--spacings" in result.output and said in result.output


@pytest.mark.parametrize("extra", [["--agents", "8"], ["--target-abandonment", "0.05"]])
def test_erlang_reports_a_negative_threshold_in_the_seconds_given(extra) -> None:
    result = run(["erlang", "--arrival-rate", "2", "--service-mean", "3", "--patience-mean", "2",
                  "--sl-seconds", "-5", *extra])
    assert result.exit_code != 0
    assert "'--sl-seconds': -5.0 is not in the range" in result.output
    assert "0.083" not in result.output  # not the minutes the library works in


def test_erlang_refuses_a_load_beyond_the_search_bound_at_once() -> None:
    with within_seconds(10):
        result = run(["erlang", "--arrival-rate", "1e9", "--service-mean", "1",
                      "--patience-mean", "1", "--target-abandonment", "0.05"])
    assert result.exit_code == 1
    assert result.output.strip().splitlines() == [
        "Error: the target needs more than 1,000,000 agents at that load (1e+09 Erlang offered)"]


@pytest.mark.parametrize(("targets", "said"), [
    ([], "give exactly one of --target-unserved or --target-service-level"),
    (["--target-unserved", "0.05", "--target-service-level", "0.8"],
     "give exactly one of --target-unserved or --target-service-level"),
    (["--target-unserved", "1.5"], "'--target-unserved': 1.5 is not in the range"),
    (["--target-service-level", "0"], "'--target-service-level': 0.0 is not in the range"),
])
def test_staffing_names_its_target_flags(scenario_file, targets, said) -> None:
    result = run(["staffing", "--scenario", scenario_file, *targets])
    assert result.exit_code != 0 and said in result.output
    assert "max_unserved" not in result.output and "min_service_level" not in result.output


@pytest.mark.parametrize("command", [["audio", "comfort-noise"], ["audio", "music-bed"],
                                     ["audio", "prepare"]])
def test_an_unbounded_number_option_does_not_read_x_at_most_none(command) -> None:
    shown = CliRunner().invoke(cli, [*command, "--help"], terminal_width=200)
    assert shown.exit_code == 0
    assert "None" not in shown.output and "any finite number" in shown.output


def test_a_peak_a_hair_under_full_scale_reads_0_dbfs_not_minus_0() -> None:
    from audio.levels import decibels

    assert decibels(-0.04) == "0.0" and decibels(-3.46) == "-3.5" and decibels(0.0) == "0.0"
    assert decibels(float("-inf")) == "-inf"
