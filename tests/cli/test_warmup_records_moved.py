"""`compare --engine twilio --sim-db DB --warmup --out`: the policies share one log, so each
run is moved whole weeks past the last, and a single `--from` (the first policy's warm-up end)
counted every later policy's warm-up too: the note's `holdwell report` gave silence 60 calls
where its figures counted 52. Each policy's own period is named, `--from` its warm-up's end
`--to` the next run's start, and each command counts what that policy's figures count."""

from __future__ import annotations

import json
import re
import shlex

import pytest
from click.testing import CliRunner

from cli.main import cli

CONFIG = """
[line]
support_number = "+14155550100"
[queues.support]
policy = "checkin"
"""
SMALL = ["--calls", "60", "--agents", "1", "--arrival-rate", "1.2", "--service-mean", "1.5",
         "--patience-mean", "8", "--seed", "4", "--warmup", "10"]


@pytest.mark.parametrize("as_json", [True, False])
def test_each_moved_policy_is_counted_as_its_figures_count(tmp_path, monkeypatch, as_json):
    config = tmp_path / "c.toml"
    config.write_text(CONFIG)
    monkeypatch.setenv("DATABASE_URL", f"sqlite:///{tmp_path / 'live.db'}")
    monkeypatch.chdir(tmp_path)
    out = tmp_path / "rec.csv"
    runner = CliRunner()
    ran = runner.invoke(cli, ["compare", "--engine", "twilio", "--config", str(config),
                              "--policies", "checkin,silence", "--sim-db",
                              f"sqlite:///{tmp_path / 'sim.db'}", *SMALL, "--out", str(out),
                              *(["--json"] if as_json else [])])
    assert ran.exit_code == 0, ran.output
    said = ran.stderr if as_json else ran.output
    commands = re.findall(r"`holdwell (report --records [^`]+)`", said)
    if as_json:
        figures = {run["policy"]: run["calls"] for run in json.loads(ran.stdout)}
    else:
        figures = {"checkin": None, "silence": None}
        json_run = runner.invoke(cli, ["compare", "--engine", "twilio", "--config",
                                       str(config), "--policies", "checkin,silence",
                                       *SMALL, "--json"])
        assert json_run.exit_code == 0, json_run.output
        figures = {run["policy"]: run["calls"]
                   for run in json.loads(json_run.stdout.splitlines()[-1])}
    assert len(commands) == 2, said
    counted = {}
    for command in commands:
        report = runner.invoke(cli, [*shlex.split(command), "--json"])
        assert report.exit_code == 0, report.output
        [group] = json.loads(report.stdout)["policies"]
        counted[group["policy"]] = group["calls"]
    assert counted == figures
