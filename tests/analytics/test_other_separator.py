"""A record or event file saved with semicolons (a spreadsheet where the decimal mark is a
comma) or tabs is said to be so: records had been told every column was missing though the
header named them all, and events 'Expected 1 fields in line 4, saw 2' (their JSON data
holds commas)."""

from __future__ import annotations

import json

import pandas as pd
import pytest
from click.testing import CliRunner

from analytics.records import write_records
from cli.report_commands import report_command
from tests.analytics.builders import call, frame


@pytest.mark.parametrize(("sep", "said"), [(";", "';'"), ("\t", "tab")])
def test_a_records_file_not_separated_by_commas_is_said_to_be(tmp_path, sep, said):
    plain, other = tmp_path / "plain.csv", tmp_path / "calls.csv"
    write_records(frame([call("A", "answered", 30), call("B", "abandoned", 9)]), plain)
    pd.read_csv(plain, dtype=str, keep_default_na=False).to_csv(other, sep=sep, index=False)
    result = CliRunner().invoke(report_command, ["--records", str(other)])
    assert result.exit_code == 1
    assert f"the file is separated by {said}, not commas" in result.output


def test_an_events_file_separated_by_semicolons_is_said_to_be(tmp_path):
    records, events = tmp_path / "calls.csv", tmp_path / "events.csv"
    write_records(frame([call("A", "answered", 30)]), records)
    rows = [{"time": f"2026-03-02T09:00:{s:02d}Z", "call_id": "A", "queue": "support",
             "event": name, "policy": "checkin", "arm": "", "position": 1, "wait_s": s,
             "data": json.dumps({"episode": 0, "kind": "x"})}
            for s, name in ((0, "ENTERQUEUE"), (10, "ANNOUNCE"), (30, "CONNECT"))]
    pd.DataFrame(rows).to_csv(events, sep=";", index=False)
    result = CliRunner().invoke(report_command, ["--records", str(records), "--events",
                                                 str(events)])
    assert result.exit_code == 1
    assert "separated by ';', not commas" in result.output
    assert "Expected 1 fields" not in result.output
