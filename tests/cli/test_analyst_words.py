"""Words an analyst reads when there is little or nothing to read (analyst walk A5, A6): the
empty file is named, an empty log is said to be empty, no test is named where none was made,
and one call is "1 call"."""

from __future__ import annotations

import json

from click.testing import CliRunner

from analytics.records import records_frame
from analytics.report import build_report
from cli.main import cli
from hold_policies.records import Outcome
from tests.analytics.builders import call

HEADER = ("call_id,queue,policy,arm,entered_at,outcome,wait_s,orig_position,announcements,"
          "first_announced_wait_s,callback_wait_s\n")


def test_a_header_only_file_is_named(tmp_path):
    empty = tmp_path / "empty.csv"
    empty.write_text(HEADER)
    result = CliRunner().invoke(cli, ["report", "--records", str(empty)])
    assert result.exit_code != 0 and f"no call records in {empty}" in result.output


def test_fit_on_an_empty_log_says_it_is_empty(tmp_path, monkeypatch):
    from app.storage.migrate import upgrade

    url = f"sqlite:///{tmp_path / 'holdwell.db'}"
    upgrade(url)
    monkeypatch.setenv("DATABASE_URL", url)
    result = CliRunner().invoke(cli, ["fit", "--out", str(tmp_path / "x.toml")])
    assert result.exit_code != 0
    assert "the database (DATABASE_URL): no call records to fit yet" in result.output
    assert "talk time" not in result.output


def test_a_comparison_without_a_p_value_names_no_test():
    """Every call of one group took a callback: its abandonment rate has no denominator."""
    records = records_frame(
        [call(f"t{i}", Outcome.CALLBACK_CONNECTED, 20, policy="callback",
              callback_requested=True, callback_wait_s=200) for i in range(40)]
        + [call(f"a{i}", Outcome.ABANDONED if i % 3 else Outcome.ANSWERED, 20)
           for i in range(40)])
    report = build_report(records)
    for comparison in report["comparisons"]:
        if comparison["p_value"] is None:
            assert comparison["test"] is None, comparison
    assert any(c["p_value"] is None for c in report["comparisons"])
    json.dumps(report)


def test_one_call_is_one_call(tmp_path):
    one = tmp_path / "one.csv"
    one.write_text(HEADER + "c1,support,checkin,,2026-01-05T09:00:00Z,answered,12,1,0,,\n")
    result = CliRunner().invoke(cli, ["report", "--records", str(one)])
    assert result.exit_code == 0, result.output
    assert "holdwell report: 1 call entered" in result.output
    assert "adds up to 1 call" in result.output and "1 calls" not in result.output
