"""Issue 12 item 1: a Gather action carries Digits and the call's parameters, nothing of the queue.

Twilio documents QueuePosition/QueueTime for the waitUrl request only, so a callback promised
from a key press must take the caller's place and wait from their last poll in the call log,
never "first in line".
"""

from __future__ import annotations

import json

from sqlalchemy import select

from app.signed_client import SignedClient
from app.storage.migrate import upgrade
from app.storage.schema import call_events
from tests.app.twiml_reading import parse, spoken
from tests.conftest import AUTH_TOKEN
from tests.support.sids import sid

CONFIG = """
[line]
support_number = "+14155550000"
[estimate]
min_departures = 3
[queues.support]
policy = "callback"
[queues.support.callback]
offer_without_estimate_after_s = 0
offer_after_estimate_s = 0
"""
WAIT = "/voice/wait?policy=callback&queue=support"
CHOICE = "/voice/choice?policy=callback&queue=support"
FROM = "+14155550100"


def caller_number(call_id: str) -> str:
    """Each caller their own phone (one callback per person would refuse a shared one)."""
    return f"+1415555{int(call_id[2:], 16) % 10_000:04d}"


def gather_post(call_id: str, digits: str) -> dict[str, str]:
    """What Twilio posts to a Gather action: Digits and the standard call parameters only."""
    return {"CallSid": call_id, "AccountSid": "AC" + "0" * 32, "From": caller_number(call_id),
            "To": "+14155550000", "CallStatus": "in-progress", "Direction": "inbound",
            "ApiVersion": "2010-04-01", "Digits": digits}


def poll(twilio: SignedClient, call_id: str, *, queue_time: int, position: int) -> None:
    twilio.post(WAIT, {"CallSid": call_id, "QueueTime": str(queue_time),
                       "QueuePosition": str(position), "CurrentQueueSize": str(position)})


def busy_line(make_app, clock, database_url: str | None = None):
    """A queue whose departure rate is known: six callers answered over ten minutes."""
    app = make_app(CONFIG, **({"database_url": database_url} if database_url else {}))
    twilio = SignedClient(app.test_client(), AUTH_TOKEN)
    for n in range(6):
        call = sid(f"answered{n}")
        twilio.post("/voice/incoming", {"CallSid": call, "From": FROM})
        poll(twilio, call, queue_time=0, position=1)
        clock.advance(100)
        twilio.post("/voice/connect?queue=support", {"CallSid": call, "QueueTime": "100"})
        twilio.post("/voice/queue-result?queue=support",
                    {"CallSid": call, "QueueResult": "bridged", "QueueTime": "100"})
    return app, twilio


def promised_wait(app, call_id: str) -> float | None:
    with app.extensions["holdwell"].store.engine.connect() as conn:
        data = conn.execute(select(call_events.c.data).where(
            call_events.c.call_id == call_id,
            call_events.c.event == "CALLBACK_REQUESTED")).scalar_one()
    return json.loads(data)["promised_wait_s"]


def book_from_gather(twilio: SignedClient, call_id: str, *, position: int) -> str:
    twilio.post("/voice/incoming", {"CallSid": call_id, "From": caller_number(call_id)})
    poll(twilio, call_id, queue_time=0, position=position)
    poll(twilio, call_id, queue_time=60, position=position)
    offer = twilio.post(CHOICE, gather_post(call_id, "2"))
    action = parse(offer.data).find("Gather").get("action")
    return spoken(twilio.post(action, gather_post(call_id, "1")).data)


def test_a_promise_from_a_key_press_is_sized_for_the_callers_place_at_their_last_poll(
    make_app, clock
):
    app, twilio = busy_line(make_app, clock)
    tenth, first = sid("tenth"), sid("first")
    said_tenth = book_from_gather(twilio, tenth, position=10)
    said_first = book_from_gather(twilio, first, position=1)
    # the tenth caller is promised more than the one who was next (callbacks keep the order)
    assert promised_wait(app, tenth) > promised_wait(app, first) > 0
    assert said_tenth != said_first


def test_the_logged_place_gives_the_promise_the_wait_request_itself_would_have_given(
    make_app, clock, tmp_path
):
    """Two identical lines: on one the caller's Gather post is what Twilio documents, on the
    other it also carries QueuePosition/QueueTime (what the old emulator sent)."""
    documented_app, documented = busy_line(make_app, clock)
    caller = sid("seventh")
    book_from_gather(documented, caller, position=7)
    clock.advance(-600)  # the same moments on the second line
    other = f"sqlite:///{tmp_path / 'other.db'}"
    upgrade(other)
    explicit_app, explicit = busy_line(make_app, clock, other)
    explicit.post("/voice/incoming", {"CallSid": caller, "From": caller_number(caller)})
    poll(explicit, caller, queue_time=0, position=7)
    poll(explicit, caller, queue_time=60, position=7)
    form = {**gather_post(caller, "2"), "QueuePosition": "7", "QueueTime": "60"}
    offer = explicit.post(CHOICE, form)
    explicit.post(parse(offer.data).find("Gather").get("action"), {**form, "Digits": "1"})
    assert promised_wait(documented_app, caller) == promised_wait(explicit_app, caller) > 0
