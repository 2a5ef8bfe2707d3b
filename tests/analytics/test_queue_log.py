"""queue_log export: every line parses back, with Asterisk's fields where Asterisk has them."""

from __future__ import annotations

import json

import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from analytics.events import validate_events
from analytics.queue_log import (
    QueueLogLine,
    format_queue_log_line,
    parse_queue_log_line,
    queue_log_from_events,
    write_queue_log,
)
from analytics.queue_log_records import floor_epoch, floor_epochs, queue_log_from_records
from analytics.validation import RecordsError
from tests.analytics.builders import T0, fourteen_calls, frame

EPOCH = int(T0.timestamp())


def _event(at_s, call_id, event, position=None, wait_s=None, data=None):
    return {"time": T0 + pd.Timedelta(seconds=at_s), "call_id": call_id, "queue": "support",
            "event": event, "policy": "checkin", "arm": "", "position": position,
            "wait_s": wait_s, "data": data}  # fmt: skip


@pytest.fixture
def events():
    """Two calls as the app logs them: one answered after a check-in, one leaves for a callback."""
    rows = [
        _event(0, "CA1", "ENTERQUEUE", position=3, wait_s=0.0),
        _event(2, "CA2", "ENTERQUEUE", position=4, wait_s=0.0),
        _event(60, "CA1", "ANNOUNCE", position=2, wait_s=60.0,
               data=json.dumps({"announced_wait_s": 120, "text": "sorry | thanks"})),
        _event(75, "CA2", "CALLBACK_REQUESTED", wait_s=73.0,
               data=json.dumps({"number": "+4915112345678", "promised_wait_s": 300})),
        _event(75, "CA2", "EXITWITHKEY", wait_s=73.0, data=json.dumps({"key": "2"})),
        _event(95.6, "CA1", "CONNECT", wait_s=95.6, data={"agent_call_id": "CA9"}),
        _event(395.6, "CA1", "COMPLETE", wait_s=95.6),
    ]  # fmt: skip
    return validate_events(pd.DataFrame(rows))


def test_event_export_parses_back_line_by_line(events, tmp_path):
    path = write_queue_log(queue_log_from_events(events), tmp_path / "queue_log")
    lines = [parse_queue_log_line(t) for t in path.read_text().splitlines()]
    assert [(x.call_id, x.event) for x in lines] == [
        ("CA1", "ENTERQUEUE"), ("CA2", "ENTERQUEUE"), ("CA1", "ANNOUNCE"),
        ("CA2", "CALLBACK_REQUESTED"), ("CA2", "EXITWITHKEY"), ("CA1", "CONNECT"),
        ("CA1", "COMPLETECALLER"),
    ]  # fmt: skip
    line = {(x.call_id, x.event): x for x in lines}
    assert line["CA1", "ENTERQUEUE"].data == ("", "", "3")  # url | callerid | origposition
    # Asterisk's arithmetic: the exit stamp is floor(entered + wait), the wait is stamp − entry
    assert line["CA1", "CONNECT"].data == ("95", "CA9", "0")  # holdtime | bridged id | ringtime
    assert line["CA1", "CONNECT"].epoch == EPOCH + 95
    assert line["CA2", "EXITWITHKEY"].data == ("2", "", "4", "73")  # key|position|orig|wait
    assert line["CA1", "COMPLETECALLER"].data == ("95", "300", "3")  # holdtime|calltime|orig
    assert line["CA1", "CONNECT"].member == line["CA1", "COMPLETECALLER"].member == "CA9"
    assert all(x.queue == "support" for x in lines)
    assert all(x.member == "NONE" for x in lines if x.event not in ("CONNECT", "COMPLETECALLER"))


def test_holdwell_events_keep_their_names_and_data_without_phone_numbers(events):
    lines = [parse_queue_log_line(t) for t in queue_log_from_events(events)]
    announce = next(x for x in lines if x.event == "ANNOUNCE")
    position, wait, payload = announce.data
    assert (position, wait) == ("2", "60")
    assert json.loads(payload) == {"announced_wait_s": 120, "text": "sorry / thanks"}
    request = next(x for x in lines if x.event == "CALLBACK_REQUESTED")
    assert json.loads(request.data[2]) == {"promised_wait_s": 300}


def test_abandon_carries_position_origposition_and_waittime(events):
    abandon = pd.DataFrame([  # a third call (CA2 leaves for a callback: its exit is that)
        _event(2, "CA3", "ENTERQUEUE", position=4, wait_s=0.0),
        _event(40, "CA3", "ABANDON", position=2, wait_s=38.4)])
    log = pd.concat([events, validate_events(abandon)], ignore_index=True)
    line = next(parse_queue_log_line(t) for t in queue_log_from_events(log) if "|ABANDON|" in t)
    assert line.data == ("2", "4", "38")


def test_records_alone_give_entry_and_exit_lines_for_every_call():
    records = frame(fourteen_calls())
    lines = [parse_queue_log_line(t) for t in queue_log_from_records(records)]
    epochs = [x.epoch for x in lines]
    assert epochs == sorted(epochs)
    for record in records.itertuples():
        mine = [x for x in lines if x.call_id == record.call_id]
        assert mine[0].event == "ENTERQUEUE" and mine[0].epoch == EPOCH
        assert mine[1].epoch - mine[0].epoch == int(record.wait_s)
    exits = {x.call_id: (x.event, x.data) for x in lines if x.event not in ENTRY_AND_AFTER}
    assert exits["c3"] == ("CONNECT", ("20", "", "0"))
    assert exits["c7"] == ("ABANDON", ("", "1", "40"))
    assert exits["c13"] == ("EXITWITHKEY", ("", "", "1", "50"))  # left without a callback
    assert exits["c9"] == ("EXITWITHKEY", ("2", "", "1", "25"))  # the callback key
    assert exits["c14"] == ("ERROR", ("", "8", "{}"))
    completes = [x for x in lines if x.event == "COMPLETECALLER"]
    assert sorted(x.call_id for x in completes) == ["c1", "c2", "c3", "c4"]
    assert next(x for x in completes if x.call_id == "c4").data == ("45", "", "1")
    callback = next(x for x in lines if x.event == "CALLBACK_CONNECT" and x.call_id == "c10")
    assert callback.data == ("", "200", "{}") and callback.epoch == EPOCH + 200
    assert sum(x.event == "EXITWITHKEY" for x in lines) == 5  # 4 callback takers + c13


ENTRY_AND_AFTER = ("ENTERQUEUE", "COMPLETECALLER", "COMPLETEAGENT", "CALLBACK_CONNECT")


def test_pipes_and_newlines_cannot_break_a_line():
    line = QueueLogLine(1, "CA|1", "support\n", "NONE", "ANNOUNCE", ("a|b", "c\nd"))
    assert parse_queue_log_line(format_queue_log_line(line)) == QueueLogLine(
        1, "CA/1", "support ", "NONE", "ANNOUNCE", ("a/b", "c d")
    )


@pytest.mark.parametrize(
    ("text", "problem"),
    [("1|CA1|support|NONE", "at least 5"), ("soon|CA1|q|NONE|ABANDON", "epoch"),
     ("1|CA1|q|NONE|", "no event name")],
)  # fmt: skip
def test_malformed_lines_are_refused(text, problem):
    with pytest.raises(ValueError, match=problem):
        parse_queue_log_line(text)


@pytest.mark.parametrize("position", ["99999999999999999999", "9223372036854775807"])
def test_a_placeholder_place_in_line_is_named_not_a_crash(position):
    """An events file's position is bounded as a record file's orig_position is: 1e20 had
    failed export and report with 'unexpected error (TypeError): cannot safely cast'."""
    row = _event(0, "CA1", "ENTERQUEUE", wait_s=0.0)
    with pytest.raises(RecordsError, match=r"column 'position': 1 value\(s\) .* are more "
                                           r"than 1,000,000"):
        validate_events(pd.DataFrame([{**row, "position": position}]))


def test_a_failed_callback_is_told_apart_from_one_still_pending():
    """Both left the line for a callback (EXITWITHKEY); only the failed one is unserved, and
    the export from events writes its CALLBACK_FAILED: the export from records must too."""
    from tests.analytics.builders import call

    records = frame([call("failed", "callback_failed", 90, callback_requested=True),
                     call("pending", "left", 90, callback_requested=True)])
    lines = [parse_queue_log_line(t) for t in queue_log_from_records(records)]
    failed = [x for x in lines if x.call_id == "failed" and x.event == "CALLBACK_FAILED"]
    assert len(failed) == 1 and failed[0].data[-1] == "{}"
    assert not [x for x in lines if x.call_id == "pending" and x.event == "CALLBACK_FAILED"]


def test_a_caller_answered_after_asking_for_a_callback_has_one_exit_line():
    """The request logs EXITWITHKEY, and an agent may take the caller before the line lets
    them go: the call is answered, and the export from events had written EXITWITHKEY and
    then CONNECT (93 EXITWITHKEY lines for 91 callback takers), as the one from records
    never did. Both now give CONNECT and COMPLETECALLER alone, from the same seconds."""
    from tests.analytics.builders import call

    log = validate_events(pd.DataFrame([
        _event(0, "CA1", "ENTERQUEUE", position=5, wait_s=0.0),
        _event(90, "CA1", "CALLBACK_REQUESTED", wait_s=90.0,
               data=json.dumps({"promised_wait_s": 600})),
        _event(90, "CA1", "EXITWITHKEY", wait_s=90.0, data=json.dumps({"key": "2"})),
        _event(98, "CA1", "CONNECT", wait_s=98.0, data=json.dumps({"agent_call_id": "CA9"})),
        _event(258, "CA1", "COMPLETE", wait_s=98.0, data=json.dumps({}))]))
    queue_events = {"ENTERQUEUE", "CONNECT", "ABANDON", "EXITWITHKEY", "COMPLETECALLER"}

    def queue_lines(texts: list[str]) -> list[tuple[int, str, tuple]]:
        return [(x.epoch, x.event, x.data[:1]) for x in map(parse_queue_log_line, texts)
                if x.event in queue_events]

    from_events = queue_lines(queue_log_from_events(log))
    assert [event for _, event, _ in from_events] == ["ENTERQUEUE", "CONNECT",
                                                      "COMPLETECALLER"]
    records = frame([call("CA1", "answered", 98, callback_requested=True,
                          orig_position=5)]).assign(talk_s=160.0)
    assert queue_lines(queue_log_from_records(records))[1:] == from_events[1:]


def test_a_callback_asker_whose_bridge_logged_only_its_end_has_no_exitwithkey():
    """outcome_of reads a COMPLETE without a CONNECT as answered (bridged is said once the
    talk is over); the export had dropped the EXITWITHKEY of a CONNECT only (review 36, R7)."""
    log = validate_events(pd.DataFrame([
        _event(0, "CA1", "ENTERQUEUE", position=5, wait_s=0.0),
        _event(90, "CA1", "CALLBACK_REQUESTED", wait_s=90.0,
               data=json.dumps({"promised_wait_s": 600})),
        _event(90, "CA1", "EXITWITHKEY", wait_s=90.0, data=json.dumps({"key": "2"})),
        _event(258, "CA1", "COMPLETE", wait_s=98.0, data=json.dumps({}))]))
    events = [parse_queue_log_line(x).event for x in queue_log_from_events(log)]
    assert "EXITWITHKEY" not in events and "COMPLETECALLER" in events


def test_an_entry_logged_before_twilio_gave_a_position_takes_the_first_one_logged():
    """The app logs ENTERQUEUE at /voice/incoming, before Twilio's first poll says where the
    caller stands: the export from records knew the position (the first poll's) and the one
    from events left origposition empty."""
    log = validate_events(pd.DataFrame([
        _event(0, "CA1", "ENTERQUEUE", wait_s=0.0),
        _event(1, "CA1", "ANNOUNCE", position=5, wait_s=1.0, data=json.dumps({})),
        _event(40, "CA1", "ABANDON", position=3, wait_s=40.0)]))
    line = {x.event: x for x in map(parse_queue_log_line, queue_log_from_events(log))}
    assert line["ENTERQUEUE"].data[2] == "5"  # url | callerid | origposition
    assert line["ABANDON"].data == ("3", "5", "40")  # position | origposition | waittime


def test_a_call_answered_before_any_poll_entered_at_the_head_as_its_record_says():
    """No position was ever logged: the record gives orig_position 1 (an agent took the
    caller at once), and the export from events had left origposition empty (170 of 256
    answered calls of an emulated log); a caller who hung up before any poll has none."""
    log = validate_events(pd.DataFrame([
        _event(0, "CA1", "ENTERQUEUE", wait_s=0.0),
        _event(2, "CA1", "CONNECT", wait_s=2.0, data=json.dumps({})),
        _event(60, "CA1", "COMPLETE", wait_s=2.0, data=json.dumps({})),
        _event(0, "CA2", "ENTERQUEUE", wait_s=0.0),
        _event(3, "CA2", "ABANDON", wait_s=3.0)]))
    lines = list(map(parse_queue_log_line, queue_log_from_events(log)))
    line = {(x.call_id, x.event): x for x in lines}
    assert line["CA1", "ENTERQUEUE"].data[2] == "1"  # url | callerid | origposition
    assert line["CA1", "COMPLETECALLER"].data[2] == "1"  # holdtime | calltime | origposition
    assert line["CA2", "ENTERQUEUE"].data[2] == ""


def test_a_callbacks_connect_logs_its_wait_as_the_records_export_does():
    """Asterisk's arithmetic, as on the exit lines: the line's stamp minus the entry's. The
    rounded wait_s (100.7 s: 101) was a second off the records export's 100."""
    log = validate_events(pd.DataFrame([
        _event(0.2, "CA1", "ENTERQUEUE", position=1, wait_s=0.0),
        _event(100.9, "CA1", "CALLBACK_CONNECT", wait_s=100.7, data=json.dumps({}))]))
    line = next(x for x in map(parse_queue_log_line, queue_log_from_events(log))
                if x.event == "CALLBACK_CONNECT")
    assert line.epoch == EPOCH + 100 and line.data[1] == "100"


@settings(max_examples=300, deadline=None)
@given(ns=st.integers(0, 4_102_444_800 * 10**9), wait=st.floats(0, 86_400 * 30,
                                                               allow_nan=False))
def test_one_stamp_is_the_same_second_as_the_vectorised_stamps(ns, wait):
    """The event export stamps exit lines one at a time (`floor_epoch`), the records export
    a batch at a time (`floor_epochs`): on any moment and wait they agree to the second, or
    the two exports of one call would disagree on when it left."""
    time = pd.Timestamp(ns, tz="UTC")
    assert floor_epoch(time, wait) == floor_epochs(pd.Series([time]), wait)[0]
    assert floor_epoch(time) == floor_epochs(pd.Series([time]))[0]


def test_times_in_microseconds_are_stamped_in_seconds_too():
    """Parquet keeps times in microseconds: read as nanoseconds, every stamp but the exit
    lines' was a thousand times too small."""
    times = pd.Series([T0 + pd.Timedelta(seconds=5.5)]).dt.as_unit("us")
    assert floor_epochs(times)[0] == EPOCH + 5 == floor_epoch(times.iloc[0])
