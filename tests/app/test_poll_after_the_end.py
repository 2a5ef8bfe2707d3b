"""A poll that crosses the end of a caller's wait (Twilio's waitUrl request in flight while
the caller hangs up, or is answered) is heard by nobody: it is answered with a pause and no
check-in is logged after the end (a review found ANNOUNCE logged after ABANDON, counted in
the record's announcements and its first told wait). A caller Twilio put back in line after
an error still hears their check-ins."""

from __future__ import annotations

import pytest

from app.signed_client import SignedClient
from tests.app.test_callbacks import enter
from tests.app.test_voice_contract import call_row, logged_events, wait_form
from tests.app.twiml_reading import parse, spoken
from tests.conftest import AUTH_TOKEN
from tests.support.sids import sid

CHECKIN = '[queues.support]\npolicy = "checkin"\n'
WAIT = "/voice/wait?policy=checkin&queue=support"
RESULT = "/voice/queue-result?policy=checkin&queue=support"


@pytest.fixture
def twilio_on(make_app, any_url):
    app = make_app(CHECKIN, database_url=any_url)
    return app, SignedClient(app.test_client(), AUTH_TOKEN)


def ended(twilio, call_id: str, how: str, at_s: int) -> None:
    if how == "hung up":
        twilio.post(RESULT, {"CallSid": call_id, "QueueResult": "hangup",
                             "QueueTime": str(at_s)})
    else:
        twilio.post("/voice/connect?queue=support", {"CallSid": call_id,
                                                     "QueueTime": str(at_s)})


@pytest.mark.parametrize("any_url", ["sqlite", "postgres"], indirect=True)
@pytest.mark.parametrize("how", ["hung up", "answered"])
def test_a_poll_after_the_wait_ended_says_nothing_and_logs_no_check_in(twilio_on, clock, how):
    app, twilio = twilio_on
    enter(twilio, sid("CA1"), clock)
    clock.advance(60)
    ended(twilio, sid("CA1"), how, 60)
    late = twilio.post(WAIT, wait_form(sid("CA1"), queue_time=60, position=3, size=3))
    assert late.status_code == 200 and parse(late.data).find(".//Pause") is not None
    assert spoken(late.data) == ""
    assert "ANNOUNCE" not in logged_events(app, sid("CA1"))
    row = call_row(app, sid("CA1"))
    assert row["announcements"] == 0 and row["first_announced_wait_s"] is None
    assert row["outcome"] == ("abandoned" if how == "hung up" else "answered")


@pytest.mark.parametrize("any_url", ["sqlite"], indirect=True)
def test_the_same_poll_before_the_end_is_a_check_in(twilio_on, clock):
    """The contrast: the check-in is due at 60 s, and said when the caller is still there."""
    app, twilio = twilio_on
    enter(twilio, sid("CA1"), clock)
    clock.advance(60)
    heard = spoken(twilio.post(WAIT, wait_form(sid("CA1"), queue_time=60, position=3,
                                               size=3)).data)
    assert "number 3 in line" in heard
    assert logged_events(app, sid("CA1")).count("ANNOUNCE") == 1


@pytest.mark.parametrize("any_url", ["sqlite", "postgres"], indirect=True)
def test_a_caller_put_back_in_line_after_a_twilio_error_still_hears_check_ins(twilio_on,
                                                                              clock):
    app, twilio = twilio_on
    enter(twilio, sid("CA1"), clock)
    clock.advance(30)
    back = twilio.post(RESULT, {"CallSid": sid("CA1"), "QueueResult": "error",
                                "QueueTime": "30"})
    wait_url = parse(back.data).find(".//Enqueue").get("waitUrl")
    assert "episode=1" in wait_url
    path = wait_url.split("://", 1)[-1].split("/", 1)[-1]
    twilio.post("/" + path, wait_form(sid("CA1"), queue_time=0, position=4, size=4))
    clock.advance(60)
    heard = spoken(twilio.post("/" + path, wait_form(sid("CA1"), queue_time=60, position=3,
                                                     size=4)).data)
    assert "Sorry to keep you waiting" in heard
    assert "ANNOUNCE" in logged_events(app, sid("CA1"))
