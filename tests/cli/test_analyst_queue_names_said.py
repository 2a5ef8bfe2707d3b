"""A `--queue` that keeps no call because of a blank pasted around it, or an empty one, is
named so the blank shows: the error had read 'no call records in queue(s)  support in
calls.csv; the records hold queue(s) support', the same name twice to the eye."""

from __future__ import annotations

from click.testing import CliRunner

from analytics.records import write_records
from cli.report_commands import export_command, report_command
from tests.analytics.builders import call, frame


def test_a_queue_name_with_a_blank_is_quoted(tmp_path):
    records = tmp_path / "calls.csv"
    write_records(frame([call("A", "answered", 30)]), records)
    said = CliRunner().invoke(report_command, ["--records", str(records), "--queue",
                                               " support"])
    assert said.exit_code == 1
    assert "no call records in queue(s) ' support' in" in said.output
    assert "the records hold queue(s) support" in said.output
    empty = CliRunner().invoke(export_command, ["--format", "csv", "--records", str(records),
                                                "--queue", "", "--out",
                                                str(tmp_path / "out.csv")])
    assert empty.exit_code == 1 and "in queue(s) '' in" in empty.output


def test_a_plain_name_is_said_as_it_is(tmp_path):
    records = tmp_path / "calls.csv"
    write_records(frame([call("A", "answered", 30)]), records)
    said = CliRunner().invoke(report_command, ["--records", str(records), "--queue", "sales"])
    assert "no call records in queue(s) sales in" in said.output
