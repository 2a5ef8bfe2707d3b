"""Words under test in the fast engine (issue 16 item 8): variants run by name, through the
app's own construction, their calls carry the variant as arm, and what the variant says (here:
whether it apologises) is what the simulated callers react to."""

from __future__ import annotations

import dataclasses
import json
import math
from pathlib import Path

import click
import numpy as np
import pandas as pd
import pytest
from click.testing import CliRunner

from cli.simulate_commands import compare_command, simulate_command
from hold_policies.config import load_config
from simulator.behaviour import Reactions
from simulator.run import compare, policy_named
from simulator.scenario import ScenarioError, simple_scenario

CONFIG = """
[queues.support.variants.quiet]
policy = "checkin"
settings = { announce_position = false, announce_wait = false, first_checkin_s = 5 }
[queues.support.variants.quiet_no_apology]
policy = "checkin"
prompts = { apology = "" }
settings = { announce_position = false, announce_wait = false, first_checkin_s = 5 }
"""
SMALL = ["--calls", "1500", "--agents", "4", "--arrival-rate", "1", "--service-mean", "4.5",
         "--patience-mean", "3", "--seed", "5"]


@pytest.fixture
def config_path(tmp_path: Path) -> str:
    path = tmp_path / "holdwell.toml"
    path.write_text(CONFIG)
    return str(path)


@pytest.fixture
def holdwell() -> click.Group:
    group = click.Group("holdwell")
    for command in (simulate_command, compare_command):
        group.add_command(command)
    return group


def test_compare_runs_variants_by_name_side_by_side(holdwell, config_path):
    result = CliRunner().invoke(holdwell, ["compare", "--config", config_path, "--policies",
                                           "checkin,quiet,quiet_no_apology", *SMALL, "--json"])
    assert result.exit_code == 0, result.output
    runs = json.loads(result.stdout)
    assert [(r["policy"], r["arm"]) for r in runs] == [
        ("checkin", ""), ("checkin", "quiet"), ("checkin", "quiet_no_apology")]
    table = CliRunner().invoke(holdwell, ["compare", "--config", config_path, "--policies",
                                          "checkin,quiet_no_apology", *SMALL])
    assert table.exit_code == 0, table.output
    header = next(line for line in table.output.splitlines() if "quiet_no_apology" in line)
    assert header.split() == ["checkin", "quiet_no_apology"]


def test_simulated_records_carry_the_variant_as_arm(holdwell, config_path, tmp_path):
    out = tmp_path / "calls.csv"
    result = CliRunner().invoke(holdwell, ["simulate", "--config", config_path, "--policy",
                                           "quiet", *SMALL, "--out", str(out), "--json"])
    assert result.exit_code == 0, result.output
    frame = pd.read_csv(out, keep_default_na=False)
    assert set(frame["policy"]) == {"checkin"} and set(frame["arm"]) == {"quiet"}


def test_an_unknown_name_lists_the_queues_variants(config_path):
    config = load_config(config_path)
    with pytest.raises(ScenarioError, match="or queue support's variants quiet, quiet_no_apology"):
        policy_named("quiet_please", config)


def abandonment(apology_rate: float, config_path: str) -> tuple[dict, dict]:
    config = load_config(config_path)
    reactions = dataclasses.replace(Reactions(), apology_rate=apology_rate,
                                    dead_air_hangup_p=0.0)
    scenario = simple_scenario(calls=6000, agents=4, arrivals_per_min=1.0, service_mean_min=4.5,
                               patience_mean_min=3.0, reactions=reactions)
    runs = compare(scenario, [policy_named(n, config) for n in ("quiet", "quiet_no_apology")],
                   seed=21)
    return runs[0].summary, runs[1].summary


def test_callers_react_to_the_apology_only_where_it_is_said(config_path):
    """Same callers (one seed): with apologies ignored (rate 1) the two variants are the same
    calls; when an apology slows patience (rate 0.5), only the variant that says it gains."""
    said, unsaid = abandonment(1.0, config_path)
    assert said["abandoned"] == unsaid["abandoned"] and said["answered"] == unsaid["answered"]
    said, unsaid = abandonment(0.5, config_path)
    p1, p2, n = said["abandonment_rate"], unsaid["abandonment_rate"], said["calls"]
    se = math.sqrt(p1 * (1 - p1) / n + p2 * (1 - p2) / n)
    assert p2 - p1 > 3 * se, (p1, p2, se)
    assert np.isclose(said["calls"], unsaid["calls"])
# The twilio engine runs variants as the app's arms: tests/cli/test_simulate_twilio_variants.py
