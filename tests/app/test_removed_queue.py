"""A queue removed while callers wait in it: agents of the remaining queues take them first.

No agent of its own dials its Twilio queue any more, so those callers had been told their
place until they hung up, and were logged as abandons the policy never caused.
"""

from __future__ import annotations

import tomllib

from app.console.live_config import apply
from app.signed_client import SignedClient
from hold_policies.config import parse_config
from tests.app.test_voice_contract import call_row, wait_form
from tests.app.twiml_reading import parse
from tests.conftest import AUTH_TOKEN
from tests.support.sids import sid

BOTH = '[queues.support]\npolicy = "checkin"\n[queues.sales]\npolicy = "silence"\n'
SUPPORT_ONLY = '[queues.support]\npolicy = "checkin"\n'
SALES_WAIT = "/voice/wait?policy=silence&queue=sales"


def waiting_in_sales(make_app):  # noqa: ANN001, ANN201
    """An app running both queues with a caller waiting in sales, and its signed client."""
    app = make_app(BOTH)
    twilio = SignedClient(app.test_client(), AUTH_TOKEN)
    twilio.post("/voice/incoming?queue=sales", {"CallSid": sid("CAsales"),
                                                "From": "+14155550100"})
    twilio.post(SALES_WAIT, wait_form(sid("CAsales"), queue_time=1))
    return app, twilio


def remove_sales(app) -> None:  # noqa: ANN001
    apply(app.extensions["holdwell"], parse_config(tomllib.loads(SUPPORT_ONLY), "v2"))


def test_an_agent_takes_a_caller_left_in_a_removed_queue_first(make_app, clock):
    app, twilio = waiting_in_sales(make_app)
    agent = parse(twilio.post("/voice/agent?queue=support", {"CallSid": sid("CAa1")}).data)
    assert agent.find("Dial/Queue").text == "support"  # sales is still served by its own
    clock.advance(60)
    remove_sales(app)
    twilio.post(SALES_WAIT, wait_form(sid("CAsales"), queue_time=61))
    agent = parse(twilio.post("/voice/agent?queue=support", {"CallSid": sid("CAa2")}).data)
    queue = agent.find("Dial/Queue")
    assert queue.text == "sales"  # the stranded caller first
    assert "queue=sales" in queue.get("url") and "/voice/connect" in queue.get("url")
    assert "/voice/agent?queue=support" in agent.find("Dial").get("action")  # then back
    twilio.post(queue.get("url"), {"CallSid": sid("CAsales"), "QueueTime": "70",
                                   "DequeingCallSid": sid("CAa2")})
    row = call_row(app, sid("CAsales"))
    assert (row["queue"], row["outcome"]) == ("sales", "answered")
    agent = parse(twilio.post("/voice/agent?queue=support", {"CallSid": sid("CAa3")}).data)
    assert agent.find("Dial/Queue").text == "support"  # nobody is left there


def test_a_row_whose_end_was_never_heard_sends_no_agent_for_ever(make_app, clock):
    """A caller not polled for five minutes is gone (their status callback lost): agents are
    not sent to an empty queue for ever."""
    app, twilio = waiting_in_sales(make_app)
    remove_sales(app)
    clock.advance(301)
    agent = parse(twilio.post("/voice/agent?queue=support", {"CallSid": sid("CAa1")}).data)
    assert agent.find("Dial/Queue").text == "support"


def test_an_agent_who_found_nobody_there_takes_their_own_queue_next(make_app, clock):
    """Meanwhile every agent of every queue had been sent to the empty removed queue, loop
    after loop, and a caller waiting in their own queue was never offered."""
    app, twilio = waiting_in_sales(make_app)
    remove_sales(app)
    first = parse(twilio.post("/voice/agent?queue=support", {"CallSid": sid("CAa1")}).data)
    assert first.find("Dial/Queue").text == "sales"
    clock.advance(30)  # nobody there: the caller hung up, and that was never heard
    after = twilio.post(first.find("Dial").get("action"), {
        "CallSid": sid("CAa1"), "DialCallStatus": "no-answer"})
    assert parse(after.data).find("Dial/Queue").text == "support"
