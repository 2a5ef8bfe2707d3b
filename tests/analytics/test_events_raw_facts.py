"""An events file dumped from the app's own log (`SELECT ... FROM call_events`) is read: the
raw facts the log keeps beside the events (HANGUP, LEAVE, CALLBACK_ENDED...) are skipped, as
the database's reader skips them, and said; a truly unknown event name is refused naming its
lines, counted past the skipped rows."""

from __future__ import annotations

import json
from collections import Counter
from datetime import timedelta

import pandas as pd
import pytest
from click.testing import CliRunner

from analytics.events import load_events
from analytics.records import write_records
from analytics.validation import RecordsError
from cli.report_commands import report_command
from tests.analytics.builders import T0, call, frame

HEADER = "time,call_id,queue,event,policy,arm,position,wait_s,data\n"


def _row(at_s: float, call_id: str, event: str, position: str = "", wait_s: str = "",
         data: dict | None = None) -> str:
    time = (T0 + timedelta(seconds=at_s)).isoformat().replace("+00:00", "Z")
    text = json.dumps(data or {}).replace('"', '""')
    return f'{time},{call_id},support,{event},checkin,,{position},{wait_s},"{text}"\n'


DUMP = HEADER + "".join([
    _row(0, "A", "ENTERQUEUE", "3", "0", {"episode": 0}),
    _row(60, "A", "ANNOUNCE", "2", "60", {"announced_wait_s": 20}),
    _row(90, "A", "HANGUP", "", "90", {"source": "queue-result"}),  # line 4: a raw fact
    _row(90, "A", "ABANDON", "2", "90"),
    _row(0, "B", "ENTERQUEUE", "1", "0", {"episode": 0}),
    _row(30, "B", "LEAVE", "", "30"),  # line 7
    _row(30, "B", "EXITWITHKEY", "1", "30", {"key": "2"}),
    _row(400, "B", "CALLBACK_CONNECT", "", "400"),
    _row(700, "B", "CALLBACK_ENDED", "", ""),  # line 10
])


def test_a_dump_of_the_apps_log_is_read_with_its_raw_facts_skipped_and_counted(tmp_path):
    path = tmp_path / "events.csv"
    path.write_text(DUMP)
    counted: Counter[str] = Counter()
    events = load_events(path, counted)
    assert list(events["event"].astype(str)) == [
        "ENTERQUEUE", "ANNOUNCE", "ABANDON", "ENTERQUEUE", "EXITWITHKEY", "CALLBACK_CONNECT"]
    assert counted == {"HANGUP": 1, "LEAVE": 1, "CALLBACK_ENDED": 1}


def test_an_unknown_event_name_is_refused_by_its_line_past_skipped_raw_facts(tmp_path):
    path = tmp_path / "events.csv"
    lines = DUMP.splitlines(keepends=True)
    lines[4] = lines[4].replace("ABANDON", "ABANDONED")  # line 5, after line 4's HANGUP
    lines.append(_row(800, "B", "", "", ""))  # line 11: no name at all
    path.write_text("".join(lines))
    with pytest.raises(RecordsError) as refused:
        load_events(path)
    said = str(refused.value)
    assert said.startswith(f"{path}: column 'event': 2 value(s) (line 5: 'ABANDONED', "
                           "line 11: empty) are not call-log event names (ENTERQUEUE, ")
    assert "HANGUP" not in said and "LEAVE" not in said  # skipped, never refused
    frame_ = pd.read_csv(path, dtype=str, keep_default_na=False)
    parquet = tmp_path / "events.parquet"
    frame_.to_parquet(parquet)
    with pytest.raises(RecordsError, match=r"\(data row 4: 'ABANDONED', data row 10: ''\)"):
        load_events(parquet)


def test_report_reads_the_dump_and_says_what_it_skipped(tmp_path):
    records, events = tmp_path / "calls.csv", tmp_path / "events.csv"
    write_records(frame([call("A", "abandoned", 90, orig_position=3),
                         call("B", "callback_connected", 30, callback_wait_s=400,
                              callback_requested=True)]), records)
    events.write_text(DUMP)
    result = CliRunner().invoke(report_command, ["--records", str(records), "--events",
                                                 str(events), "--json"])
    assert result.exit_code == 0, result.output
    assert ("--events: skipped 3 raw facts of the app's call log (1 CALLBACK_ENDED, 1 HANGUP, "
            "1 LEAVE)") in result.stderr
    told = json.loads(result.stdout)["told_waits"]
    # A was told 20 s at 60 s and still waited at 80 s: late
    assert [(r["positions"], r["scored"], r["late"]) for r in told] == [
        ("all", 1, 1), ("1–3", 1, 1)]


def test_the_progress_line_counts_the_announcements_not_every_event(tmp_path):
    """An --events file holds every event of its calls: the line had said "scoring the told
    waits of 6 announcements" of a file with one (the raw facts aside)."""
    records, events = tmp_path / "calls.csv", tmp_path / "events.csv"
    write_records(frame([call("A", "abandoned", 90, orig_position=3),
                         call("B", "callback_connected", 30, callback_wait_s=400,
                              callback_requested=True)]), records)
    events.write_text(DUMP)
    result = CliRunner().invoke(report_command, ["--records", str(records), "--events",
                                                 str(events)])
    assert result.exit_code == 0, result.output
    assert "scoring the told waits of 1 announcement ..." in result.stderr
