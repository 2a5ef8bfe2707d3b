"""A caller who rang back after a dropped line, then leaves a message at the overflow offer:
the message is a callback task on their call, keeping its first entry. The <Record>
action's URL lost `resumes=`, so the message was filed as a new call, entered when it was
recorded, and one person was counted twice (overflow and voicemail)."""

from __future__ import annotations

from sqlalchemy import select

from app.signed_client import SignedClient
from app.storage.db import as_utc
from app.storage.schema import callbacks, calls
from tests.app.twiml_reading import parse
from tests.conftest import AUTH_TOKEN
from tests.support.sids import sid

CONFIG = """
[line]
support_number = "+14155550000"
[queues.support]
policy = "checkin"
[queues.support.checkin]
interval_s = 60
[queues.support.resume]
within_s = 300
after_checkin_s = 15
[queues.support.overflow]
max_wait_s = 120
callback = true
voicemail = true
callback_key = "2"
voicemail_key = "3"
"""
CALLER = "+14155550102"
RECORDING = "RE0123456789abcdef0123456789abcdef"


def polled(twilio: SignedClient, url: str, call: str, queue_time: int, position: int):  # noqa: ANN201
    return twilio.post(url, {"CallSid": call, "QueueTime": str(queue_time),
                             "QueuePosition": str(position), "CurrentQueueSize": "3"})


def test_a_message_left_after_ringing_back_is_the_first_calls(make_app, clock):
    app = make_app(CONFIG)
    twilio = SignedClient(app.test_client(), AUTH_TOKEN)
    first, leg = sid("first"), sid("leg")
    entered_at = clock.now()
    line = parse(twilio.post("/voice/incoming?queue=support",
                             {"CallSid": first, "From": CALLER}).data).find("Enqueue")
    polled(twilio, line.get("waitUrl"), first, 0, 3)
    clock.advance(60)
    polled(twilio, line.get("waitUrl"), first, 60, 3)
    clock.advance(5)
    twilio.post(line.get("action"), {"CallSid": first, "QueueResult": "hangup",
                                     "QueueTime": "65"})
    clock.advance(10)
    back = parse(twilio.post("/voice/incoming?queue=support",
                             {"CallSid": leg, "From": CALLER}).data).find("Enqueue")
    polled(twilio, back.get("waitUrl"), leg, 0, 1)
    clock.advance(60)
    offer = polled(twilio, back.get("waitUrl"), leg, 60, 1)
    chose = parse(offer.data).find(".//Gather").get("action")
    twilio.post(chose, {"CallSid": leg, "From": CALLER, "Digits": "3"})
    left = twilio.post(back.get("action"), {"CallSid": leg, "From": CALLER,
                                            "QueueResult": "leave", "QueueTime": "62"})
    record = parse(left.data).find("Record")
    clock.advance(30)
    twilio.post(record.get("action"), {
        "CallSid": leg, "From": CALLER, "RecordingSid": RECORDING, "RecordingDuration": "12",
        "RecordingUrl": f"https://api.twilio.com/2010-04-01/Accounts/AC1/Recordings/{RECORDING}",
        "Digits": "#"})
    twilio.post("/voice/status", {"CallSid": leg, "CallStatus": "completed"})
    with app.extensions["holdwell"].store.engine.connect() as conn:
        carriers = conn.execute(select(callbacks.c.call_id, callbacks.c.entered_at)).all()
        outcomes = dict(conn.execute(select(calls.c.call_id, calls.c.outcome)).all())
    assert [call for call, _ in carriers] == [first]  # the message is the first call's
    assert as_utc(carriers[0][1]) == entered_at  # and keeps its first entry
    assert outcomes[first] == "voicemail" and leg not in outcomes
