"""A report read whole (`--html`) of one call says 'building the report on 1 call', as the
report itself says '1 call': its progress line had said '1 calls'."""

from __future__ import annotations

from click.testing import CliRunner

from analytics.records import write_records
from cli.report_commands import report_command
from tests.analytics.builders import call, frame


def test_one_call_is_said_once(tmp_path):
    records, page = tmp_path / "calls.csv", tmp_path / "page.html"
    write_records(frame([call("A", "answered", 30)]), records)
    result = CliRunner().invoke(report_command, ["--records", str(records), "--html",
                                                 str(page)])
    assert result.exit_code == 0, result.output
    said = result.stderr.splitlines()
    assert "building the report on 1 call ..." in said
    assert not any("1 calls" in line for line in said)
