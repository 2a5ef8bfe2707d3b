"""An answer whose request leaves out QueueTime is timed from the call log, not as 0 s: the
record and the CONNECT had said the caller was answered as they rang, "now - 0 s"."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from app.signed_client import SignedClient
from app.storage.schema import call_events
from tests.app.test_back_in_line_head import put_back
from tests.app.test_voice_contract import call_row, wait_form
from tests.conftest import AUTH_TOKEN
from tests.support.sids import sid

QUEUE = '[queues.support]\npolicy = "silence"\n'
CALL = sid("CA1")


@pytest.fixture
def twilio(make_app):
    return SignedClient(make_app(QUEUE).test_client(), AUTH_TOKEN)


def connect_without_queue_time(twilio: SignedClient) -> None:
    answer = twilio.post("/voice/connect?queue=support",
                         {"CallSid": CALL, "DequeingCallSid": sid("CAagent")})
    assert answer.status_code == 200


def connect_wait_s(twilio: SignedClient) -> float | None:
    with twilio.application.extensions["holdwell"].store.engine.connect() as conn:
        return conn.execute(select(call_events.c.wait_s).where(
            call_events.c.call_id == CALL, call_events.c.event == "CONNECT")).scalar_one()


def test_an_answer_without_queue_time_counts_the_wait_from_the_entry(twilio, clock):
    twilio.post("/voice/incoming", {"CallSid": CALL, "From": "+14155550100"})
    twilio.post("/voice/wait?policy=silence&queue=support", wait_form(CALL, queue_time=0))
    clock.advance(95)
    connect_without_queue_time(twilio)
    row = call_row(twilio.application, CALL)
    assert row["outcome"] == "answered" and row["wait_s"] == pytest.approx(95)
    assert connect_wait_s(twilio) == pytest.approx(95)


@pytest.mark.parametrize("since_return_s", [3, 20])
def test_an_answer_without_queue_time_after_a_put_back_counts_this_time_in_line(
        twilio, clock, since_return_s):
    """The CONNECT carries the QueueTime of the time in line it ends (seconds since the
    return); the record, the wait since the first entry (read as 0 s, an answer 3 s after
    the return had been counted from the return itself: 3 s short)."""
    twilio.post("/voice/incoming", {"CallSid": CALL, "From": "+14155550100"})
    twilio.post("/voice/wait?policy=silence&queue=support", wait_form(CALL, queue_time=0))
    clock.advance(300)
    wait_url = put_back(twilio, CALL, 300)
    clock.advance(2)
    twilio.post(wait_url, wait_form(CALL, queue_time=0, position=4, size=4))
    clock.advance(since_return_s)
    connect_without_queue_time(twilio)
    row = call_row(twilio.application, CALL)
    assert row["outcome"] == "answered" and row["wait_s"] == pytest.approx(302 + since_return_s)
    assert connect_wait_s(twilio) == pytest.approx(since_return_s)
