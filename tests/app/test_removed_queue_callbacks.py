"""A removed queue's callbacks, which review of eec02a4 found never kept: one booked there
was never placed, no callback is offered there any more, and a caller ringing again about
one is asked to keep it or wait, as anyone ringing again is."""

from __future__ import annotations

import tomllib

from sqlalchemy import select

from app.console.live_config import apply
from app.signed_client import SignedClient
from app.storage.schema import callbacks
from hold_policies.config import parse_config
from tests.app.test_voice_contract import wait_form
from tests.app.twiml_reading import parse, spoken
from tests.conftest import AUTH_TOKEN
from tests.support.booking import book_from_the_line
from tests.support.sids import sid

LINE = '[line]\nsupport_number = "+14155550000"\n'
SUPPORT_ONLY = LINE + '[queues.support]\npolicy = "checkin"\n'
WITH_SALES_CALLBACKS = SUPPORT_ONLY + (
    '[queues.sales]\npolicy = "callback"\n'
    '[queues.sales.callback]\noffer_without_estimate_after_s = 0\n')
SALES = "policy=callback&queue=sales"
CALLER = "+14155550100"


def remove_sales(app) -> None:  # noqa: ANN001
    apply(app.extensions["holdwell"], parse_config(tomllib.loads(SUPPORT_ONLY), "v2"),
          before=parse_config(tomllib.loads(WITH_SALES_CALLBACKS), "v1"))


def booked_in_sales(make_app, clock, *, removed_first: bool = False):  # noqa: ANN001, ANN201
    """A caller of sales books a callback (confirmed, out of the line); sales is removed by a
    live change after that (or, `removed_first`, while they wait, before they press 2)."""
    app = make_app(WITH_SALES_CALLBACKS)
    twilio = SignedClient(app.test_client(), AUTH_TOKEN)
    call = sid("CAsales")
    twilio.post("/voice/incoming?queue=sales", {"CallSid": call, "From": CALLER})
    book_from_the_line(twilio, call, "sales", clock,
                       meanwhile=(lambda: remove_sales(app)) if removed_first else lambda: None)
    with app.extensions["holdwell"].store.engine.connect() as conn:
        assert conn.execute(select(callbacks.c.queue, callbacks.c.status)).all() == [
            ("sales", "pending")]
    if not removed_first:
        remove_sales(app)
    clock.advance(60)
    return app, twilio


def test_a_callback_booked_in_a_removed_queue_is_still_placed(make_app, clock):
    """A callback booked before its queue was removed: no agent of its own claims it and the
    worker rings none, so it had never been placed; any queue's agent takes it now."""
    app, twilio = booked_in_sales(make_app, clock)
    agent = parse(twilio.post("/voice/agent?queue=support",
                              {"CallSid": sid("CAagent"), "To": "+14155550000"}).data)
    assert agent.find("Dial/Number") is not None and agent.find("Dial/Number").text == CALLER
    twilio.post(agent.find("Dial/Number").get("url"), {
        "CallSid": sid("CAleg"), "ParentCallSid": sid("CAagent"), "AnsweredBy": "human",
        "CallStatus": "in-progress"})
    twilio.post(agent.find("Dial").get("action"), {
        "CallSid": sid("CAagent"), "DialCallStatus": "completed", "DialCallSid": sid("CAleg"),
        "DialCallDuration": "120"})
    with app.extensions["holdwell"].store.engine.connect() as conn:
        assert conn.execute(select(callbacks.c.queue, callbacks.c.status)).all() == [
            ("sales", "connected")]  # kept, and still counted under its own queue
    again = parse(twilio.post("/voice/agent?queue=support",
                              {"CallSid": sid("CAagent2"), "To": "+14155550000"}).data)
    assert again.find("Dial/Number") is None  # nothing more to place


def test_a_removed_queue_offers_no_callback_nobody_would_keep(make_app, clock):
    """The removed queue's callback policy had gone on offering "we will call you back,
    keeping your place" and storing the request there, where no agent of its own and no
    worker would ever place it (review of eec02a4): its callers now hear no offer, and one
    pressing 2 anyway keeps their place, promised nothing."""
    app = make_app(WITH_SALES_CALLBACKS)
    twilio = SignedClient(app.test_client(), AUTH_TOKEN)
    call = sid("CAsales")
    twilio.post("/voice/incoming?queue=sales", {"CallSid": call, "From": CALLER})
    twilio.post(f"/voice/wait?{SALES}", wait_form(call, queue_time=0))
    clock.advance(60)
    offered = twilio.post(f"/voice/wait?{SALES}", wait_form(call, queue_time=60))
    assert "call you back" in spoken(offered.data)  # while sales runs
    remove_sales(app)
    for minute in (2, 3, 4):
        clock.advance(60)
        polled = twilio.post(f"/voice/wait?{SALES}", wait_form(call, queue_time=60 * minute))
        assert polled.status_code == 200 and "call you back" not in spoken(polled.data)
    form = {**wait_form(call, queue_time=200), "Digits": "2"}
    pressed = twilio.post(f"/voice/choice?{SALES}", form)
    assert "keep your place" in spoken(pressed.data).lower()
    assert parse(pressed.data).find("Leave") is None
    with app.extensions["holdwell"].store.engine.connect() as conn:
        assert conn.execute(select(callbacks.c.queue)).all() == []


def test_a_caller_ringing_again_about_a_removed_queues_callback_is_asked_keep_or_wait(
        make_app, clock):
    """/voice/incoming joins the default queue: the caller had been looked up there, not
    found, and queued while the callback stood (both)."""
    app, twilio = booked_in_sales(make_app, clock)
    again = parse(twilio.post("/voice/incoming?queue=sales", {
        "CallSid": sid("CAagain"), "From": CALLER}).data)
    assert again.find("Enqueue") is None  # asked first: keep the callback, or wait instead
    waits = parse(twilio.post(again.find("Gather").get("action"), {
        "CallSid": sid("CAagain"), "From": CALLER, "Digits": "2"}).data)
    assert waits.find("Enqueue").text == "support"  # in a queue that runs, never both
    with app.extensions["holdwell"].store.engine.connect() as conn:
        assert conn.execute(select(callbacks.c.status)).scalars().all() == ["cancelled"]


def test_a_worker_that_never_knew_the_queue_still_asks(make_app, clock):
    """A worker started after the removal (it never ran the queue, nor knows it as removed)
    looks the number up under the name the webhook gives too."""
    app, twilio = booked_in_sales(make_app, clock)
    app.extensions["holdwell"].retired.clear()
    again = parse(twilio.post("/voice/incoming?queue=sales", {
        "CallSid": sid("CAagain"), "From": CALLER}).data)
    assert again.find("Enqueue") is None and again.find("Gather") is not None
