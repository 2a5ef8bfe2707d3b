"""`holdwell report --db` and `export --db` read the call log a batch at a time and give what
the whole read gives.

The whole read (kept for `--html`, whose page plots every call) held a 1M-call log at 1.7 GB;
the batched one must give the very same report, told waits included, whatever the batch size,
the period or the queues asked for.
"""

from __future__ import annotations

import json
from functools import partial

import numpy as np
import pandas as pd
import pytest
from click.testing import CliRunner

from analytics.records import load_records, write_records
from analytics.synthetic import arm_for_rate, synthetic_records
from analytics.validation import validate_records
from app.storage import read
from app.storage.db import make_engine
from app.storage.schema import call_events, calls
from cli import report_commands
from cli.progress import LinesWritten
from cli.report_commands import export_command, report_command
from hold_policies.records import RECORD_COLUMNS


def _records() -> pd.DataFrame:
    arms = [arm_for_rate("music_ads", 0.30, callback_share=0.10),
            arm_for_rate("checkin", 0.20, callback_share=0.10, checkin_every_s=60),
            arm_for_rate("checkin", 0.25, queue="sales", arm="A", checkin_every_s=60)]
    records = synthetic_records(arms, 150, np.random.default_rng(7))
    records["entered_at"] = records["entered_at"].dt.floor("us")  # as the database keeps them
    return records


def _announcements(records: pd.DataFrame, rng: np.random.Generator) -> list[dict]:
    """A told wait a minute apart for each announcement a record counts, at positions of every
    band (and some with none said)."""
    rows = []
    for call in records.itertuples():
        for k in range(int(call.announcements) + 1):
            position = int(rng.integers(1, 45))
            rows.append({
                "time": call.entered_at.to_pydatetime() + pd.Timedelta(seconds=60 * k),
                "call_id": call.call_id, "queue": call.queue, "event": "ANNOUNCE",
                "policy": call.policy, "arm": call.arm,
                "position": None if position > 40 else position, "wait_s": 60.0 * k,
                "data": json.dumps({"announced_wait_s": float(rng.integers(30, 400))}),
                "dedupe_key": f"{call.call_id}:ANNOUNCE:{k}"})
    return rows


@pytest.fixture
def call_log(any_url: str) -> str:
    """A migrated log, on SQLite and on PostgreSQL (server-side cursors): 450 finished calls in
    two queues with their told waits, and a call still waiting (told a wait too), which no
    report counts."""
    records = _records()
    rows = []
    for call in records.to_dict("records"):
        call = {k: (None if v is pd.NA or (isinstance(v, float) and np.isnan(v)) else v)
                for k, v in call.items()}
        call["entered_at"] = call["entered_at"].to_pydatetime()
        rows.append({**call, "arrived_at": call["entered_at"], "outcome": str(call["outcome"])})
    waiting = {**rows[0], "call_id": "still-waiting", "outcome": None}
    said = _announcements(records, np.random.default_rng(8))
    said.append({**said[0], "call_id": "still-waiting", "dedupe_key": "still-waiting:ANNOUNCE"})
    engine = make_engine(any_url)
    with engine.begin() as conn:
        conn.execute(calls.insert(), [*rows, waiting])
        conn.execute(call_events.insert(), said)
    engine.dispose()
    return any_url


def rounded(value):  # noqa: ANN001, ANN201 - a JSON report in and out
    """The report with its floats to 12 significant digits: the batched read sums a clustered
    interval's per-minute totals chunk by chunk, which may move its last binary digit."""
    if isinstance(value, dict):
        return {key: rounded(item) for key, item in value.items()}
    if isinstance(value, list):
        return [rounded(item) for item in value]
    return float(f"{value:.12g}") if isinstance(value, float) else value


def _report(url: str, *extra: str) -> tuple[dict, str]:
    result = CliRunner().invoke(report_command, ["--db", url, "--json", *extra])
    assert result.exit_code == 0, result.output
    return json.loads(result.stdout), result.stderr


@pytest.mark.parametrize("extra", [(), ("--queue", "support"),
                                   ("--from", "2025-03-03T08:05", "--to", "2025-03-03T08:20")])
def test_batches_give_the_whole_reads_report(call_log, tmp_path, monkeypatch, extra):
    whole, _ = _report(call_log, "--html", str(tmp_path / "page.html"), *extra)
    monkeypatch.setattr(read, "record_batches", partial(read.record_batches, chunk_size=37))
    monkeypatch.setattr(read, "told_batches", partial(read.told_batches, chunk_size=29))
    monkeypatch.setattr(read, "read_records_frame", _never)
    monkeypatch.setattr(read, "read_events_frame", _never)
    batched, said = _report(call_log, *extra)
    assert rounded(batched) == rounded(whole)
    assert whole["told_waits"], "the log's told waits were scored"
    assert {row["positions"] for row in whole["told_waits"]} >= {"all", "1–3", "not said"}
    assert "a batch at a time" in said
    waiting = whole["period"]["calls_in_progress"]  # the period and queue may leave it out
    assert waiting == 1 or extra
    assert ("left out 1 call still in progress" in said) == (waiting == 1)


def test_a_long_read_says_how_far_it_has_got(call_log, monkeypatch):
    monkeypatch.setattr(read, "record_batches", partial(read.record_batches, chunk_size=100))
    monkeypatch.setattr(read, "told_batches", partial(read.told_batches, chunk_size=100))
    monkeypatch.setattr(report_commands, "LinesWritten", partial(LinesWritten, every_s=0.0))
    _, said = _report(call_log)
    reading = "reading call records from the database, a batch at a time"
    assert [f"{reading}: {n} calls so far" for n in (100, 200, 300, 400, 450)] == [
        line for line in said.splitlines() if line.endswith("calls so far")]
    assert "scoring the told waits, a batch at a time: 100 announcements so far" in said


def test_the_told_waits_come_in_batches_of_whole_calls(call_log):
    """Every announcement's call is in its own batch's records, so each batch scores alone."""
    batches = list(read.told_batches(call_log, chunk_size=5))
    assert len(batches) > 10
    for records, said in batches:
        assert set(said["call_id"]) == set(records["call_id"])
        assert records["call_id"].is_unique
        assert str(said["time"].dt.tz) == "UTC"
    assert "still-waiting" not in {c for _, said in batches for c in said["call_id"]}


def test_a_batch_that_does_not_validate_is_named_by_the_whole_read(call_log, monkeypatch):
    """A bad cell is named by its row in the whole log, as before, not by a batch's row."""
    engine = make_engine(call_log)
    with engine.begin() as conn:
        conn.execute(calls.update().where(calls.c.call_id == "syn0-3").values(wait_s=-5.0))
    engine.dispose()
    result = CliRunner().invoke(report_command, ["--db", call_log, "--json"])
    assert result.exit_code == 1
    assert "column 'wait_s': 1 value(s) (data row " in result.output
    assert "(batch" not in result.output
    assert "reading the log whole to name the rows" in result.output


def test_a_period_with_no_calls_is_named(call_log, tmp_path):
    result = CliRunner().invoke(report_command, ["--db", call_log, "--from", "2031-01-01"])
    assert result.exit_code == 1
    assert "no call records entering from 2031-01-01T00:00:00+00:00" in result.output
    assert f"(--from/--to) in database {call_log}" in result.output
    page = CliRunner().invoke(report_command, ["--db", call_log, "--from", "2031-01-01",
                                               "--html", str(tmp_path / "p.html")])
    assert f"(--from/--to) in database {call_log}" in page.output  # the whole read too


def _never(*_args: object, **_kwargs: object) -> pd.DataFrame:
    raise AssertionError("the batched report read the log whole")


@pytest.mark.parametrize("suffix", ["csv", "parquet"])
def test_export_writes_the_database_a_batch_at_a_time(call_log, tmp_path, monkeypatch, suffix):
    """`export --format csv|parquet --db` held the whole log too; in batches it writes the same
    records (each batch has its own categories: the file keeps their text)."""
    whole = read.read_records_frame(call_log)
    monkeypatch.setattr(read, "record_batches", partial(read.record_batches, chunk_size=37))
    monkeypatch.setattr(read, "read_records_frame", _never)
    out = tmp_path / f"calls.{suffix}"
    result = CliRunner().invoke(export_command, ["--format", suffix, "--db", call_log,
                                                 "--out", str(out)])
    assert result.exit_code == 0, result.output
    assert "wrote 450 call records" in result.stdout
    assert "left out 1 call still in progress" in result.stderr
    written = load_records(out)
    assert written["talk_s"].isna().all()  # no call's talk has ended in this log
    assert (written["callback_attempts"] == 0).all()  # nor was anyone called back
    pd.testing.assert_frame_equal(written.drop(columns=["callback_attempts", "talk_s"]),
                                  validate_records(whole))


def test_an_export_of_the_database_carries_talk_times_the_twin_can_fit(call_log, tmp_path):
    """`fit --records` on an export had said "the log has no talk_s column": the export now
    gives each call the talk the twin reads from the log (simulator.twin_log)."""
    records = read.read_records_frame(call_log)
    answered = records[records["outcome"] == "answered"].iloc[0]
    kept = records[records["outcome"] == "callback_connected"].iloc[0]
    ends = [(answered, "COMPLETE", answered["wait_s"] + 120.0),
            (kept, "CALLBACK_ENDED", kept["callback_wait_s"] - 300.0),  # an earlier claim's
            (kept, "CALLBACK_ENDED", kept["callback_wait_s"] + 200.0)]  # (one per claim)
    engine = make_engine(call_log)
    with engine.begin() as conn:
        conn.execute(call_events.insert(), [{
            "time": (call["entered_at"] + pd.Timedelta(seconds=at_s)).floor("us").to_pydatetime(),
            "call_id": call["call_id"], "queue": str(call["queue"]), "event": event,
            "policy": str(call["policy"]), "arm": str(call["arm"]), "data": "{}",
            "dedupe_key": f"{call['call_id']}:{event}:{at_s}"} for call, event, at_s in ends])
    engine.dispose()
    out = tmp_path / "calls.parquet"
    result = CliRunner().invoke(export_command, ["--format", "parquet", "--db", call_log,
                                                 "--out", str(out)])
    assert result.exit_code == 0, result.output
    talk = load_records(out).set_index("call_id")["talk_s"]
    assert talk[answered["call_id"]] == pytest.approx(120.0)
    assert talk[kept["call_id"]] == pytest.approx(200.0)
    assert talk.notna().sum() == 2


@pytest.mark.parametrize("suffix", ["csv", "parquet"])
def test_an_empty_log_exports_a_file_with_its_columns(sqlite_url, tmp_path, suffix):
    out = tmp_path / f"calls.{suffix}"
    result = CliRunner().invoke(export_command, ["--format", suffix, "--db", sqlite_url,
                                                 "--out", str(out)])
    assert result.exit_code == 0, result.output
    assert "wrote 0 call records" in result.stdout
    assert list(load_records(out).columns)[:len(RECORD_COLUMNS)] == list(RECORD_COLUMNS)


def test_a_repeated_call_id_in_files_is_named_by_the_whole_read(tmp_path):
    records = _records()
    path = tmp_path / "in.csv"
    twice = pd.concat([records, records.iloc[[5]]], ignore_index=True)
    twice.assign(entered_at=twice["entered_at"].dt.strftime("%Y-%m-%dT%H:%M:%S.%fZ")).to_csv(
        path, index=False)
    out = tmp_path / "out.parquet"
    result = CliRunner().invoke(export_command, ["--format", "parquet", "--records", str(path),
                                                 "--out", str(out)])
    assert result.exit_code == 1
    assert "reading them whole to name the rows" in result.output
    assert "call_id" in result.output and "row" in result.output
    assert not out.exists()


@pytest.mark.parametrize("suffix", ["csv", "parquet"])
def test_record_files_with_other_extra_columns_export_together(tmp_path, suffix):
    """A database export (with talk_s) and older files (without) had failed with an
    "unexpected error": their batches could not share the first one's columns."""
    records = _records()
    with_talk = write_records(records.iloc[:200].assign(talk_s=120.0), tmp_path / "a.csv")
    without = write_records(records.iloc[200:], tmp_path / "b.csv")
    out = tmp_path / f"both.{suffix}"
    result = CliRunner().invoke(export_command, ["--format", suffix, "--records",
                                                 str(with_talk), "--records", str(without),
                                                 "--out", str(out)])
    assert result.exit_code == 0, result.output
    assert "wrote 450 call records" in result.stdout
    written = load_records(out)
    assert written["talk_s"].notna().sum() == 200 and len(written) == 450
