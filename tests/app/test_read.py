"""Reading the live call log back as records and events for analytics."""

from __future__ import annotations

from app.signed_client import SignedClient
from app.storage.read import read_events_frame, read_records_frame
from hold_policies.records import RECORD_COLUMNS
from tests.app.test_voice_contract import request_callback, wait_form
from tests.conftest import AUTH_TOKEN
from tests.support.sids import sid


def test_records_and_events_come_back_in_the_record_format(make_app, sqlite_url, clock):
    app = make_app('[line]\nsupport_number = "+14155550000"\n'
                   '[queues.support]\npolicy = "callback"\n'
                   "[queues.support.callback]\noffer_without_estimate_after_s = 0\n")
    twilio = SignedClient(app.test_client(), AUTH_TOKEN)
    for call in (sid("CA1"), sid("CA2"), sid("CA3"), sid("CA4")):
        twilio.post("/voice/incoming", {"CallSid": call, "From": "+14155550100"})
        twilio.post("/voice/wait?policy=callback&queue=support", wait_form(call, queue_time=60))
    twilio.post("/voice/connect?queue=support", {"CallSid": sid("CA1"), "QueueTime": "70"})
    twilio.post("/voice/queue-result?queue=support",
                {"CallSid": sid("CA2"), "QueueResult": "hangup", "QueueTime": "80"})
    request_callback(twilio, sid("CA3"), queue_time=90)
    records = read_records_frame(sqlite_url, chunk_size=2)
    assert set(RECORD_COLUMNS) <= set(records.columns)
    by_id = records.set_index("call_id")
    # CA4 is still waiting: no record yet
    assert sorted(by_id.index) == sorted([sid("CA1"), sid("CA2"), sid("CA3")])
    assert by_id.loc[sid("CA1"), "outcome"] == "answered" and by_id.loc[sid("CA1"), "wait_s"] == 70
    assert by_id.loc[sid("CA2"), "outcome"] == "abandoned"
    assert by_id.loc[sid("CA3"), "outcome"] == "left"
    assert by_id.loc[sid("CA3"), "callback_requested"]
    assert str(records["entered_at"].dt.tz) == "UTC"
    events = read_events_frame(sqlite_url, chunk_size=3)
    assert {"ENTERQUEUE", "ANNOUNCE", "CONNECT", "ABANDON", "CALLBACK_REQUESTED"} <= set(
        events["event"])
    assert events["time"].is_monotonic_increasing


def test_events_can_be_narrowed_to_announcements(make_app, sqlite_url):
    app = make_app()
    twilio = SignedClient(app.test_client(), AUTH_TOKEN)
    twilio.post("/voice/incoming", {"CallSid": sid("CA1"), "From": "+14155550100"})
    twilio.post("/voice/wait?policy=checkin&queue=support", wait_form(sid("CA1"), queue_time=60))
    only = read_events_frame(sqlite_url, only=["ANNOUNCE"])
    assert set(only["event"]) == {"ANNOUNCE"}
    assert len(read_events_frame(sqlite_url)) > len(only)


def test_caller_numbers_are_joined_only_when_asked_for(make_app, sqlite_url):
    """Only the queue_log export shows caller IDs; the report's and the twin's reads paid
    the join with the calls table on every read."""
    app = make_app()
    twilio = SignedClient(app.test_client(), AUTH_TOKEN)
    twilio.post("/voice/incoming", {"CallSid": sid("CA1"), "From": "+14155550100"})
    twilio.post("/voice/wait?policy=checkin&queue=support", wait_form(sid("CA1"), queue_time=60))
    plain = read_events_frame(sqlite_url)
    numbered = read_events_frame(sqlite_url, numbers=True)
    assert "from_number" not in plain.columns
    assert set(numbered["from_number"]) == {"+14155550100"}
    assert plain.equals(numbered.drop(columns="from_number"))
    empty = read_events_frame(sqlite_url, only=["NO_SUCH_EVENT"], numbers=True)
    assert empty.empty and "from_number" in empty.columns
