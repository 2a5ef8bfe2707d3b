"""`holdwell promise`'s late share: an interval with each run a cluster, and the runs behind
the table said with it. A Wilson interval over the callbacks pooled from 5 runs had taken
callers who share a queue as independent (such an interval held the mean 72% of the time)."""

from __future__ import annotations

import pytest
from click.testing import CliRunner

from analytics.intervals import wilson_interval
from app.console.toml_writer import dumps
from cli.twin_commands import promise_command
from simulator.promises import runs_interval
from simulator.scenario_file import HEADER, twin_to_dict
from simulator.twin import fit_twin


def test_runs_that_disagree_widen_the_interval_past_wilsons() -> None:
    """Five runs of 100 callbacks each, late 0, 30, 0, 30, 0: pooled 60 of 500 (12%)."""
    low, high = runs_interval([0, 30, 0, 30, 0], [100] * 5)
    wilson_low, wilson_high = wilson_interval(60, 500)
    assert low < wilson_low and high > wilson_high
    assert low <= 0.12 <= high


def test_one_run_has_wilsons_interval_and_none_without_callbacks() -> None:
    assert runs_interval([6], [50]) == pytest.approx(list(wilson_interval(6, 50)))
    assert runs_interval([0, 0], [0, 0]) is None


@pytest.fixture(scope="module")
def scenario_file(known_log, tmp_path_factory):
    path = tmp_path_factory.mktemp("twin") / "scenario.toml"
    path.write_text(HEADER + dumps(twin_to_dict(fit_twin(known_log, seed=1))), encoding="utf-8")
    return path


def test_promise_says_the_runs_behind_its_table_and_how_the_interval_is_made(scenario_file):
    """The runs and days had been said only on stderr; the interval was called Wilson's."""
    result = CliRunner().invoke(promise_command, [
        "--scenario", str(scenario_file), "--spacings", "60", "--replications", "2",
        "--days", "1", "--seed", "4"])
    assert result.exit_code == 0, result.output
    assert ("simulated: 2 run(s) of 1 day(s) each under the callback policy, seeds 4 to 5"
            in result.stdout)
    assert "95% interval with each run a cluster" in result.stdout
