"""`holdwell compare --out` then `holdwell report --records` on the very same calls: compare
printed callback vs silence paired, -1.3 pp [-2.1 pp, -0.5 pp]; the report recognised the same
callers yet tested them as independent, -1.3 pp [-4.8, +2.2 pp], p = 0.446, 'no clear
difference' (analyst audit A). The report now runs compare's own paired comparison."""

from __future__ import annotations

import json
import re

import click
import pytest
from click.testing import CliRunner

from analytics.records import load_records
from analytics.report import PAIRED, build_report
from analytics.summary import RecordsSummary
from cli.report_commands import report_command
from cli.simulate_commands import compare_command

AUDIT = ["--calls", "4000", "--agents", "9"]  # the audit's run, compare's default seed
POLICIES = ["silence", "checkin", "callback", "music_ads"]


@pytest.fixture(scope="module")
def compared(tmp_path_factory) -> tuple[list[dict], str, str]:
    """compare's --json summaries, its printed table, and the records file it wrote."""
    out = str(tmp_path_factory.mktemp("cmp") / "cmp.csv")
    group = click.Group("holdwell")
    group.add_command(compare_command)
    runner = CliRunner()
    result = runner.invoke(group, ["compare", *AUDIT, "--out", out, "--json"])
    assert result.exit_code == 0, result.output
    printed = runner.invoke(group, ["compare", *AUDIT])
    assert printed.exit_code == 0, printed.output
    return json.loads(result.stdout), printed.stdout, out


def primary(report: dict, a: str, b: str) -> dict:
    return next(c for c in report["comparisons"]
                if c["primary"] and c["a"] == f"support · {a}" and c["b"] == f"support · {b}")


def test_the_report_gives_compares_paired_interval(compared) -> None:
    runs, _, out = compared
    by_policy = {run["policy"]: run for run in runs}
    assert [run["policy"] for run in runs] == POLICIES  # silence first: vs the first
    report = build_report(load_records(out))
    for policy in POLICIES[1:]:
        a, b = sorted([policy, "silence"])
        comparison = primary(report, a, b)
        difference, low, high = by_policy[policy]["unserved_vs_first"]  # policy - silence
        sign = 1 if a == policy else -1  # the report's a - b
        expected = sorted([sign * low, sign * high])
        assert comparison["ci"] == pytest.approx(expected, abs=1e-12)
        assert comparison["difference"] == pytest.approx(sign * difference, abs=1e-12)
        assert comparison["paired"] is True and comparison["pairing"] == PAIRED
        assert comparison["test"] == "paired t" and comparison["same_callers"] is True
        excludes_zero = comparison["ci"][0] > 0 or comparison["ci"][1] < 0
        assert excludes_zero == (comparison["p_value"] < 0.05)
    secondary = [c for c in report["comparisons"] if not c["primary"]]
    assert secondary and all(c["paired"] is False and c["pairing"] is None
                             and c["test"] != "paired t" for c in secondary)


def test_the_verdict_agrees_with_compare(compared) -> None:
    _, _, out = compared
    comparison = primary(build_report(load_records(out)), "callback", "silence")
    assert comparison["ci"][1] < 0  # compare: -1.3 pp [-2.1 pp, -0.5 pp]
    assert comparison["p_value_holm"] < 0.05
    assert comparison["verdict"] == "support · callback lower"


def test_read_in_batches_the_paired_comparison_is_the_same(compared) -> None:
    _, _, out = compared
    records = load_records(out)
    summary = RecordsSummary()
    for start in range(0, len(records), 3000):
        summary.add(records.iloc[start:start + 3000])
    whole, batched = build_report(records), summary.report()
    assert [c for c in batched["comparisons"] if c["primary"]] == \
        [c for c in whole["comparisons"] if c["primary"]]


def test_the_printed_report_shows_the_interval_compare_printed(compared) -> None:
    _, printed, out = compared
    row = next(line for line in printed.splitlines()
               if line.startswith("unserved vs the first"))
    shown = re.findall(r"([-+][\d.]+) pp \[([-+][\d.]+) pp, ([-+][\d.]+) pp\]", row)
    callback = shown[POLICIES.index("callback") - 1]
    result = CliRunner().invoke(report_command, ["--records", out])
    assert result.exit_code == 0, result.output
    line = next(line for line in result.stdout.splitlines()
                if line.startswith("support · callback vs support · silence")
                and "primary" in line)
    assert f"{callback[0]} pp [{callback[1]}, {callback[2]} pp]" in line
    assert "(paired t)" in line and PAIRED in line and "support · callback lower" in line
    assert "paired t" in result.stdout.split("definitions")[-1]


def test_the_page_says_the_comparison_is_paired(compared, tmp_path) -> None:
    _, _, out = compared
    page = tmp_path / "cmp.html"
    result = CliRunner().invoke(report_command, ["--records", out, "--html", str(page)])
    assert result.exit_code == 0, result.output
    html = page.read_text(encoding="utf-8")
    verdicts = html.split('<div class="verdicts">')[1].split("</div>")[0]
    assert verdicts.count(PAIRED) == len(POLICIES) * (len(POLICIES) - 1) // 2
    assert "(paired t)" in verdicts
