"""A queue's split simulated through the app whose callers all drew one arm (a weight of
1,000 against 0.001) is still the split's run: "split" in the table and --json, the arm its
callers drew listed under `arms`. The run had been labelled with that arm's policy, its arm
in `arm`, and no `arms` at all, as if the queue ran that policy alone."""

from __future__ import annotations

import json

from tests.cli.test_simulate_queue_split import SMALL, invoke

CONFIG = """
[line]
support_number = "+14155550100"
[queues.support]
policy = "checkin"
[queues.support.experiment]
arms = { callback = 1000, music_ads = 0.001 }
"""


def test_a_split_whose_callers_all_drew_one_arm_is_the_splits_run(tmp_path, monkeypatch):
    config = tmp_path / "exp.toml"
    config.write_text(CONFIG)
    monkeypatch.setenv("DATABASE_URL", f"sqlite:///{tmp_path / 'live.db'}")
    monkeypatch.chdir(tmp_path)
    args = ["--engine", "twilio", "--config", str(config),
            "--sim-db", f"sqlite:///{tmp_path / 'sim.db'}", *SMALL]
    summary = json.loads(invoke([*args, "--json"]).stdout)
    assert (summary["policy"], summary["arm"]) == ("split", "")
    assert summary["calls"] == 40 and set(summary["arms"]) == {"callback"}
    assert summary["arms"]["callback"]["calls"] == 40
    assert summary["arms"]["callback"]["policy"] == "callback"
    header = next(line.split() for line in invoke(args).stdout.splitlines()
                  if line.split()[:1] == ["callback"])
    assert header == ["callback", "all", "arms"]
