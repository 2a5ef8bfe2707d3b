"""The words before the bridge fit the wait: a caller an agent takes as they ring is not
thanked for waiting (an audit heard "Thank you for waiting" said to callers who had not)."""

from __future__ import annotations

import pytest

from app.signed_client import SignedClient
from tests.app.twiml_reading import spoken
from tests.conftest import AUTH_TOKEN
from tests.support.sids import sid

QUEUE = '[queues.support]\npolicy = "silence"\n'
THANKS = "Thank you for waiting. Connecting you to an agent now."


def said_at_connect(make_app, queue_time: str, config: str = QUEUE, url: str = "") -> str:
    twilio = SignedClient(make_app(config).test_client(), AUTH_TOKEN)
    twilio.post("/voice/incoming", {"CallSid": sid("CA1"), "From": "+14155550100"})
    answer = twilio.post(url or "/voice/connect?queue=support",
                         {"CallSid": sid("CA1"), "QueueTime": queue_time,
                          "DequeingCallSid": sid("CAagent")})
    assert answer.status_code == 200
    return spoken(answer.data)


@pytest.mark.parametrize("queue_time", ["0", "3", "9"])
def test_a_caller_answered_at_once_is_connected_without_thanks_for_waiting(make_app,
                                                                          queue_time):
    assert said_at_connect(make_app, queue_time) == "Connecting you to an agent now."


@pytest.mark.parametrize("queue_time", ["10", "42", "900"])
def test_a_caller_who_waited_is_thanked_for_it(make_app, queue_time):
    assert said_at_connect(make_app, queue_time) == THANKS


def test_the_two_answers_are_cached_apart(make_app):
    """One app, a quick answer then a long one: the cached quick words are not said to both."""
    twilio = SignedClient(make_app(QUEUE).test_client(), AUTH_TOKEN)
    said = []
    for call, queue_time in (("CA1", "2"), ("CA2", "120"), ("CA3", "1")):
        twilio.post("/voice/incoming", {"CallSid": sid(call), "From": "+14155550100"})
        said.append(spoken(twilio.post("/voice/connect?queue=support", {
            "CallSid": sid(call), "QueueTime": queue_time,
            "DequeingCallSid": sid("CAagent")}).data))
    assert said == ["Connecting you to an agent now.", THANKS,
                    "Connecting you to an agent now."]


def test_a_rejoined_leg_waited_before_and_is_thanked(make_app):
    """Rung back after a drop: its QueueTime restarts, their wait does not."""
    assert said_at_connect(make_app, "2",
                           url="/voice/connect?queue=support&rejoined=1") == THANKS


def test_an_operators_own_connecting_is_said_to_every_caller(make_app):
    config = QUEUE + '[queues.support.prompts]\nconnecting = "Putting you through to Ann."\n'
    assert said_at_connect(make_app, "0", config) == "Putting you through to Ann."
    assert said_at_connect(make_app, "60", config) == "Putting you through to Ann."


def test_a_connect_that_does_not_say_the_wait_thanks_the_caller(make_app):
    """A QueueTime left out had read as 0 s, and the caller was not thanked: not knowing
    the wait, the words say the thanks (review 38)."""
    assert said_at_connect(make_app, "") == THANKS


def test_a_caller_put_back_after_an_error_and_answered_at_once_is_thanked(make_app, clock):
    """Twilio's QueueTime restarts when the app puts a caller back in line after an `error`:
    taken 3 s after the return, 5 minutes after they rang, they had heard "Connecting you to
    an agent now." as if they had not waited. The log's wait, from the first entry, says."""
    from tests.app.test_back_in_line_head import put_back
    from tests.app.test_voice_contract import wait_form

    twilio = SignedClient(make_app(QUEUE).test_client(), AUTH_TOKEN)
    call = sid("CA1")
    twilio.post("/voice/incoming", {"CallSid": call, "From": "+14155550100"})
    twilio.post("/voice/wait?policy=silence&queue=support", wait_form(call, queue_time=0))
    clock.advance(300)
    put_back(twilio, call, 300)
    clock.advance(3)  # answered before the new time in line's first poll
    answer = twilio.post("/voice/connect?queue=support", {
        "CallSid": call, "QueueTime": "3", "DequeingCallSid": sid("CAagent")})
    assert spoken(answer.data) == THANKS


def test_without_the_call_log_the_caller_is_thanked(make_app):
    """With the database away the answer is journaled, and nothing can tell a return after
    an error from a first time in line: the words fall back to the thanks."""
    app = make_app(QUEUE, database_url="postgresql+psycopg://nobody@127.0.0.1:9/none",
                   db_budget_s=0.5)
    answer = SignedClient(app.test_client(), AUTH_TOKEN).post(
        "/voice/connect?queue=support",
        {"CallSid": sid("CA1"), "QueueTime": "3", "DequeingCallSid": sid("CAagent")})
    assert answer.status_code == 200 and spoken(answer.data) == THANKS
    assert app.extensions["holdwell"].store.journal.has_backlog()  # kept, to apply later
