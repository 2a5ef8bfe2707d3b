"""End to end across packages: simulate two policies, write records, report, find the difference.

The scenario puts a difference there through the caller behaviour model: check-ins from the
moment callers join (position information slows the use of patience; music with adverts
speeds it up). The report, reading only the written records, must find it, beyond noise.
"""

from __future__ import annotations

import json

from click.testing import CliRunner

from cli.main import cli

CALLS = 100_000
"""About 36 simulated days a policy. The effect is about 0.9 points of abandonment; once the
report's intervals allowed for calls moving together (clustered by day), 40,000 calls (15
days) left it inside the noise (95% CI -1.9 to +0.1 points), as an honest interval should."""


def test_simulate_two_policies_then_report_finds_the_difference(tmp_path):
    config = tmp_path / "early.toml"
    config.write_text("[queues.support.checkin]\nfirst_checkin_s = 0\ninterval_s = 30\n")
    runner = CliRunner()
    files, outputs = {}, {}
    for policy in ("music_ads", "checkin"):
        files[policy] = tmp_path / f"{policy}.csv"
        result = runner.invoke(cli, [
            "simulate", "--policy", policy, "--calls", str(CALLS), "--agents", "10",
            "--arrival-rate", "1.9", "--service-mean", "5", "--patience-mean", "3",
            "--config", str(config), "--seed", "7", "--json", "--out", str(files[policy])])
        assert result.exit_code == 0, result.output
        outputs[policy] = result.stdout
    arguments = [part for path in files.values() for part in ("--records", str(path))]
    report = runner.invoke(cli, ["report", "--json", *arguments])
    assert report.exit_code == 0, report.output
    found = json.loads(report.stdout)
    rates = {p["policy"]: p["abandonment_rate"] for p in found["policies"]}
    simulated = {p: json.loads(r) for p, r in outputs.items()}
    for policy in files:  # the report's rates are the simulator's, read back from the files
        assert abs(rates[policy] - simulated[policy]["abandonment_rate"]) < 1e-9
    (diff,) = [c for c in found["comparisons"] if c["metric"] == "abandonment_rate"]
    checkin_minus_music = diff["difference"] if "checkin" in diff["a"] else -diff["difference"]
    low, high = sorted(x if "checkin" in diff["a"] else -x for x in diff["ci"])
    assert checkin_minus_music < 0 and high < 0  # check-ins lower abandonment, beyond noise
    assert diff["p_value"] < 0.01
