"""`holdwell simulate` on a queue that runs an A/B split (analyst audit): simulating a config
simulates what its callers would hear. Without --policy the Twilio engine runs the split
itself (the app draws each caller into an arm, the log carries it, `holdwell report` shows
each arm); the fast engine, which runs one policy for every caller, refuses in one line
naming the split and what to run instead; a --policy given runs that policy and says on
stderr that the split is not simulated. The queue's own `policy`, which nobody hears while
the split runs, had been simulated for every caller without a word."""

from __future__ import annotations

import json
from pathlib import Path

import pandas as pd
import pytest
from click.testing import CliRunner

from cli.report_commands import report_command
from cli.simulate_commands import simulate_command

CONFIG = """
[line]
support_number = "+14155550100"
[queues.support]
policy = "checkin"
[queues.support.experiment]
arms = { callback = 50, music_ads = 50 }
"""
SMALL = ["--calls", "40", "--agents", "1", "--arrival-rate", "1.2", "--service-mean", "1.5",
         "--patience-mean", "8", "--seed", "4"]
ARMS = {"callback", "music_ads"}
GROUPS = {"support · arm callback": ("callback", "callback"),
          "support · arm music_ads": ("music_ads", "music_ads")}


@pytest.fixture
def setup(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> tuple[Path, str]:
    config = tmp_path / "exp.toml"
    config.write_text(CONFIG)
    url = f"sqlite:///{tmp_path / 'sim.db'}"
    monkeypatch.setenv("DATABASE_URL", f"sqlite:///{tmp_path / 'live.db'}")
    monkeypatch.chdir(tmp_path)  # a run without --sim-db writes its file here, not in the repo
    return config, url


def invoke(args: list[str], exit_code: int = 0):  # noqa: ANN201
    result = CliRunner().invoke(simulate_command, args)
    assert result.exit_code == exit_code, (result.output, result.exception)
    return result


def report_groups(args: list[str]) -> dict[str, tuple[str, str, int]]:
    result = CliRunner().invoke(report_command, [*args, "--json"])
    assert result.exit_code == 0, (result.output, result.exception)
    return {g["group"]: (g["policy"], g["arm"], g["calls"])
            for g in json.loads(result.stdout)["policies"]}


def test_twilio_engine_simulates_the_queues_split_and_report_shows_each_arm(setup, tmp_path):
    config, url = setup
    out = tmp_path / "split.csv"
    result = invoke(["--engine", "twilio", "--config", str(config), "--sim-db", url, *SMALL,
                     "--json", "--out", str(out)])
    summary = json.loads(result.stdout)
    assert summary["app_errors"] == 0 and summary["calls"] == 40
    assert summary["split"] == {"callback": 0.5, "music_ads": 0.5}
    assert summary["policy"] == "split" and summary["arm"] == ""  # no one arm's, nor checkin's
    per_arm = summary["arms"]
    assert set(per_arm) == ARMS and all(per_arm[arm]["calls"] > 0 for arm in ARMS)
    assert sum(per_arm[arm]["calls"] for arm in ARMS) == 40
    assert {arm: per_arm[arm]["policy"] for arm in ARMS} == {a: a for a in ARMS}
    assert "checkin" not in result.stderr  # nobody hears the queue's own policy

    # the log: every caller in an arm, under the arm's policy, as the live app logs them
    for groups in (report_groups(["--db", url]), report_groups(["--records", str(out)])):
        assert {g: (policy, arm) for g, (policy, arm, _) in groups.items()} == GROUPS
        assert sum(calls for *_, calls in groups.values()) == 40
    records = pd.read_csv(out)
    assert set(records["arm"]) == ARMS and set(records["policy"]) == ARMS
    assert (records["arm"] == records["policy"]).all()
    assert records["call_id"].is_unique


def test_twilio_split_table_has_a_column_per_arm_and_the_whole(setup):
    config, url = setup
    result = invoke(["--engine", "twilio", "--config", str(config), "--sim-db", url, *SMALL])
    header = next(line.split() for line in result.stdout.splitlines()
                  if line.split()[:2] == ["callback", "music_ads"])
    assert header == ["callback", "music_ads", "all", "arms"]


def test_twilio_split_arms_are_counted_after_the_warmup(setup):
    config, url = setup
    summary = json.loads(invoke(["--engine", "twilio", "--config", str(config), "--sim-db",
                                 url, *SMALL, "--warmup", "10", "--json"]).stdout)
    assert summary["calls"] < 40
    assert sum(summary["arms"][arm]["calls"] for arm in ARMS) == summary["calls"]


def test_fast_engine_refuses_the_split_in_one_line_saying_what_to_run(setup):
    config, _ = setup
    result = invoke(["--config", str(config), *SMALL], exit_code=1)
    said = result.stderr.strip()
    assert len(said.splitlines()) == 1
    assert said == (
        "Error: queue support runs a split (callback 50%, music_ads 50%), which --engine fast "
        "cannot simulate (it runs one policy for every caller): --engine twilio simulates the "
        "split, each caller drawn into an arm as live; or --policy NAME simulates one arm "
        "(callback, music_ads) for every caller")
    assert result.stdout == ""  # nothing simulated


@pytest.mark.parametrize("engine", ["fast", "twilio"])
def test_a_policy_named_is_simulated_and_the_split_is_said_not_to_be(setup, tmp_path, engine):
    config, url = setup
    out = tmp_path / "one.csv"
    result = invoke(["--engine", engine, "--config", str(config), "--sim-db", url, *SMALL,
                     "--policy", "music_ads", "--json", "--out", str(out)])
    assert ("note: queue support runs a split (callback 50%, music_ads 50%); --policy "
            "music_ads is simulated for every caller, so the split is not simulated (leave "
            "--policy out, with --engine twilio, to simulate it)") in result.stderr
    summary = json.loads(result.stdout)
    assert summary["policy"] == "music_ads" and "split" not in summary
    assert set(pd.read_csv(out)["policy"]) == {"music_ads"}


def test_a_queue_without_a_split_runs_its_policy_without_a_note(tmp_path):
    config = tmp_path / "plain.toml"
    config.write_text('[queues.support]\npolicy = "checkin"\n')
    result = invoke(["--config", str(config), *SMALL, "--json"])
    assert json.loads(result.stdout)["policy"] == "checkin"
    assert "split" not in result.stderr


def test_compare_on_a_split_queue_says_it_runs_the_policies_given_not_the_split(setup):
    """`compare --config` on a queue running a split said nothing of it (review 42)."""
    from cli.simulate_commands import compare_command

    config, _ = setup
    result = CliRunner().invoke(compare_command, ["--config", str(config), *SMALL,
                                                  "--policies", "silence,checkin", "--json"])
    assert result.exit_code == 0, result.output
    assert ("note: queue support runs a split (callback 50%, music_ads 50%); compare runs "
            "each of --policies for every caller, not the split (simulate --engine twilio "
            "without --policy runs the split)") in result.stderr
    assert [run["policy"] for run in json.loads(result.stdout)] == ["silence", "checkin"]
