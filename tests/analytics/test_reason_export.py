"""A caller's reason is their own words: a queue_log export keeps the REASON line, not the words."""

from __future__ import annotations

import json

import pandas as pd

from analytics.events import validate_events
from analytics.queue_log import parse_queue_log_line, queue_log_from_events
from tests.analytics.builders import T0


def test_the_reason_line_is_exported_without_the_transcript():
    rows = [
        {"time": T0, "call_id": "CA1", "queue": "support", "event": "ENTERQUEUE",
         "policy": "checkin", "arm": "", "position": 2, "wait_s": 0.0, "data": "{}"},
        {"time": T0 + pd.Timedelta(seconds=70), "call_id": "CA1", "queue": "support",
         "event": "REASON", "policy": "checkin", "arm": "", "position": 2, "wait_s": 70.0,
         "data": json.dumps({"transcript": "my card number is 4111", "confidence": 0.8})},
        {"time": T0 + pd.Timedelta(seconds=90), "call_id": "CA1", "queue": "support",
         "event": "AGENT_BRIEFED", "policy": "checkin", "arm": "", "position": None,
         "wait_s": None, "data": json.dumps({"agent_call_id": "CA9"})},
    ]
    lines = [parse_queue_log_line(t) for t in queue_log_from_events(validate_events(
        pd.DataFrame(rows)))]
    reason = next(x for x in lines if x.event == "REASON")
    assert json.loads(reason.data[2]) == {"confidence": 0.8}
    assert not any("4111" in "|".join(x.data) for x in lines)
    briefed = next(x for x in lines if x.event == "AGENT_BRIEFED")
    assert json.loads(briefed.data[2]) == {"agent_call_id": "CA9"}


def test_a_messages_recording_address_is_left_out_as_erasure_leaves_it_out():
    """The export had dropped numbers and words, but wrote a message's recording_url (its
    caller's voice), which `holdwell privacy` erases as personal: one list now decides."""
    rows = [
        {"time": T0, "call_id": "CA1", "queue": "support", "event": "ENTERQUEUE",
         "policy": "checkin", "arm": "", "position": 2, "wait_s": 0.0, "data": "{}"},
        {"time": T0 + pd.Timedelta(seconds=70), "call_id": "CA1", "queue": "support",
         "event": "VOICEMAIL", "policy": "checkin", "arm": "", "position": None,
         "wait_s": 70.0, "data": json.dumps({
             "recording_url": "https://api.twilio.com/2010-04-01/Accounts/AC1/Recordings/RE1",
             "recording_sid": "RE1", "duration_s": 12})},
    ]
    lines = [parse_queue_log_line(t) for t in queue_log_from_events(validate_events(
        pd.DataFrame(rows)))]
    message = next(x for x in lines if x.event == "VOICEMAIL")
    assert json.loads(message.data[2]) == {"recording_sid": "RE1", "duration_s": 12}
    assert not any("Recordings/RE1" in "|".join(x.data) for x in lines)
