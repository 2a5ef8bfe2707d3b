"""An events file holding the same event twice (a row equal to an earlier one in every column)
is refused naming the lines, as a repeated call id in records is: read, a duplicated ANNOUNCE
was scored twice and a duplicated CONNECT exported as two exit lines."""

from __future__ import annotations

import json
from datetime import timedelta

import pandas as pd
import pytest
from click.testing import CliRunner

from analytics.events import load_events, validate_events
from analytics.records import write_records
from analytics.validation import RecordsError
from cli.report_commands import export_command, report_command
from tests.analytics.builders import T0, call, frame


def _event(at_s: float, call_id: str, event: str, position: int | None = None,
           wait_s: float | None = None, data: str = "{}") -> dict:
    return {"time": (T0 + timedelta(seconds=at_s)).isoformat().replace("+00:00", "Z"),
            "call_id": call_id, "queue": "support", "event": event, "policy": "checkin",
            "arm": "", "position": position, "wait_s": wait_s, "data": data}


ONE_CALL = [
    _event(0, "A", "ENTERQUEUE", 2, 0),
    _event(60, "A", "ANNOUNCE", 1, 60, json.dumps({"announced_wait_s": 30})),
    _event(120, "A", "CONNECT", None, 120, json.dumps({"agent": "ann"})),
    _event(300, "A", "COMPLETE", None, 120),
]


def _written(tmp_path, rows: list[dict]):  # noqa: ANN202 - a path
    path = tmp_path / "events.csv"
    pd.DataFrame(rows).to_csv(path, index=False)
    return path


def test_an_event_read_twice_is_refused_by_its_lines(tmp_path):
    path = _written(tmp_path, [*ONE_CALL, ONE_CALL[2], ONE_CALL[1]])
    with pytest.raises(RecordsError) as refused:
        load_events(path)
    assert str(refused.value) == (
        f"{path}: column 'event': 2 value(s) (line 6: 'CONNECT', line 7: 'ANNOUNCE') repeat "
        "an earlier row in every column (the call log keeps each event once: the same events "
        "read twice?)")


def test_the_same_data_written_otherwise_is_the_same_event_and_other_data_is_not():
    spaced = dict(ONE_CALL[2], data='{ "agent":"ann" }')
    with pytest.raises(RecordsError, match=r"\(data row 5: 'CONNECT'\) repeat"):
        validate_events(pd.DataFrame([*ONE_CALL, spaced]))
    other = dict(ONE_CALL[2], data=json.dumps({"agent": "bob"}))  # not the same event
    same_moment = _event(0, "A", "KEYPRESS", None, 0)  # at the entry's moment, another name
    assert len(validate_events(pd.DataFrame([*ONE_CALL, other, same_moment]))) == 6


def test_report_refuses_a_duplicated_announcement_rather_than_scoring_it_twice(tmp_path):
    records = tmp_path / "calls.csv"
    write_records(frame([call("A", "answered", 120, orig_position=2)]), records)
    once = CliRunner().invoke(report_command, ["--records", str(records), "--events",
                                               str(_written(tmp_path, ONE_CALL)), "--json"])
    assert once.exit_code == 0, once.output
    assert json.loads(once.stdout)["told_waits"][0]["scored"] == 1  # told 30 s, kept 60 s
    twice = CliRunner().invoke(report_command, [
        "--records", str(records), "--events",
        str(_written(tmp_path, [*ONE_CALL, ONE_CALL[1]])), "--json"])
    assert twice.exit_code == 1
    assert "line 6: 'ANNOUNCE') repeat an earlier row" in twice.output


def test_queue_log_export_refuses_a_duplicated_exit_rather_than_writing_two(tmp_path):
    out = tmp_path / "queue_log"
    once = CliRunner().invoke(export_command, ["--format", "queue_log", "--events",
                                               str(_written(tmp_path, ONE_CALL)), "--out",
                                               str(out)])
    assert once.exit_code == 0, once.output
    assert [line.split("|")[4] for line in out.read_text().splitlines()] == [
        "ENTERQUEUE", "ANNOUNCE", "CONNECT", "COMPLETECALLER"]
    twice = CliRunner().invoke(export_command, [
        "--format", "queue_log", "--events",
        str(_written(tmp_path, [*ONE_CALL, ONE_CALL[2], ONE_CALL[3]])), "--out", str(out)])
    assert twice.exit_code == 1
    assert "(line 6: 'CONNECT', line 7: 'COMPLETE') repeat an earlier row" in twice.output
    assert out.read_text().count("CONNECT") == 1  # the earlier file stays as it was
