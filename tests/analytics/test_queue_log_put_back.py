"""queue_log from events for a caller put back in line after a Twilio error: one wait, entered
once, answered when the agent took them, its hold time counted from the first entry."""

from __future__ import annotations

import json

import pandas as pd

from analytics.events import validate_events
from analytics.queue_log import parse_queue_log_line, queue_log_from_events
from tests.analytics.builders import T0

EPOCH = int(T0.timestamp())


def _event(at_s, event, wait_s=None, position=None, data=None, call_id="CAerr"):
    return {"time": T0 + pd.Timedelta(seconds=at_s), "call_id": call_id, "queue": "support",
            "event": event, "policy": "checkin", "arm": "", "position": position,
            "wait_s": wait_s, "data": json.dumps(data or {})}  # fmt: skip


def _lines(rows):
    events = validate_events(pd.DataFrame(rows))
    return [parse_queue_log_line(text) for text in queue_log_from_events(events)]


def test_a_caller_put_back_after_an_error_is_answered_at_the_real_time():
    # entered at 0; Twilio error at 100 s; back in line at 105 s; answered 40 s later (Twilio's
    # QueueTime counts only the current time in line), i.e. 145 s after first entering; the
    # conversation ends at 265 s
    lines = _lines([
        _event(0, "ENTERQUEUE", 0.0, position=3, data={"episode": 0}),
        _event(100, "ERROR", 100.0, data={"episode": 0, "queue_result": "error"}),
        _event(105, "ENTERQUEUE", 0.0, position=2, data={"episode": 1}),
        _event(145, "CONNECT", 40.0, data={"agent_call_id": "CAagent"}),
        _event(265, "COMPLETE", 40.0, data={"queue_result": "bridged"}),
    ])  # fmt: skip
    by_event = {line.event: line for line in lines}
    assert [line.event for line in lines].count("ENTERQUEUE") == 1
    assert by_event["ENTERQUEUE"].epoch == EPOCH
    assert by_event["CONNECT"].epoch == EPOCH + 145
    assert by_event["CONNECT"].data == ("145", "CAagent", "0")  # holdtime from the first entry
    assert by_event["COMPLETECALLER"].epoch == EPOCH + 265
    assert by_event["COMPLETECALLER"].data == ("145", "120", "3")  # holdtime|calltime|orig


def test_exits_after_a_put_back_stamp_the_real_time_whichever_entry_their_wait_counts_from():
    # CAcb takes a callback 30 s into its second wait (Twilio's QueueTime); CAab's decided
    # ABANDON counts its wait from the first entry, like its record
    put_back = [("ENTERQUEUE", 0, 0.0), ("ERROR", 100, 100.0), ("ENTERQUEUE", 105, 0.0)]
    rows = [_event(at, name, wait, position=3, call_id=call)
            for call in ("CAcb", "CAab") for name, at, wait in put_back]
    lines = _lines([*rows, _event(135, "EXITWITHKEY", 30.0, data={"key": "2"}, call_id="CAcb"),
                    _event(150, "ABANDON", 150.0, call_id="CAab")])
    exits = {line.call_id: line for line in lines if line.event in ("EXITWITHKEY", "ABANDON")}
    assert (exits["CAcb"].epoch, exits["CAcb"].data) == (EPOCH + 135, ("2", "", "3", "135"))
    assert (exits["CAab"].epoch, exits["CAab"].data[2]) == (EPOCH + 150, "150")


def test_an_abandon_of_a_call_never_in_line_is_not_written():
    # hung up during the greeting: the app decides ABANDON with no wait and no entry
    lines = _lines([
        _event(4, "ABANDON", None, call_id="CAgreet"),
        _event(10, "ENTERQUEUE", 0.0, position=1, call_id="CAwait"),
        _event(70, "ABANDON", 60.0, call_id="CAwait"),
    ])  # fmt: skip
    assert [(line.call_id, line.event) for line in lines] == [
        ("CAwait", "ENTERQUEUE"), ("CAwait", "ABANDON")]


def test_an_untimed_connect_reads_the_same_whatever_order_its_wait_was_found_in():
    # A /voice/connect without QueueTime is timed from the log when it is applied: since the
    # put-back (40 s) when the return was logged first, since the first entry (145 s) when it
    # was applied before the return was known, and not at all (None) when neither entry was.
    # The one answer at 145 s is one CONNECT line whichever it was.
    def connect_line(wait_s):
        lines = _lines([
            _event(0, "ENTERQUEUE", 0.0, position=3, data={"episode": 0}),
            _event(100, "ERROR", 100.0, data={"episode": 0, "queue_result": "error"}),
            _event(105, "ENTERQUEUE", 0.0, position=2, data={"episode": 1}),
            _event(145, "CONNECT", wait_s, data={"agent_call_id": "CAagent"}),
        ])  # fmt: skip
        (line,) = [line for line in lines if line.event == "CONNECT"]
        return line.epoch, line.data

    assert {connect_line(40.0), connect_line(145.0), connect_line(None)} == {
        (EPOCH + 145, ("145", "CAagent", "0"))}
