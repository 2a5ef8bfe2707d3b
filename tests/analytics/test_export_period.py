"""`holdwell export --queue/--from/--to/--timezone` cuts a log as `report` does (analyst audit
36, D10: export had no way to, so an analyst exported a year to look at a week)."""

from __future__ import annotations

import json

import pandas as pd
from click.testing import CliRunner

from analytics.events import EVENT_COLUMNS
from analytics.queue_log import parse_queue_log_line
from analytics.records import load_records, write_records
from cli.report_commands import export_command, report_command
from tests.analytics.test_report_database_batches import _records, call_log  # noqa: F401

PERIOD = ("--from", "2025-03-03T08:05", "--to", "2025-03-03T08:20")


def _export(*args: str) -> str:
    result = CliRunner().invoke(export_command, list(args))
    assert result.exit_code == 0, result.output
    return result.stdout


def _reported_calls(*args: str) -> int:
    result = CliRunner().invoke(report_command, ["--json", *args])
    assert result.exit_code == 0, result.output
    return json.loads(result.stdout)["period"]["calls"]


def test_a_databases_records_are_cut_as_the_report_cuts_them(call_log, tmp_path):  # noqa: F811
    for cut in (("--queue", "sales"), PERIOD, ("--queue", "support", *PERIOD)):
        out = tmp_path / "cut.csv"
        _export("--format", "csv", "--db", call_log, "--out", str(out), *cut)
        written = load_records(out)
        assert 0 < len(written) == _reported_calls("--db", call_log, *cut) < 450, cut
        if "--queue" in cut:
            assert set(written["queue"].astype(str)) == {cut[1]}


def test_record_files_queue_log_keeps_the_periods_calls_only(tmp_path):
    records = _records()
    path = write_records(records, tmp_path / "calls.csv")
    berlin = ("--timezone", "Europe/Berlin", "--from", "2025-03-03T09:05",
              "--to", "2025-03-03T09:20")  # 08:05-08:20 UTC, on Berlin's winter clock
    out = tmp_path / "cut.log"
    _export("--format", "queue_log", "--records", str(path), "--out", str(out),
            "--queue", "support", *berlin)
    lines = out.read_text().splitlines()
    ids = {parse_queue_log_line(line).call_id for line in lines}
    entered = records["entered_at"]
    inside = records[(records["queue"] == "support")
                     & (entered >= pd.Timestamp("2025-03-03T08:05Z"))
                     & (entered < pd.Timestamp("2025-03-03T08:20Z"))]
    assert 0 < len(inside) < len(records)
    assert len(ids) == len(inside)  # ids are hashed in the file: one per call kept


def test_events_files_keep_whole_calls_that_entered_in_the_period(tmp_path):
    def event(at: str, call: str, name: str, **extra: object) -> dict:
        return {**dict.fromkeys(EVENT_COLUMNS), "time": at, "call_id": call, "queue": "support",
                "event": name, "policy": "checkin", "arm": "", "data": "{}", **extra}

    events = pd.DataFrame([
        event("2026-03-02T08:59:00Z", "before", "ENTERQUEUE", position=1, wait_s=0.0),
        event("2026-03-02T09:01:00Z", "before", "ABANDON", position=1, wait_s=120.0),
        event("2026-03-02T09:00:30Z", "inside", "ENTERQUEUE", position=1, wait_s=0.0),
        event("2026-03-02T10:30:00Z", "inside", "ABANDON", position=1, wait_s=5370.0)])
    path = tmp_path / "events.csv"
    events.to_csv(path, index=False)
    out = tmp_path / "cut.log"
    _export("--format", "queue_log", "--events", str(path), "--out", str(out),
            "--caller-ids", "none", "--from", "2026-03-02T09:00Z")
    lines = out.read_text().splitlines()
    seen = [parse_queue_log_line(line) for line in lines]
    assert {x.event for x in seen} >= {"ENTERQUEUE", "ABANDON"}
    assert {x.call_id for x in seen} == {"inside"}  # entered at 09:00:30: kept whole


def test_a_bad_period_is_refused_naming_the_option(tmp_path):
    records = write_records(_records(), tmp_path / "calls.csv")
    result = CliRunner().invoke(export_command, ["--format", "csv", "--records", str(records),
                                                 "--out", str(tmp_path / "o.csv"),
                                                 "--from", "2026-03-02", "--to", "2026-03-01"])
    assert result.exit_code == 2 and "2026-03-02 is not before --to 2026-03-01" in result.output


def test_a_databases_events_are_cut_to_whole_calls(sqlite_url, tmp_path):
    from datetime import UTC, datetime

    from app.storage.db import make_engine
    from app.storage.schema import call_events

    def event(at: datetime, call: str, name: str, wait_s: float) -> dict:
        return {"time": at, "call_id": call, "queue": "support", "event": name,
                "policy": "checkin", "arm": "", "position": 1, "wait_s": wait_s,
                "data": "{}", "dedupe_key": f"{call}:{name}"}

    engine = make_engine(sqlite_url)
    with engine.begin() as conn:
        conn.execute(call_events.insert(), [
            event(datetime(2026, 3, 2, 8, 59, tzinfo=UTC), "CAbefore", "ENTERQUEUE", 0.0),
            event(datetime(2026, 3, 2, 9, 1, tzinfo=UTC), "CAbefore", "ABANDON", 120.0),
            event(datetime(2026, 3, 2, 9, 0, 30, tzinfo=UTC), "CAinside", "ENTERQUEUE", 0.0),
            event(datetime(2026, 3, 2, 10, 30, tzinfo=UTC), "CAinside", "ABANDON", 5370.0)])
    engine.dispose()
    out = tmp_path / "cut.log"
    _export("--format", "queue_log", "--db", sqlite_url, "--out", str(out), "--caller-ids",
            "none", "--from", "2026-03-02T09:00Z")
    seen = [parse_queue_log_line(line) for line in out.read_text().splitlines()]
    assert {x.call_id for x in seen} == {"CAinside"}
    assert {x.event for x in seen} >= {"ENTERQUEUE", "ABANDON"}
