"""A --from/--to that keeps no call says where the log's calls are: 'no call records entering
from 2026-11-02… to 2026-11-09…' had left the analyst to guess whether the log was empty,
another month's, or the year typed wrong."""

from __future__ import annotations

import pytest
from click.testing import CliRunner

from analytics.records import write_records
from cli.report_commands import export_command, report_command
from tests.analytics.builders import call, frame

HELD = "the calls it holds entered from 2025-03-03T09:00:00Z to 2025-03-03T09:02:00Z"


@pytest.fixture
def log(tmp_path):
    path = tmp_path / "calls.csv"
    write_records(frame([call("A", "answered", 30), call("B", "abandoned", 9, at_s=60),
                         call("C", "answered", 3, at_s=120)]), path)
    return path


@pytest.mark.parametrize("html", [False, True])
def test_a_report_of_an_empty_period_says_where_the_calls_are(log, tmp_path, html):
    args = ["--records", str(log), "--from", "2026-11-02", "--to", "2026-11-09"]
    if html:  # read whole, not in batches
        args += ["--html", str(tmp_path / "r.html")]
    said = CliRunner().invoke(report_command, args)
    assert said.exit_code == 1
    assert "no call records entering from 2026-11-02" in said.output and HELD in said.output


@pytest.mark.parametrize("file_format", ["csv", "queue_log"])
def test_an_export_of_an_empty_period_says_it_too(log, tmp_path, file_format):
    out = tmp_path / ("out.csv" if file_format == "csv" else "queue_log")
    said = CliRunner().invoke(export_command, ["--format", file_format, "--records", str(log),
                                               "--to", "2024-01-01", "--out", str(out)])
    assert said.exit_code == 1 and HELD in said.output and not out.exists()


def test_no_span_without_a_period(log):
    said = CliRunner().invoke(report_command, ["--records", str(log), "--queue", "sales"])
    assert said.exit_code == 1 and "entered from" not in said.output
