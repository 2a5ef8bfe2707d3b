"""Twilio sends QueuePosition and QueueTime on every waitUrl request; a request without them
(a proxy that drops fields, a hostile sender with the signing key) must not make the app
tell the caller they are next in line, log them as first, or stop their check-ins."""

from __future__ import annotations

from app.signed_client import SignedClient
from tests.app.test_voice_contract import call_row, wait_form
from tests.app.twiml_reading import spoken
from tests.conftest import AUTH_TOKEN
from tests.support.sids import sid

CONFIG = """
[queues.support]
policy = "checkin"
[queues.support.checkin]
interval_s = 60
"""
WAIT = "/voice/wait?policy=checkin&queue=support"


def without(field: str, call: str, queue_time: int, position: int = 7, size: int = 9) -> dict:
    form = dict(wait_form(call, queue_time=queue_time, position=position, size=size))
    del form[field]
    return form


def test_a_poll_without_queueposition_is_never_told_or_logged_as_next_in_line(make_app, clock):
    app = make_app(CONFIG)
    twilio = SignedClient(app.test_client(), AUTH_TOKEN)
    call = sid("no-position")
    twilio.post("/voice/incoming?queue=support", {"CallSid": call, "From": "+14155550100"})
    said = []
    for queue_time in range(0, 180, 30):
        said.append(spoken(twilio.post(WAIT, without("QueuePosition", call, queue_time)).data))
        clock.advance(30)
    check_ins = [words for words in said if words]
    assert check_ins, "the check-ins still come"
    assert not any("next in line" in words or "number" in words for words in check_ins)
    row = call_row(app, call)
    assert row["orig_position"] is None and row["told_position"] is None


def test_a_poll_without_queueposition_keeps_the_place_the_last_one_logged(make_app, clock):
    app = make_app(CONFIG)
    twilio = SignedClient(app.test_client(), AUTH_TOKEN)
    call = sid("then-no-position")
    twilio.post("/voice/incoming?queue=support", {"CallSid": call, "From": "+14155550100"})
    twilio.post(WAIT, wait_form(call, queue_time=0, position=4, size=6))
    clock.advance(30)
    twilio.post(WAIT, without("QueuePosition", call, 30, size=6))
    row = call_row(app, call)
    assert (row["orig_position"], row["last_position"]) == (4, 4)


def test_polls_without_queuetime_still_count_and_check_in_about_once_a_minute(make_app,
                                                                             clock):
    app = make_app(CONFIG)
    twilio = SignedClient(app.test_client(), AUTH_TOKEN)
    call = sid("no-queue-time")
    twilio.post("/voice/incoming?queue=support", {"CallSid": call, "From": "+14155550100"})
    heard = []
    for queue_time in range(0, 300, 30):
        heard.append(bool(spoken(twilio.post(
            WAIT, without("QueueTime", call, queue_time, position=3, size=3)).data)))
        clock.advance(30)
    row = call_row(app, call)
    assert row["polls"] == 10  # each poll is newer than the last: counted from the entry
    assert 3 <= row["announcements"] <= 5 and sum(heard) == row["announcements"]
