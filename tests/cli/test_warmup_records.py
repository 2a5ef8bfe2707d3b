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


def test_json_output_still_says_the_records_hold_the_warm_up(tmp_path):
    """With --json, the records' note had gone unsaid: nothing told the analyst the file
    held the warm-up's calls the figures leave out (analyst audit). It goes to stderr, the
    JSON alone on stdout."""
    runner = CliRunner()
    for command in (["simulate"], ["compare", "--policies", "silence,checkin"]):
        out = tmp_path / f"{command[0]}.csv"
        ran = runner.invoke(cli, [*command, "--calls", "600", "--warmup", "60", "--json",
                                  "--out", str(out)])
        assert ran.exit_code == 0, ran.output
        json.loads(ran.stdout)  # stdout is the JSON, whole
        assert "the warm-up's too (600 a policy)" in ran.stderr
        assert f"`holdwell report --records {out} --from " in ran.stderr
