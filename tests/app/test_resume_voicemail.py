"""A caller who rang back after a dropped line, then leaves a message at the overflow offer:
the message is a callback task on their call, keeping its first entry. The <Record>
action's URL lost `resumes=`, so the message was filed as a new call, entered when it was
recorded, and one person was counted twice (overflow and voicemail)."""

from __future__ import annotations

from sqlalchemy import select

from app.storage.db import as_utc
from app.storage.schema import callbacks, calls
from tests.app.test_resume_after_drop import CONFIG as RESUME
from tests.app.test_resume_after_drop import Line
from tests.app.twiml_reading import parse
from tests.support.sids import sid

CONFIG = RESUME + """
[line]
support_number = "+14155550000"
[queues.support.overflow]
max_wait_s = 120
callback = true
voicemail = true
callback_key = "2"
voicemail_key = "3"
"""
CALLER = "+14155550102"
RECORDING = "RE0123456789abcdef0123456789abcdef"


def test_a_message_left_after_ringing_back_is_the_first_calls(make_app, clock):
    line = Line(make_app(CONFIG), clock)
    first, leg = sid("first"), sid("leg")
    entered_at = clock.now()
    queued = parse(line.ring(first, CALLER).data).find("Enqueue")
    line.poll(queued.get("waitUrl"), first, 0, position=3)
    clock.advance(60)
    line.poll(queued.get("waitUrl"), first, 60, position=3)
    clock.advance(5)
    line.twilio.post(queued.get("action"), {"CallSid": first, "QueueResult": "hangup",
                                            "QueueTime": "65"})
    clock.advance(10)
    back = parse(line.ring(leg, CALLER).data).find("Enqueue")
    line.poll(back.get("waitUrl"), leg, 0)
    clock.advance(60)
    offer = line.poll(back.get("waitUrl"), leg, 60)
    chose = parse(offer.data).find(".//Gather").get("action")
    line.twilio.post(chose, {"CallSid": leg, "From": CALLER, "Digits": "3"})
    left = line.twilio.post(back.get("action"), {"CallSid": leg, "From": CALLER,
                                                 "QueueResult": "leave", "QueueTime": "62"})
    record = parse(left.data).find("Record")
    clock.advance(30)
    line.twilio.post(record.get("action"), {
        "CallSid": leg, "From": CALLER, "RecordingSid": RECORDING, "RecordingDuration": "12",
        "RecordingUrl": f"https://api.twilio.com/2010-04-01/Accounts/AC1/Recordings/{RECORDING}",
        "Digits": "#"})
    line.twilio.post("/voice/status", {"CallSid": leg, "CallStatus": "completed"})
    with line.app.extensions["holdwell"].store.engine.connect() as conn:
        carriers = conn.execute(select(callbacks.c.call_id, callbacks.c.entered_at)).all()
        outcomes = dict(conn.execute(select(calls.c.call_id, calls.c.outcome)).all())
    assert [call for call, _ in carriers] == [first]  # the message is the first call's
    assert as_utc(carriers[0][1]) == entered_at  # and keeps its first entry
    assert outcomes[first] == "voicemail" and leg not in outcomes
