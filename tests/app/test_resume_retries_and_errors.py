"""A caller back in their place after a dropped line is treated like any other caller when
Twilio retries the ringing webhook or errs: a retried /voice/incoming had answered the leg as
a new caller at the back of the main queue (leaving the dropped call open for ever and a
second call in the log), and the rejoined leg's first Twilio error hung up on them with
"our phone line failed twice"."""

from __future__ import annotations

from urllib.parse import parse_qs, urlsplit

import pytest

from tests.app.test_resume_after_drop import CONFIG, DROPPED, Line, drop_after_checkin
from tests.app.twiml_reading import parse, spoken, top_verbs
from tests.support.sids import sid


@pytest.fixture
def line(make_app, clock) -> Line:
    return Line(make_app(CONFIG), clock)


def args(url: str) -> dict[str, str]:
    return {k: v[0] for k, v in parse_qs(urlsplit(url).query).items()}


def test_a_retried_ring_back_answers_the_same_and_logs_one_call(line):
    drop_after_checkin(line)
    line.clock.advance(20)
    first = line.ring(sid("again"), DROPPED)
    line.clock.advance(1)
    retry = line.ring(sid("again"), DROPPED)  # Twilio retries the same Voice webhook
    assert retry.data == first.data and "Welcome back" in spoken(retry.data)
    enqueue = parse(retry.data).find("Enqueue")
    assert enqueue.text == "support-rejoin"
    assert line.events(sid("dropped")).count("RESUMED") == 1
    line.poll(enqueue.get("waitUrl"), sid("again"), 0)
    line.clock.advance(30)
    line.twilio.post(enqueue.get("action"), {"CallSid": sid("again"), "QueueResult": "hangup",
                                             "QueueTime": "30"})
    line.twilio.post("/voice/status", {"CallSid": sid("again"), "CallStatus": "completed"})
    assert line.row(sid("again")) is None  # the leg is no call of its own
    assert line.row(sid("dropped"))["outcome"] == "abandoned"
    assert line.events(sid("dropped")).count("ABANDON") == 1


def test_a_rejoined_legs_first_twilio_error_puts_them_back_in_their_place(line):
    drop_after_checkin(line)
    line.clock.advance(20)
    back = line.ring(sid("again"), DROPPED)
    enqueue = parse(back.data).find("Enqueue")
    entered = line.row(sid("dropped"))["entered_at"]
    line.poll(enqueue.get("waitUrl"), sid("again"), 0)
    line.clock.advance(30)
    error = line.twilio.post(enqueue.get("action"), {"CallSid": sid("again"),
                                                     "QueueResult": "error", "QueueTime": "30"})
    assert "failed twice" not in spoken(error.data)
    assert top_verbs(error.data)[-1] == "Enqueue"
    again = parse(error.data).find("Enqueue")
    assert again.text == "support-rejoin"  # still in their place, not at the back
    before, after = args(enqueue.get("waitUrl")), args(again.get("waitUrl"))
    assert after["resumes"] == sid("dropped") and after["put_back"] == "1"
    assert int(after["episode"]) == int(before["episode"]) + 1
    assert args(again.get("action")) == after
    line.poll(again.get("waitUrl"), sid("again"), 0)
    line.clock.advance(10)
    line.twilio.post(again.get("action"), {"CallSid": sid("again"), "QueueResult": "bridged",
                                           "QueueTime": "10"})
    record = line.row(sid("dropped"))
    assert record["outcome"] == "answered"
    assert record["entered_at"] == entered  # the wait counts from the first entry
    assert record["wait_s"] == pytest.approx(
        (record["answered_at"] - entered).total_seconds())
    assert line.events(sid("dropped")).count("ENTERQUEUE") == 3  # first, rejoined, put back
    assert line.row(sid("again")) is None


def test_a_second_error_on_the_rejoined_leg_ends_the_call_with_words(line):
    drop_after_checkin(line)
    line.clock.advance(20)
    enqueue = parse(line.ring(sid("again"), DROPPED).data).find("Enqueue")
    error = line.twilio.post(enqueue.get("action"), {"CallSid": sid("again"),
                                                     "QueueResult": "error", "QueueTime": "3"})
    again = parse(error.data).find("Enqueue")
    second = line.twilio.post(again.get("action"), {"CallSid": sid("again"),
                                                    "QueueResult": "error", "QueueTime": "3"})
    assert "failed twice" in spoken(second.data) and top_verbs(second.data)[-1] == "Hangup"


def test_a_first_leg_put_back_once_is_not_put_back_again(line):
    """The first leg's URLs after its put-back are as before (episode=1, no flag)."""
    line.ring(sid("plain"), "+14155550199")
    qr = "/voice/queue-result?policy=checkin&queue=support"
    error = line.twilio.post(qr, {"CallSid": sid("plain"), "QueueResult": "error",
                                  "QueueTime": "5"})
    again = parse(error.data).find("Enqueue")
    assert again.text == "support" and args(again.get("action")) == {
        "episode": "1", "policy": "checkin", "queue": "support"}
    second = line.twilio.post(again.get("action"), {"CallSid": sid("plain"),
                                                    "QueueResult": "error", "QueueTime": "5"})
    assert "failed twice" in spoken(second.data)
