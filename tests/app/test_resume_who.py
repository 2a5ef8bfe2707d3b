"""Who may take a dropped caller's place: only the same line, and every caller who hung up
in line. A withheld number ("anonymous", or a placeholder Twilio shows for one) names no
one, so two strangers calling withheld took each other's place; and a caller past the
overflow offer who stayed in line (their call's outcome `overflow` once they hang up) could
never rejoin, though they were the longest waiting of all."""

from __future__ import annotations

import pytest

from tests.app.test_resume_after_drop import CONFIG as RESUME
from tests.app.test_resume_after_drop import QR, WAIT, Line
from tests.app.test_resume_voicemail import CONFIG as WITH_OVERFLOW
from tests.app.twiml_reading import parse, spoken
from tests.support.sids import sid

OVERFLOW = WITH_OVERFLOW  # the resume rule, and an overflow offer past 120 s (keys 2, 3)
CALLER = "+14155550102"


def drop_soon_after_a_checkin(line: Line, call: str, number: str) -> None:
    line.ring(call, number)
    line.poll(WAIT, call, 0)
    line.clock.advance(60)
    assert "Sorry to keep you waiting" in spoken(line.poll(WAIT, call, 60).data)
    line.clock.advance(5)
    line.twilio.post(QR, {"CallSid": call, "QueueResult": "hangup", "QueueTime": "65"})
    line.clock.advance(10)


@pytest.mark.parametrize("withheld", ["anonymous", "Anonymous", "+266696687",
                                      "restricted", "unknown", ""])
def test_a_withheld_number_never_takes_a_dropped_callers_place(make_app, clock, withheld):
    line = Line(make_app(RESUME), clock)
    drop_soon_after_a_checkin(line, sid("first stranger"), withheld)
    other = line.ring(sid("second stranger"), withheld)
    assert parse(other.data).find("Enqueue").text == "support"  # a new call, at the back
    assert "Welcome back" not in spoken(other.data)
    assert line.row(sid("first stranger"))["outcome"] == "abandoned"  # theirs, still


def test_the_same_number_still_rejoins(make_app, clock):
    """The contrast: a number that names one line rejoins as before."""
    line = Line(make_app(RESUME), clock)
    drop_soon_after_a_checkin(line, sid("first"), CALLER)
    back = line.ring(sid("leg"), CALLER)
    assert parse(back.data).find("Enqueue").text == "support-rejoin"


def test_a_caller_who_stayed_past_the_overflow_offer_rejoins_after_a_drop(make_app, clock):
    line = Line(make_app(OVERFLOW), clock)
    call = sid("longest waiter")
    line.ring(call, CALLER)
    line.poll(WAIT, call, 0)
    line.clock.advance(60)
    line.poll(WAIT, call, 60)
    line.clock.advance(65)
    offer = line.poll(WAIT, call, 125)  # past max_wait_s: offered a callback, stays
    assert "Press 2" in spoken(offer.data)
    line.clock.advance(5)
    line.twilio.post(QR, {"CallSid": call, "QueueResult": "hangup", "QueueTime": "130"})
    assert line.row(call)["outcome"] == "overflow"
    line.clock.advance(10)
    back = line.ring(sid("leg"), CALLER)
    assert parse(back.data).find("Enqueue").text == "support-rejoin"
    assert "Welcome back" in spoken(back.data)
    assert line.row(call)["outcome"] is None  # waiting again, on the first call


def test_a_caller_who_left_at_the_overflow_offer_does_not_rejoin(make_app, clock):
    """With `after_offer = "leave"` the offer ends with goodbye: that caller was sent away,
    not dropped, and ringing back is a new call."""
    line = Line(make_app(OVERFLOW + 'after_offer = "leave"\n'), clock)
    call = sid("sent away")
    line.ring(call, CALLER)
    line.poll(WAIT, call, 0)
    line.clock.advance(125)
    offer = line.poll(WAIT, call, 125)
    assert parse(offer.data).find("Leave") is not None
    line.clock.advance(10)
    line.twilio.post(QR, {"CallSid": call, "QueueResult": "leave", "QueueTime": "135"})
    line.twilio.post("/voice/status", {"CallSid": call, "CallStatus": "completed"})
    assert line.row(call)["outcome"] == "overflow"
    line.clock.advance(5)
    again = line.ring(sid("new call"), CALLER)
    assert parse(again.data).find("Enqueue").text == "support"
