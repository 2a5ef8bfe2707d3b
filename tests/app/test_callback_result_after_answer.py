"""A Dial result saying no-answer for the very claim whose customer answered (a contradicting
or duplicated report) changes nothing: it had been logged as a second CALLBACK_ATTEMPT
(attempts 1 -> 2, lowering the answer rate that sizes callback windows), and the agent was
told "The customer did not answer" of a customer they had just spoken to."""

from __future__ import annotations

from sqlalchemy import select

from app.storage.schema import callbacks
from tests.app.test_callbacks import enter
from tests.app.test_voice_contract import logged_events, request_callback
from tests.app.twiml_reading import parse, spoken
from tests.support.sids import sid


def _callback(app, call_id: str):
    with app.extensions["holdwell"].store.engine.connect() as conn:
        found = conn.execute(select(callbacks).where(callbacks.c.call_id == call_id))
        return found.mappings().one()


def test_a_no_answer_for_the_claim_whose_customer_answered_changes_nothing(cb_app, twilio_cb,
                                                                           clock):
    caller = sid("CA1")
    enter(twilio_cb, caller, clock)
    request_callback(twilio_cb, caller, queue_time=60)
    agent = twilio_cb.post("/voice/agent", {"CallSid": sid("CAagent1"), "To": "+14155550000"})
    dial = parse(agent.data).find("Dial")
    answered_at, result_at = dial.find("Number").get("url"), dial.get("action")
    twilio_cb.post(answered_at, {"CallSid": sid("CAleg"), "AnsweredBy": "human"})
    assert _callback(cb_app, caller)["status"] == "connected"

    for _ in range(2):  # and a retry of it
        reply = twilio_cb.post(result_at, {"CallSid": sid("CAagent1"), "DialCallSid": sid("CAleg"),
                                           "DialCallStatus": "no-answer"})
        assert reply.status_code == 200
        assert "did not answer" not in spoken(reply.data)
        assert parse(reply.data).find("Redirect") is not None  # on to the next caller
    row = _callback(cb_app, caller)
    assert row["status"] == "connected" and row["attempts"] == 1
    assert logged_events(cb_app, caller).count("CALLBACK_ATTEMPT") == 1


def test_a_no_answer_of_a_claim_still_ringing_is_still_an_attempt(cb_app, twilio_cb, clock):
    """The control: the ordinary miss is counted and said."""
    caller = sid("CA2")
    enter(twilio_cb, caller, clock)
    request_callback(twilio_cb, caller, queue_time=60)
    agent = twilio_cb.post("/voice/agent", {"CallSid": sid("CAagent2"), "To": "+14155550000"})
    result_at = parse(agent.data).find("Dial").get("action")
    reply = twilio_cb.post(result_at, {"CallSid": sid("CAagent2"), "DialCallSid": sid("CAleg2"),
                                       "DialCallStatus": "no-answer"})
    assert "did not answer" in spoken(reply.data)
    row = _callback(cb_app, caller)
    assert row["status"] == "pending" and row["attempts"] == 1
