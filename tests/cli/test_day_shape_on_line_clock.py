"""`--rate-profile` and `--staffing` minutes count from Monday midnight on the line's clock
(its [hours] time zone), in both engines, as a fitted day's and a replay's do: they had
counted from Monday 00:00 UTC, so a Berlin line's 07:00 rise came at 08:00 on its clock."""

from __future__ import annotations

import json

import pytest
from click.testing import CliRunner

from cli.simulate_commands import compare_command, simulate_command

BERLIN = """[line]
support_number = "+14155550000"
[queues.support]
policy = "checkin"
[queues.support.hours]
timezone = "Europe/Berlin"
monday = "08:00-18:00"
"""


@pytest.mark.parametrize("engine", ["fast", "twilio"])
def test_a_profile_before_the_opening_rings_a_closed_line(tmp_path, engine: str) -> None:
    """Calls only from minute 420 to 480 (07:00-08:00): the line opens at 08:00 Berlin."""
    (tmp_path / "berlin.toml").write_text(BERLIN)
    result = CliRunner().invoke(simulate_command, [
        "--engine", engine, "--config", str(tmp_path / "berlin.toml"), "--calls", "20",
        "--rate-profile", "0:0,420:2,480:0", "--agents", "2", "--json",
        "--sim-db", f"sqlite:///{tmp_path / 'sim.db'}"])
    assert result.exit_code == 0, result.output
    summary = json.loads(result.stdout)
    assert summary["closed"] == 20 and summary["calls"] == 0


def test_the_fast_engines_json_names_the_runs_start() -> None:
    """Every policy of a fast compare meets the scenario's own dates: one start, said."""
    many = CliRunner().invoke(compare_command, ["--policies", "silence,checkin", "--calls",
                                                "50", "--json"])
    assert many.exit_code == 0, many.output
    assert {run["start"] for run in json.loads(many.stdout)} == {"2026-01-05T00:00:00+00:00"}
    one = CliRunner().invoke(simulate_command, ["--calls", "50", "--json"])
    assert json.loads(one.stdout)["start"] == "2026-01-05T00:00:00+00:00"
