"""The same call log on the real PostgreSQL server (CI starts it; skipped only if none runs)."""

from __future__ import annotations

from app.signed_client import SignedClient
from tests.app.test_voice_contract import call_row, logged_events, request_callback, wait_form
from tests.conftest import AUTH_TOKEN
from tests.support.sids import sid


def test_full_call_flow_and_idempotency_on_postgresql(postgres_url, make_app):
    app = make_app('[line]\nsupport_number = "+14155550000"\n'
                   '[queues.support]\npolicy = "callback"\n', database_url=postgres_url)
    twilio = SignedClient(app.test_client(), AUTH_TOKEN)
    for call in (sid("CA1"), sid("CA2"), sid("CA3")):
        twilio.post("/voice/incoming", {"CallSid": call, "From": "+14155550100"})
        twilio.post("/voice/wait?policy=callback&queue=support", wait_form(call, queue_time=61))
    twilio.post("/voice/connect?queue=support", {"CallSid": sid("CA1"), "QueueTime": "70"})
    for _ in range(2):
        twilio.post("/voice/queue-result?queue=support",
                    {"CallSid": sid("CA2"), "QueueResult": "hangup", "QueueTime": "80"})
        request_callback(twilio, sid("CA3"), queue_time=90)
    assert call_row(app, sid("CA1"))["outcome"] == "answered"
    assert call_row(app, sid("CA2"))["outcome"] == "abandoned"
    assert logged_events(app, sid("CA2")).count("ABANDON") == 1
    assert call_row(app, sid("CA3"))["callback_requested"]
    assert logged_events(app, sid("CA3")).count("CALLBACK_REQUESTED") == 1
    assert call_row(app, sid("CA1"))["entered_at"].tzinfo is not None
