"""A customer who rings in while their callback is due is not dialled on the phone they are
calling from, and is never told that a callback stands once it does not (fault audit 42,
finding 3: the callback's last attempt rang their busy phone while they were being asked
"keep it or wait", failed, and they heard "We will call you back as promised")."""

from __future__ import annotations

import pytest
from sqlalchemy import select, update

from app.signed_client import SignedClient
from app.storage.schema import callbacks
from tests.app.test_callbacks import CONFIG
from tests.app.test_one_callback_per_person import NUMBER, ask_for_callback, join
from tests.app.twiml_reading import parse, spoken, top_verbs
from tests.conftest import AUTH_TOKEN
from tests.support.sids import sid


def status_of(app, call: str) -> str:
    with app.extensions["holdwell"].store.engine.connect() as conn:
        return conn.execute(select(callbacks.c.status).where(
            callbacks.c.call_id == call)).scalar()


def dial_busy(twilio, agent: str, leg: str) -> None:
    answer = parse(twilio.post("/voice/agent?queue=support", {"CallSid": agent}).data)
    assert answer.find(".//Number") is not None
    twilio.post(answer.find("Dial").get("action"), {"CallSid": agent, "DialCallStatus": "busy",
                                                    "DialCallSid": leg})


@pytest.fixture
def due_again(make_app, clock):
    """A callback of two attempts whose first rang busy, due again as its caller rings in."""
    app = make_app(CONFIG)  # max_attempts = 2, retry_after_s = 300
    twilio = SignedClient(app.test_client(), AUTH_TOKEN)
    join(twilio, sid("booked"))
    ask_for_callback(twilio, sid("booked"))
    clock.advance(60)
    dial_busy(twilio, sid("agentA"), sid("legA"))
    clock.advance(301)
    return app, twilio


def test_a_due_callback_is_not_dialled_while_its_caller_is_asked_on_the_line(due_again, clock):
    app, twilio = due_again
    asked = twilio.post("/voice/incoming?queue=support",
                        {"CallSid": sid("ringsback"), "From": NUMBER})
    assert "already have a call back booked" in spoken(asked.data)
    agent = parse(twilio.post("/voice/agent?queue=support", {"CallSid": sid("agentB")}).data)
    assert agent.find(".//Number") is None  # their phone is this call: not rung now
    assert status_of(app, sid("booked")) == "pending"
    clock.advance(60)  # the question is long over: due again
    later = parse(twilio.post("/voice/agent?queue=support", {"CallSid": sid("agentC")}).data)
    assert later.find(".//Number") is not None


@pytest.mark.parametrize("key", ["1", "2", ""])
def test_a_callback_that_ended_meanwhile_is_never_said_to_stand(due_again, key):
    """Whatever ended it while they were asked (here its last attempt, rung busy as the hold
    is taken away), the caller is told it is no longer booked and waits on the line."""
    app, twilio = due_again
    asked = twilio.post("/voice/incoming?queue=support",
                        {"CallSid": sid("ringsback"), "From": NUMBER})
    with app.extensions["holdwell"].store.engine.begin() as conn:  # as if no hold were kept
        conn.execute(update(callbacks).values(next_attempt_at=None))
    dial_busy(twilio, sid("agentB"), sid("legB"))
    assert status_of(app, sid("booked")) == "failed"
    reply = twilio.post(parse(asked.data).find("Gather").get("action"),
                        {"CallSid": sid("ringsback"), "From": NUMBER, "Digits": key})
    said = spoken(reply.data).lower()
    assert "call you back" not in said and "on its way" not in said, said
    assert "no longer booked" in said and "Enqueue" in top_verbs(reply.data)


def test_a_late_hang_up_of_the_booking_call_does_not_undo_the_hold(make_app, clock):
    """The booking call's hang-up, heard late (a slow status callback, a journal replayed),
    made its callback due at once mid-question: it now only ends the wait for its caller
    to leave, never a hold (review 42, finding 1)."""
    from tests.app.test_one_callback_per_person import CHOICE

    app = make_app(CONFIG)
    twilio = SignedClient(app.test_client(), AUTH_TOKEN)
    booked = sid("booked")
    join(twilio, booked)
    gather = {"CallSid": booked, "From": NUMBER, "Digits": "2"}
    offer = twilio.post(CHOICE, gather)
    twilio.post(parse(offer.data).find("Gather").get("action"), {**gather, "Digits": "1"})
    twilio.post(CHOICE.replace("/voice/choice", "/voice/queue-result"),
                {"CallSid": booked, "QueueResult": "leave"})
    clock.advance(20)
    asked = twilio.post("/voice/incoming?queue=support",
                        {"CallSid": sid("ringsback"), "From": NUMBER})
    assert "already have a call back booked" in spoken(asked.data)
    clock.advance(2)
    twilio.post("/voice/status", {"CallSid": booked, "CallStatus": "completed"})
    agent = parse(twilio.post("/voice/agent?queue=support", {"CallSid": sid("agentB")}).data)
    assert agent.find(".//Number") is None  # they are still being asked on that phone
    clock.advance(60)
    later = parse(twilio.post("/voice/agent?queue=support", {"CallSid": sid("agentC")}).data)
    assert later.find(".//Number") is not None


@pytest.mark.parametrize("key", ["1", "2", ""])
def test_a_callback_kept_meanwhile_is_said_to_be_on_its_way_and_they_are_not_queued(
        due_again, key):
    """Claimed just before they rang in and answered on another line (or by a machine):
    the promise was kept, so never both: they hear it is on its way, and are not queued
    (it had been told as "no longer booked" and the caller queued again: review 42, 2)."""
    app, twilio = due_again
    asked = twilio.post("/voice/incoming?queue=support",
                        {"CallSid": sid("ringsback"), "From": NUMBER})
    with app.extensions["holdwell"].store.engine.begin() as conn:
        conn.execute(update(callbacks).values(status="connected"))
    reply = twilio.post(parse(asked.data).find("Gather").get("action"),
                        {"CallSid": sid("ringsback"), "From": NUMBER, "Digits": key})
    said = spoken(reply.data).lower()
    assert "on its way" in said and "no longer booked" not in said, said
    assert "Enqueue" not in top_verbs(reply.data)
