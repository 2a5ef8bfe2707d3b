"""A told wait is scored against its call's record, so an announcement that is not of that
record (another queue, policy or arm, or timed outside the call's time in line) is left out
of the scores, and the report says how many and on which lines: one timed before the caller
entered had always been counted late, one of another queue scored in the record's group."""

from __future__ import annotations

import json
from datetime import timedelta

import pandas as pd
from click.testing import CliRunner

from analytics.events import IN_LINE_SLACK_S, off_record, validate_events
from analytics.records import write_records
from analytics.told_waits import told_wait_rows
from cli.report_commands import report_command
from tests.analytics.builders import T0, call, frame

RECORDS = frame([call("A", "answered", 300), call("B", "answered", 300, at_s=1000)])
# A entered at T0 and was answered at 300 s; B entered at 1000 s, answered at 1300 s


def announce(call_id: str, at_s: float, told_s: float, queue: str = "support",
             policy: str = "checkin") -> dict:
    return {"time": T0 + timedelta(seconds=at_s), "call_id": call_id, "queue": queue,
            "event": "ANNOUNCE", "policy": policy, "arm": "", "position": 2, "wait_s": None,
            "data": json.dumps({"announced_wait_s": told_s})}


def scored(events: list[dict]) -> tuple[int, int]:
    rows = told_wait_rows(RECORDS, validate_events(pd.DataFrame(events)))
    return (rows[0]["scored"], rows[0]["late"]) if rows else (0, 0)


def test_only_announcements_of_their_records_call_are_scored():
    own = [announce("A", 60, 120), announce("B", 1060, 600)]  # A late (180 < 300), B in time
    assert scored(own) == (2, 1)
    assert scored([*own, announce("B", 900, 60)]) == (2, 1)  # before B entered: was late
    assert scored([*own, announce("A", 400, 600)]) == (2, 1)  # after A's answer: was in time
    assert scored([*own, announce("A", 60, 30, queue="sales")]) == (2, 1)  # another queue
    assert scored([*own, announce("A", 60, 30, policy="silence")]) == (2, 1)


def test_the_slack_of_twilios_whole_second_queue_time_is_still_in_line():
    """QueueTime is whole seconds: an end decided from it can be 0.7 s before the check-in
    the app logged at the last poll (an emulated day)."""
    inside = [announce("A", 300 + IN_LINE_SLACK_S - 0.3, 10), announce("B", 1000 - 0.5, 400)]
    labelled, timed = off_record(validate_events(pd.DataFrame(inside)), RECORDS)
    assert not labelled.any() and not timed.any()
    assert scored(inside) == (2, 0)


def test_report_names_the_lines_of_announcements_off_their_record(tmp_path):
    records, events = tmp_path / "calls.csv", tmp_path / "events.csv"
    write_records(RECORDS, records)
    rows = [announce("A", 60, 120),  # line 2
            announce("B", 900, 60),  # line 3: before B entered
            announce("A", 100, 30, queue="sales"),  # line 4: another queue
            announce("B", 1060, 600),  # line 5
            announce("A", 500, 60)]  # line 6: after A was answered
    pd.DataFrame(rows).assign(time=lambda f: f["time"].map(
        lambda t: t.isoformat().replace("+00:00", "Z"))).to_csv(events, index=False)
    result = CliRunner().invoke(report_command, ["--records", str(records), "--events",
                                                 str(events), "--json"])
    assert result.exit_code == 0, result.output
    assert (f"warning: {events}: left out 1 announcement(s) whose queue, policy or arm is not "
            "their call's record's (column 'call_id': 1 value(s) (line 4: 'A')): no told wait "
            "of them is scored") in result.stderr
    assert (f"warning: {events}: left out 2 announcement(s) timed outside their call's time "
            "in line, entered_at to entered_at + wait_s (column 'time': 2 value(s) (line 3: "
            "'2025-03-03T09:15:00Z', line 6: '2025-03-03T09:08:20Z')): no told wait of them "
            "is scored") in result.stderr
    told = json.loads(result.stdout)["told_waits"]
    assert (told[0]["positions"], told[0]["scored"], told[0]["late"]) == ("all", 2, 1)
