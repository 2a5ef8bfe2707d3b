"""A caller who booked a callback at queue-full (never in line, so no place to keep) and
rings back is not told their booking "keeps your place in line" (caller audit): the
returning caller's question, its answers and the one-per-person refusal say only that the
callback stands."""

from __future__ import annotations

from tests.app.test_overflow_voicemail import RESULT, call, line  # noqa: F401 - fixture
from tests.app.twiml_reading import parse, spoken

NUMBER = "+14155550101"
CHOICE = "/voice/overflow/choice?policy=checkin&queue=support"


def test_a_queue_full_booker_ringing_back_is_never_told_of_a_place_in_line(line):  # noqa: F811
    _, twilio = line
    twilio.post("/voice/incoming?queue=support", call("full", From=NUMBER))
    twilio.post(RESULT, call("full", QueueResult="queue-full"))
    asked = twilio.post(CHOICE, call("full", From=NUMBER, Digits="2"))
    booked = twilio.post(parse(asked.data).find("Gather").get("action"),
                         call("full", From=NUMBER, Digits="1"))
    assert "We will call you back" in spoken(booked.data)
    again = twilio.post("/voice/incoming?queue=support", call("again", From=NUMBER))
    question = spoken(again.data)
    assert "already have a call back booked" in question
    kept = twilio.post(parse(again.data).find("Gather").get("action"),
                       call("again", From=NUMBER, Digits="1"))
    assert "call you back as promised" in spoken(kept.data)
    for heard in (question, spoken(kept.data)):
        assert "place" not in heard, heard
