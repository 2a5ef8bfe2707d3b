"""`holdwell report` and `holdwell export` through click's runner, end to end on files."""

from __future__ import annotations

import contextlib
import json
import sys
import types
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from click.testing import CliRunner

from analytics.not_queued import NotQueued
from analytics.queue_log import parse_queue_log_line
from analytics.records import load_records, write_records
from analytics.synthetic import arm_for_rate, synthetic_records
from cli.report_commands import export_command, report_command
from tests.analytics.builders import fourteen_calls


@pytest.fixture
def runner() -> CliRunner:
    return CliRunner()


@pytest.fixture
def two_policies(tmp_path):
    """4000 calls per policy; true abandonment 30% (music_ads) vs 20% (checkin), both with
    callback takers, who must not dilute either rate."""
    arms = [
        arm_for_rate("music_ads", 0.30, callback_share=0.10),
        arm_for_rate("checkin", 0.20, callback_share=0.10, checkin_every_s=60),
    ]
    records = synthetic_records(arms, 4000, np.random.default_rng(2025))
    return write_records(records, tmp_path / "simulated.csv")


def test_report_finds_the_difference_the_scenario_put_there(runner, two_policies):
    result = runner.invoke(report_command, ["--records", str(two_policies), "--json"])
    assert result.exit_code == 0, result.output
    report = json.loads(result.stdout)
    assert {p["policy"]: p["calls"] for p in report["policies"]} == {
        "checkin": 4000,
        "music_ads": 4000,
    }
    (found,) = [c for c in report["comparisons"] if c["metric"] == "abandonment_rate"]
    truth = 0.20 - 0.30 if found["a"] == "support · checkin" else 0.30 - 0.20
    low, high = found["ci"]
    assert low <= truth <= high
    assert not low <= 0 <= high
    assert found["p_value"] < 0.001


def test_report_prints_a_table_with_definitions(runner, two_policies):
    result = runner.invoke(
        report_command,
        ["--records", str(two_policies), "--short-abandon", "8", "--service-threshold", "45"],
    )
    assert result.exit_code == 0, result.output
    assert "support · checkin" in result.output and "support · music_ads" in result.output
    assert "answered within 45 s / answered" in result.output
    assert "abandoned before 8 s" in result.output


def test_report_writes_html_and_filters_queues(runner, tmp_path):
    path = write_records(fourteen_calls(), tmp_path / "calls.parquet")
    page = tmp_path / "report.html"
    args = ["--records", str(path), "--queue", "support", "--html", str(page), "--json"]
    result = runner.invoke(report_command, args)
    assert result.exit_code == 0, result.output
    assert page.read_text().startswith("<!DOCTYPE html>")
    missing = runner.invoke(report_command, ["--records", str(path), "--queue", "sales"])
    assert missing.exit_code == 1
    assert "no call records in queue(s) sales" in missing.output
    assert "entering from" not in missing.output
    for extra in ([], ["--html", str(tmp_path / "r.html")]):  # batched and whole reads
        typo = runner.invoke(report_command, ["--records", str(path), "--queue", "suport",
                                              *extra])
        assert typo.exit_code == 1  # which queues there are, not a guess at the name
        assert f"no call records in queue(s) suport in {path}; the records hold queue(s) " \
            "support" in typo.output


def test_a_period_with_no_calls_is_named_as_the_cause(runner, tmp_path):
    """The queue has calls, the period none: it had said "no call records in queue(s)
    support", as if the queue had none at all."""
    path = write_records(fourteen_calls(), tmp_path / "calls.parquet")
    for extra in ([], ["--html", str(tmp_path / "r.html")]):  # batched and whole reads
        empty = runner.invoke(report_command, ["--records", str(path), "--queue", "support",
                                               "--from", "2031-01-01", "--to", "2031-02-01",
                                               *extra])
        assert empty.exit_code == 1
        assert ("no call records in queue(s) support entering from 2031-01-01T00:00:00+00:00 "
                "to 2031-02-01T00:00:00+00:00 (--from/--to)") in empty.output
        assert empty.output.rstrip().endswith("; --from is in the future")  # audit 36, D11
        past = runner.invoke(report_command, ["--records", str(path), "--from", "2001-01-01",
                                              "--to", "2001-02-01", *extra])
        assert past.exit_code == 1 and "future" not in past.output


def test_report_names_the_bad_column_and_file(runner, tmp_path):
    path = write_records(fourteen_calls(), tmp_path / "calls.csv")
    rows = pd.read_csv(path, dtype=str, keep_default_na=False)
    rows.drop(columns="outcome").to_csv(path, index=False)
    result = runner.invoke(report_command, ["--records", str(path)])
    assert result.exit_code == 1
    assert "calls.csv: missing column(s): outcome" in result.output


@pytest.fixture
def fake_database(monkeypatch, tmp_path):
    """Stands in for app.storage.read (the lead's module): records and events by URL (the
    SQLite files named exist: a read of a missing one is refused before any reader runs)."""
    monkeypatch.chdir(tmp_path)
    for name in ("x.db", "holdwell.db"):
        (tmp_path / name).touch()
    seen: list[str] = []
    module = types.ModuleType("app.storage.read")

    def read_records_frame(url: str, chunk_size: int = 100_000) -> pd.DataFrame:
        seen.append(url)
        return pd.DataFrame([c._asdict() for c in fourteen_calls()])

    def read_events_frame(url: str, only=None, numbers=False) -> pd.DataFrame:
        seen.append(url)
        return pd.DataFrame(columns=["time", "call_id", "queue", "event", "policy", "arm",
                                     "position", "wait_s", "data"])  # fmt: skip

    def call_event_batches(url: str, chunk_size: int = 50_000, numbers=False):
        seen.append(url)
        return iter(())  # a log of records without events

    def record_batches(url: str, chunk_size: int = 100_000):
        yield module.read_records_frame(url)  # as the test may have replaced it

    def told_batches(url: str, chunk_size: int = 100_000):
        seen.append(url)
        return iter(())  # no check-in told a wait

    module.read_records_frame = read_records_frame
    module.read_events_frame = read_events_frame
    module.call_event_batches = call_event_batches
    module.record_batches = record_batches
    module.told_batches = told_batches
    module.calls_in_progress = lambda url, *_filters: 0
    monkeypatch.setitem(sys.modules, "app.storage.read", module)
    # no call of this log rang while closed or kept a callback (not_queued_read's query)
    not_queued = types.ModuleType("app.storage.not_queued_read")
    not_queued.not_queued_in_log = lambda url, *_filters: NotQueued()
    monkeypatch.setitem(sys.modules, "app.storage.not_queued_read", not_queued)
    return seen


def test_report_reads_the_database_named_by_the_environment(runner, fake_database, monkeypatch):
    monkeypatch.setenv("DATABASE_URL", "postgresql+psycopg://holdwell:secret@db/holdwell")
    result = runner.invoke(report_command, ["--json"])
    assert result.exit_code == 0, result.output
    url = "postgresql+psycopg://holdwell:secret@db/holdwell"
    assert fake_database == [url, url]  # the records, then the check-ins (every told wait)
    assert json.loads(result.stdout)["policies"][0]["calls"] == 14
    assert json.loads(result.stdout)["told_waits"] == []  # no check-in told a wait


def test_export_queue_log_falls_back_to_records_when_no_events(runner, fake_database, tmp_path):
    out = tmp_path / "queue_log"
    args = ["--format", "queue_log", "--db", "sqlite:///x.db", "--out", str(out)]
    result = runner.invoke(export_command, args)
    assert result.exit_code == 0, result.output
    lines = [parse_queue_log_line(t) for t in out.read_text().splitlines()]
    assert sum(x.event == "ENTERQUEUE" for x in lines) == 14
    assert fake_database == ["sqlite:///x.db", "sqlite:///x.db"]


def test_an_empty_caller_id_key_is_refused_and_a_key_no_hash_uses_is_said(
        runner, fake_database, tmp_path):
    """`--caller-id-key "$KEY"` with KEY unset had fallen back to a random key without a
    word: exports meant to link did not (operator audit 33, D7)."""
    out = tmp_path / "queue_log"
    base = ["--format", "queue_log", "--db", "sqlite:///x.db", "--out", str(out)]
    empty = runner.invoke(export_command, [*base, "--caller-id-key", " "])
    assert empty.exit_code == 2 and "--caller-id-key" in empty.output
    assert "empty (an unset variable?)" in empty.output and not out.exists()
    plain = runner.invoke(export_command, [*base, "--caller-ids", "none",
                                           "--caller-id-key", "shared"])
    assert plain.exit_code == 0
    assert "warning: --caller-id-key is not used with --caller-ids none" in plain.stderr


@pytest.mark.parametrize("file_format", ["csv", "parquet"])
def test_export_records_round_trip(runner, tmp_path, two_policies, file_format):
    out = tmp_path / f"out.{file_format}"
    args = ["--format", file_format, "--records", str(two_policies), "--out", str(out)]
    result = runner.invoke(export_command, args)
    assert result.exit_code == 0, result.output
    assert "wrote 8,000 call records" in result.output
    pd.testing.assert_frame_equal(load_records(out), load_records(two_policies))


def test_records_and_db_together_are_refused(runner, two_policies):
    result = runner.invoke(report_command, ["--records", str(two_policies), "--db", "sqlite://"])
    assert result.exit_code == 2
    assert "either --records or --db" in result.output


def test_database_errors_never_show_the_password(runner, fake_database, monkeypatch, tmp_path):
    monkeypatch.setattr(
        sys.modules["app.storage.read"], "read_records_frame",
        lambda url, chunk_size=100_000: pd.DataFrame({"call_id": ["c1"]}),
    )  # fmt: skip
    url = "postgresql+psycopg://holdwell:secret@db/holdwell"
    result = runner.invoke(report_command, ["--db", url])
    assert result.exit_code == 1
    assert "database postgresql+psycopg://holdwell:***@db/holdwell: missing column(s)" in (
        result.output
    )
    assert "secret" not in result.output


def test_html_from_the_database_reads_its_events(runner, fake_database, tmp_path):
    page = tmp_path / "report.html"
    result = runner.invoke(report_command, ["--db", "sqlite:///x.db", "--html", str(page)])
    assert result.exit_code == 0, result.output
    assert fake_database == ["sqlite:///x.db", "sqlite:///x.db"]  # records, then events
    assert page.exists()


def test_calls_still_waiting_in_the_database_are_said_to_be_left_out(
        runner, fake_database, monkeypatch):
    monkeypatch.setattr(sys.modules["app.storage.read"], "calls_in_progress",
                        lambda url, *_filters: 3)
    result = runner.invoke(report_command, ["--json"])
    assert result.exit_code == 0, result.output
    assert json.loads(result.stdout)["policies"][0]["calls"] == 14
    assert "left out 3 calls still in progress" in result.stderr


def test_report_and_export_read_the_apps_real_database(runner, sqlite_url, tmp_path):
    """The real app.storage.read on a migrated SQLite file: the contract between app and here."""
    from app.storage.db import make_engine
    from app.storage.schema import call_events, calls

    rows = [{**c._asdict(), "arrived_at": c.entered_at, "outcome": str(c.outcome)}
            for c in fourteen_calls()]  # fmt: skip
    engine = make_engine(sqlite_url)
    with engine.begin() as conn:
        conn.execute(calls.insert(), rows)
        conn.execute(call_events.insert(), [
            {"time": r["entered_at"], "call_id": r["call_id"], "queue": r["queue"],
             "event": "ENTERQUEUE", "policy": r["policy"], "position": 1, "wait_s": 0.0,
             "data": "{}", "dedupe_key": f"{r['call_id']}:ENTERQUEUE"} for r in rows
        ])  # fmt: skip
    engine.dispose()
    result = runner.invoke(report_command, ["--db", sqlite_url, "--json"])
    assert result.exit_code == 0, result.output
    (entry,) = json.loads(result.stdout)["policies"]
    assert (entry["calls"], entry["abandonment_rate"]) == (14, 0.4)
    out = tmp_path / "queue_log"
    result = runner.invoke(export_command, ["--format", "queue_log", "--db", sqlite_url,
                                            "--out", str(out)])  # fmt: skip
    assert result.exit_code == 0, result.output
    assert [parse_queue_log_line(t).event for t in out.read_text().splitlines()] == [
        "ENTERQUEUE"
    ] * 14


@pytest.mark.parametrize(("option", "text"), [("--to", "yesterday"), ("--from", "2026-13-02")])
def test_a_bad_moment_names_its_option(runner, tmp_path, option, text):
    path = write_records(fourteen_calls(), tmp_path / "calls.csv")
    result = runner.invoke(report_command, ["--records", str(path), option, text])
    assert result.exit_code == 2
    assert f"Invalid value for {option}: {text!r} is not an ISO-8601 date or time" in (
        result.output)


@pytest.mark.parametrize("seconds", ["1e9", "61", "3600"])
def test_a_short_abandon_past_a_minute_is_refused_naming_the_option(runner, tmp_path, seconds):
    """`--short-abandon 1e9` made every abandon short and the rate without them 0.0 %,
    without a word: a short abandon is a hang-up in the first seconds."""
    path = write_records(fourteen_calls(), tmp_path / "calls.csv")
    result = runner.invoke(report_command, ["--records", str(path), "--short-abandon", seconds])
    assert result.exit_code == 2
    assert "Invalid value for '--short-abandon'" in result.output and "x<=60" in result.output
    assert runner.invoke(report_command, ["--records", str(path), "--short-abandon", "60"]
                         ).exit_code == 0


@pytest.mark.parametrize("key", ["2|x", "12", "", "A"])
def test_a_callback_key_no_phone_can_press_is_refused_before_writing(runner, tmp_path, key):
    """queue_log is split on '|': a key "2|x" was written as is, and the EXITWITHKEY line
    gained a field other tools read as the position."""
    path = write_records(fourteen_calls(), tmp_path / "calls.csv")
    out = tmp_path / "queue_log"
    result = runner.invoke(export_command, ["--format", "queue_log", "--records", str(path),
                                            "--out", str(out), "--callback-key", key])
    assert result.exit_code == 2 and "'--callback-key'" in result.output
    assert not out.exists()


def test_a_report_on_record_files_says_it_is_reading_them_batch_by_batch(runner, two_policies):
    """A 3,000,000-call file had been read for 18 s with nothing on stderr; the read now
    says it starts, counts the calls batch by batch, and says when it is done."""
    from analytics.summary import summarise_files

    batches: list[int] = []
    summarise_files([two_policies], batch_rows=1000, progress=batches.append)
    assert sum(batches) == 8000 and len(batches) >= 8
    result = runner.invoke(report_command, ["--records", str(two_policies), "--json"])
    assert result.exit_code == 0, result.output
    assert "reading call records from the record file(s), a batch at a time ..." in (
        result.stderr)
    assert "a batch at a time: done in" in result.stderr
    json.loads(result.stdout)  # stdout stays the report alone


@pytest.mark.parametrize(("file_format", "name", "fix"), [
    ("parquet", "x.txt", "x.parquet"), ("parquet", "noext", "noext.parquet"),
    ("csv", "x.parquet", "x.csv"), ("csv", "calls.tsv", "calls.csv")])
def test_export_refuses_a_records_name_report_would_not_read(runner, two_policies, tmp_path,
                                                             file_format, name, fix):
    """`export --format parquet --out x.txt` had written the file (exit 0), which
    `report --records x.txt` then refused: "unknown format '.txt'"."""
    out = tmp_path / name
    result = runner.invoke(export_command, ["--format", file_format, "--records",
                                            str(two_policies), "--out", str(out)])
    assert result.exit_code == 2, result.output
    assert "'--out'" in result.output and f"name it {fix!r}" in result.output
    assert not out.exists()


def test_an_html_page_must_be_named_as_one(runner, tmp_path):
    """`--html report.txt` had been written, and opened as text (operator audit 33, D8):
    refused before any work, naming the option; a device (/dev/null) is taken as it is."""
    path = write_records(fourteen_calls(), tmp_path / "calls.parquet")
    refused = runner.invoke(report_command, ["--records", str(path), "--html",
                                             str(tmp_path / "report.txt")])
    assert refused.exit_code == 2
    assert "'--html': 'report.txt': this command writes .html or .htm files only" in \
        refused.output
    assert not (tmp_path / "report.txt").exists()
    assert runner.invoke(report_command, ["--records", str(path), "--html", "/dev/null"]
                         ).exit_code == 0


@pytest.mark.parametrize("command", [["report"], ["export", "--format", "csv", "--out", "x.csv"]])
def test_a_bad_first_record_of_a_csv_file_is_named_by_its_line_in_the_file(runner, tmp_path,
                                                                          command):
    """`report --records neg.csv` with a negative wait in the first record had said "row 1:
    -5": a spreadsheet shows the header as row 1 and that record as row 2."""
    frame = pd.DataFrame([c._asdict() for c in fourteen_calls()])
    frame.loc[0, "wait_s"] = -5
    _, output = refused_records(runner, tmp_path, command, frame, "neg.csv")
    assert "column 'wait_s': 1 value(s) (line 2: -5" in output
    assert "row 1" not in output


def refused_records(runner, tmp_path, command: list[str], frame: pd.DataFrame,
                    name: str) -> tuple[Path, str]:
    """`command` (report or export) on `frame` written as CSV file `name`: refused (exit 1);
    the file and what was said."""
    path = tmp_path / name
    frame.to_csv(path, index=False)
    cli = report_command if command[0] == "report" else export_command
    with contextlib.chdir(tmp_path):  # export's --out x.csv lands here
        result = runner.invoke(cli, [*command[1:], "--records", str(path)])
    assert result.exit_code == 1
    return path, result.output


@pytest.mark.parametrize("command", [["report"], ["export", "--format", "csv", "--out", "x.csv"]])
def test_a_nan_wait_is_refused_naming_the_file_line_and_column(runner, tmp_path, command):
    """A wait_s of "nan" had been read by Arrow as NaN and said to be an empty cell (and in an
    optional column, read as none): it is a bad cell, named by its file, line and column."""
    frame = pd.DataFrame([c._asdict() for c in fourteen_calls()]).astype({"wait_s": object})
    frame.loc[2, "wait_s"] = "nan"
    path, output = refused_records(runner, tmp_path, command, frame, "nan.csv")
    assert f"{path}: column 'wait_s': 1 value(s) (line 4: 'nan') are not numbers" in output
    assert "are empty" not in output
