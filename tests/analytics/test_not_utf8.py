"""A CSV file that is not UTF-8 (a spreadsheet's plain "CSV": Windows-1252) is named by its
first such line, as every other message names one: the report had quoted pandas ("'utf-8'
codec can't decode byte 0xe9 in position 254: invalid continuation byte"), counting bytes."""

from __future__ import annotations

import json

import pandas as pd
from click.testing import CliRunner

from analytics.records import write_records
from cli.report_commands import export_command, report_command
from tests.analytics.builders import call, frame


def _windows_records(tmp_path):
    plain, saved = tmp_path / "plain.csv", tmp_path / "calls.csv"
    write_records(frame([call("A", "answered", 30), call("B", "abandoned", 9),
                         call("C", "answered", 12, queue="café")]), plain)
    pd.read_csv(plain, dtype=str, keep_default_na=False).to_csv(saved, index=False,
                                                                encoding="cp1252")
    return saved


def test_a_records_file_not_in_utf8_is_named_by_its_line(tmp_path):
    saved = _windows_records(tmp_path)
    for command, extra in ((report_command, []),
                           (export_command, ["--format", "csv", "--out",
                                             str(tmp_path / "out.csv")])):
        result = CliRunner().invoke(command, ["--records", str(saved), *extra])
        assert result.exit_code == 1, result.output
        assert "line 4 is not UTF-8 text (byte 0xe9)" in result.output
        assert "codec" not in result.output


def test_an_events_file_not_in_utf8_is_named_by_its_line(tmp_path):
    records, events = tmp_path / "calls.csv", tmp_path / "events.csv"
    write_records(frame([call("A", "answered", 30)]), records)
    rows = [{"time": f"2026-03-02T09:00:{s:02d}Z", "call_id": "A", "queue": "support",
             "event": name, "policy": "checkin", "arm": "", "position": 1, "wait_s": s,
             "data": json.dumps({"episode": 0, "text": text}, ensure_ascii=False)}
            for s, name, text in ((0, "ENTERQUEUE", ""), (10, "ANNOUNCE", "Désolé"),
                                  (30, "CONNECT", ""))]
    pd.DataFrame(rows).to_csv(events, index=False, encoding="latin-1")
    result = CliRunner().invoke(report_command, ["--records", str(records), "--events",
                                                 str(events)])
    assert result.exit_code == 1, result.output
    assert "line 3 is not UTF-8 text (byte 0xe9)" in result.output
