"""`simulate --warmup`: a warm-up that swallows every call is refused, and records written
after one say they hold the warm-up's calls and how to count what the figures count."""

from __future__ import annotations

import json
import re

from click.testing import CliRunner

from cli.main import cli


def test_a_warm_up_longer_than_the_run_is_named(tmp_path):
    result = CliRunner().invoke(cli, ["simulate", "--calls", "300", "--warmup", "1e9"])
    assert result.exit_code == 1
    assert "--warmup: all 300 calls entered in the first 1e+09 minutes" in result.output


def test_the_records_say_how_to_count_what_the_figures_count(tmp_path):
    out = tmp_path / "wu.csv"
    runner = CliRunner()
    ran = runner.invoke(cli, ["simulate", "--calls", "2000", "--warmup", "120", "--json",
                              "--out", str(out)])
    assert ran.exit_code == 0, ran.output
    said = runner.invoke(cli, ["simulate", "--calls", "2000", "--warmup", "120",
                               "--out", str(tmp_path / "again.csv")]).output
    command = re.search(r"`holdwell report --records \S+ --from (\S+)`", said)
    assert command and "the warm-up's too (2,000 a policy)" in said
    counted = runner.invoke(cli, ["report", "--records", str(out), "--from", command[1],
                                  "--json"])
    assert counted.exit_code == 0, counted.output
    figures = json.loads(ran.stdout.splitlines()[-1])
    report = json.loads(counted.stdout)
    assert report["policies"][0]["calls"] == figures["calls"] < 2000
