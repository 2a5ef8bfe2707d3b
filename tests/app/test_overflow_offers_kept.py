"""Audit C5, live: the overflow offers a caller only what it can keep for them. A withheld
caller past the maximum wait is offered the callback (to a number they key in), never a
message nobody could return; at queue-full, where both choices call back the caller ID, a
withheld caller hears that the line is full, with nothing offered and then refused."""

from __future__ import annotations

from app.signed_client import SignedClient
from tests.app.test_overflow_voicemail import CHOICE, RESULT, WAIT, call, rows
from tests.app.twiml_reading import parse, spoken, top_verbs
from tests.conftest import AUTH_TOKEN

LINE = """
[line]
support_number = "+14155550000"
[queues.support]
policy = "checkin"
[queues.support.overflow]
max_wait_s = 600
when_full = true
callback = true
voicemail = true
callback_key = "2"
voicemail_key = "3"
"""
ANON = "anonymous"


def waits(twilio, name: str, queue_time: int, caller: str = ANON):
    return twilio.post(WAIT, call(name, From=caller, QueueTime=str(queue_time),
                                  QueuePosition="4", CurrentQueueSize="9"))


def test_a_withheld_caller_past_the_maximum_wait_is_never_offered_a_message(make_app, clock):
    app = make_app(LINE)
    twilio = SignedClient(app.test_client(), AUTH_TOKEN)
    twilio.post("/voice/incoming?queue=support", call("anon", From=ANON))
    waits(twilio, "anon", 0)
    heard = []
    for queue_time in (600, 660, 720):
        clock.advance(60)
        out = waits(twilio, "anon", queue_time)
        assert out.status_code == 200 and parse(out.data) is not None
        heard.append(spoken(out.data))
    assert "We are sorry you have waited so long" in heard[0]
    assert all("Press 2" in said for said in heard)  # the callback, to a keyed-in number
    assert not any("leave a message" in said or "Press 3" in said for said in heard)
    pressed = twilio.post(CHOICE, call("anon", From=ANON, QueueTime="725", QueuePosition="4",
                                       CurrentQueueSize="9", Digits="2"))
    assert "Gather" in top_verbs(pressed.data)  # asked for a number to call back
    assert "cannot" not in spoken(pressed.data)


def test_a_caller_with_a_number_is_still_offered_both(make_app, clock):
    app = make_app(LINE)
    twilio = SignedClient(app.test_client(), AUTH_TOKEN)
    caller = "+14155550100"
    twilio.post("/voice/incoming?queue=support", call("c1", From=caller))
    waits(twilio, "c1", 0, caller)
    clock.advance(600)
    said = spoken(waits(twilio, "c1", 600, caller).data)
    assert "Press 2" in said and "Press 3 to leave a message" in said


def test_at_queue_full_a_withheld_caller_is_told_the_line_is_full_and_offered_nothing(
        make_app):
    app = make_app(LINE)
    twilio = SignedClient(app.test_client(), AUTH_TOKEN)
    twilio.post("/voice/incoming?queue=support", call("full", From=ANON))
    out = twilio.post(RESULT, call("full", From=ANON, QueueResult="queue-full"))
    assert out.status_code == 200 and top_verbs(out.data) == ["Say", "Hangup"]
    said = spoken(out.data)
    assert "our line is full" in said
    assert "Press" not in said and "call you back" not in said
    assert rows(app) == []
