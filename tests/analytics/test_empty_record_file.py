"""A record or event file of 0 bytes (a truncated copy, a `>` whose command failed) is said to
be empty: `report` had answered 'cannot read file: No columns to parse from file' (pandas'
words) for a CSV and 'Parquet file size is 0 bytes' for Parquet."""

from __future__ import annotations

import pytest
from click.testing import CliRunner

from analytics.records import write_records
from cli.report_commands import report_command
from tests.analytics.builders import call, frame


@pytest.mark.parametrize("name", ["calls.csv", "calls.parquet"])
def test_an_empty_record_file_is_called_empty(tmp_path, name):
    empty = tmp_path / name
    empty.write_bytes(b"")
    said = CliRunner().invoke(report_command, ["--records", str(empty)])
    assert said.exit_code == 1
    assert f"{empty}: the file is empty (0 bytes)" in said.output
    assert "No columns" not in said.output and "Traceback" not in said.output


def test_an_empty_events_file_is_called_empty(tmp_path):
    records, events = tmp_path / "calls.csv", tmp_path / "events.csv"
    write_records(frame([call("A", "answered", 30)]), records)
    events.write_bytes(b"")
    said = CliRunner().invoke(report_command, ["--records", str(records), "--events",
                                               str(events)])
    assert said.exit_code == 1
    assert f"{events}: the file is empty (0 bytes)" in said.output
