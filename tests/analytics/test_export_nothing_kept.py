"""`holdwell export` whose --queue/--from/--to keep no call is refused as `report` refuses
it, and writes nothing: it had written an empty file (over an earlier export) and exited 0
while `report` said "no call records in queue(s) sales …; the records hold queue(s) support"
(analyst audit)."""

from __future__ import annotations

import pandas as pd
import pytest
from click.testing import CliRunner

from analytics.events import EVENT_COLUMNS
from analytics.records import load_records, write_records
from cli.report_commands import export_command, report_command
from tests.analytics.test_report_database_batches import _records, call_log  # noqa: F401

CUTS = [("--queue", "nosuch"), ("--from", "2027-01-01"), ("--queue", "support",
                                                          "--to", "2001-01-01")]
FORMATS = [("csv", "calls.csv"), ("parquet", "calls.parquet"), ("queue_log", "queue_log")]


def _refused_as_report_refuses(source: list[str], file_format: str, out, cut) -> None:
    out.write_text("an earlier export\n")
    before = set(out.parent.iterdir())
    report = CliRunner().invoke(report_command, [*source, *cut])
    assert report.exit_code == 1 and "no call records" in report.output, report.output
    said = report.output.strip().splitlines()[-1]
    export = CliRunner().invoke(export_command, ["--format", file_format, *source,
                                                 "--out", str(out), *cut])
    assert export.exit_code == 1, export.output
    assert export.output.strip().splitlines()[-1] == said
    assert "wrote" not in export.output
    assert out.read_text() == "an earlier export\n"  # left as it was, no partial beside it
    assert set(out.parent.iterdir()) == before


@pytest.mark.parametrize(("file_format", "name"), FORMATS)
@pytest.mark.parametrize("cut", CUTS)
def test_record_files_cut_to_nothing_are_refused(tmp_path, file_format, name, cut):
    log = write_records(_records(), tmp_path / "calls.csv")
    (tmp_path / "out").mkdir()
    _refused_as_report_refuses(["--records", str(log)], file_format, tmp_path / "out" / name,
                               cut)


@pytest.mark.parametrize(("file_format", "name"), FORMATS)
@pytest.mark.parametrize("cut", CUTS)
def test_a_database_cut_to_nothing_is_refused(call_log, tmp_path, file_format, name,  # noqa: F811
                                              cut):
    (tmp_path / "out").mkdir()
    _refused_as_report_refuses(["--db", call_log], file_format, tmp_path / "out" / name, cut)


def test_the_queues_held_are_named_and_a_one_queue_log_refuses_another(tmp_path):
    records = _records()
    log = write_records(records[records["queue"] == "support"], tmp_path / "support.parquet")
    out = tmp_path / "sales.csv"
    result = CliRunner().invoke(export_command, ["--format", "csv", "--records", str(log),
                                                 "--out", str(out), "--queue", "sales"])
    assert result.exit_code == 1 and not out.exists()
    assert (f"Error: no call records in queue(s) sales in {log}; the records hold queue(s) "
            "support") in result.output


def test_event_files_cut_to_nothing_are_refused(tmp_path):
    events = pd.DataFrame([
        {**dict.fromkeys(EVENT_COLUMNS), "time": at, "call_id": "c1", "queue": "support",
         "event": name, "policy": "checkin", "arm": "", "data": "{}", "position": 1,
         "wait_s": wait}
        for at, name, wait in (("2026-03-02T09:00:00Z", "ENTERQUEUE", 0.0),
                               ("2026-03-02T09:02:00Z", "ABANDON", 120.0))])
    path = tmp_path / "events.csv"
    events.to_csv(path, index=False)
    out = tmp_path / "queue_log"
    result = CliRunner().invoke(export_command, ["--format", "queue_log", "--events", str(path),
                                                 "--out", str(out), "--queue", "sales"])
    assert result.exit_code == 1 and not out.exists()
    assert (f"no call records in queue(s) sales in {path}; the records hold queue(s) support"
            in result.output)


def test_a_cut_that_keeps_calls_still_writes_them(tmp_path):
    records = _records()
    log = write_records(records, tmp_path / "calls.csv")
    out = tmp_path / "sales.csv"
    kept = CliRunner().invoke(export_command, ["--format", "csv", "--records", str(log),
                                               "--out", str(out), "--queue", "sales"])
    assert kept.exit_code == 0, kept.output
    assert len(load_records(out)) == (records["queue"] == "sales").sum() > 0
