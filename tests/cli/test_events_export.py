"""`holdwell export --format events`: the call log's events as a file the reports read back,
callers' numbers, words and recordings emptied (cli.events_export).

An analyst had no way to take the events (the told waits, keys, who answered) out of the
database except a dump of `call_events`, with callers' numbers and words in it; the README
even named an events export that did not exist.
"""

from __future__ import annotations

import json
from datetime import timedelta
from functools import partial

import pandas as pd
import pytest
from click.testing import CliRunner

from app.storage import read
from app.storage.db import make_engine
from app.storage.schema import call_events
from cli.report_commands import export_command, report_command
from tests.analytics.test_report_database_batches import call_log, rounded  # noqa: F401

NUMBER, WORDS, RECORDING = "+14155550123", "my card number is 4111", "https://api.twilio.com/RE9"


@pytest.fixture
def personal_log(call_log):  # noqa: F811 - the fixture imported above
    """The batches test's log, with a callback number, a caller's words, a message's recording
    and a raw hang-up fact logged on its first call."""
    engine = make_engine(call_log)
    with engine.begin() as conn:
        first = conn.execute(call_events.select().limit(1)).mappings().one()
        base = {key: first[key] for key in ("call_id", "queue", "policy", "arm")}
        at = first["time"] + timedelta(seconds=1)
        conn.execute(call_events.insert(), [
            {**base, "time": at, "event": "REASON", "position": 3, "wait_s": 1.0,
             "data": json.dumps({"transcript": WORDS, "confidence": 0.9}),
             "dedupe_key": "reason"},
            {**base, "time": at, "event": "CALLBACK_REQUESTED", "position": None,
             "wait_s": 1.0, "data": json.dumps({"number": NUMBER, "promised_wait_s": 600}),
             "dedupe_key": "booked"},
            {**base, "time": at, "event": "VOICEMAIL", "position": None, "wait_s": 1.0,
             "data": json.dumps({"recording_url": RECORDING, "recording_sid": "RE9"}),
             "dedupe_key": "message"},
            {**base, "time": at, "event": "HANGUP", "position": None, "wait_s": 1.0,
             "data": json.dumps({"source": "status:completed"}), "dedupe_key": "raw"},
        ])
    engine.dispose()
    return call_log, first["call_id"]


def export(*args: str):
    result = CliRunner().invoke(export_command, list(args))
    return result


def test_the_file_holds_no_callers_data_and_says_what_it_emptied(personal_log, tmp_path):
    url, call_id = personal_log
    out = tmp_path / "events.csv"
    result = export("--format", "events", "--db", url, "--out", str(out))
    assert result.exit_code == 0, result.output
    text = out.read_text()
    assert NUMBER not in text and WORDS not in text and RECORDING not in text
    events = pd.read_csv(out)
    assert list(events.columns) == ["time", "call_id", "queue", "event", "policy", "arm",
                                    "position", "wait_s", "data"]
    mine = events[events["call_id"] == call_id].set_index("event")["data"].map(json.loads)
    assert mine["REASON"] == {"transcript": None, "confidence": 0.9}
    assert mine["CALLBACK_REQUESTED"] == {"number": None, "promised_wait_s": 600}
    assert mine["VOICEMAIL"] == {"recording_url": None, "recording_sid": "RE9"}
    assert "HANGUP" not in set(events["event"])  # a raw fact: no reader reads it
    assert "emptied callers' numbers, words or recording addresses in 3 events" in \
        result.stderr
    assert f"wrote {len(events):,} events to" in result.output


def test_the_reports_read_from_the_files_equal_the_databases(call_log, tmp_path):  # noqa: F811
    records, events = tmp_path / "calls.csv", tmp_path / "events.csv"
    for file_format, out in (("csv", records), ("events", events)):
        assert export("--format", file_format, "--db", call_log,
                      "--out", str(out)).exit_code == 0
    from_db = CliRunner().invoke(report_command, ["--db", call_log, "--json"])
    from_files = CliRunner().invoke(report_command, ["--records", str(records), "--events",
                                                     str(events), "--json"])
    assert from_db.exit_code == 0 and from_files.exit_code == 0, from_files.output
    whole, read_back = json.loads(from_db.stdout), json.loads(from_files.stdout)
    assert whole["told_waits"], "the log's told waits were scored"
    assert rounded(read_back["told_waits"]) == rounded(whole["told_waits"])
    assert rounded(read_back["comparisons"]) == rounded(whole["comparisons"])


def test_a_queue_keeps_its_calls_events_only(call_log, tmp_path):  # noqa: F811
    out = tmp_path / "sales.csv"
    assert export("--format", "events", "--db", call_log, "--queue", "sales",
                  "--out", str(out)).exit_code == 0
    assert set(pd.read_csv(out)["queue"]) == {"sales"}


def test_batches_a_queue_keeps_nothing_of_write_no_header_of_their_own(
        call_log, tmp_path, monkeypatch):  # noqa: F811
    """A batch of calls of other queues (or entered outside the period) had written the
    header with no rows, and the next batch wrote it again: 51 header lines in the file,
    which `report --events` cannot read."""
    monkeypatch.setattr(read, "call_event_batches", partial(read.call_event_batches,
                                                            chunk_size=7))
    out = tmp_path / "sales.csv"
    result = export("--format", "events", "--db", call_log, "--queue", "sales",
                    "--out", str(out))
    assert result.exit_code == 0, result.output
    lines = out.read_text().splitlines()
    assert [n for n, line in enumerate(lines) if line.startswith("time,")] == [0]
    events = pd.read_csv(out)
    assert set(events["queue"]) == {"sales"} and len(events) == len(lines) - 1


@pytest.mark.parametrize("args, said", [
    (["--records", "{records}"], "exports the call log's own events: give --db"),
    (["--out", "{tmp}/events.txt"], "does not end in .csv"),
])
def test_what_it_cannot_do_is_refused_before_any_work(call_log, tmp_path, args, said):  # noqa: F811
    records = tmp_path / "calls.csv"
    records.write_text("call_id\n")
    args = [arg.format(records=records, tmp=tmp_path) for arg in args]
    out = [] if "--out" in args else ["--out", str(tmp_path / "events.csv")]
    result = export("--format", "events", "--db", call_log, *out, *args)
    assert result.exit_code == 2, result.output
    assert said in result.output
