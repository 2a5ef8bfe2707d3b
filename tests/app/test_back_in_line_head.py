"""A caller put back in line after a Twilio `error` is at the back of Twilio's queue, though
their record keeps their first entry. Agents' choices weigh the head Twilio will give: the
reviewer's repro had later callers taken before a waiting callback (the re-enqueued caller
looked like the head), and the next agent briefed with the re-enqueued caller's words while
Twilio bridged someone else."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import select

from app.signed_client import SignedClient
from app.storage import commands as c
from app.storage.deadline import Deadline
from app.storage.schema import calls
from tests.app.test_callbacks import WAIT, callback_rows, enter
from tests.app.test_caller_reason import ASKING, answer, poll, waiting
from tests.app.test_voice_contract import request_callback
from tests.app.twiml_reading import parse, spoken
from tests.conftest import AUTH_TOKEN
from tests.support.sids import sid


@pytest.fixture
def asking(make_app):
    app = make_app(ASKING)
    return app, SignedClient(app.test_client(), AUTH_TOKEN)


def put_back(twilio: SignedClient, call: str, queue_time: int, queue: str = "support") -> str:
    """Twilio's `error` for `call`: the app enqueues them again; their new waitUrl."""
    reply = twilio.post(f"/voice/queue-result?queue={queue}", {
        "CallSid": call, "QueueResult": "error", "QueueTime": str(queue_time)})
    enqueue = parse(reply.data).find("Enqueue")
    assert enqueue is not None, reply.data
    assert "episode=1" in enqueue.get("waitUrl")
    return enqueue.get("waitUrl")


def in_line_since(app, call: str):
    with app.extensions["holdwell"].store.engine.connect() as conn:
        return conn.execute(select(calls.c.entered_at, calls.c.in_line_since).where(
            calls.c.call_id == call)).one()


def agent_reply(twilio: SignedClient, name: str) -> bytes:
    return twilio.post("/voice/agent?queue=support", {"CallSid": sid(name),
                                                      "To": "+14155550000"}).data


@pytest.fixture
def any_cb_app(make_app, any_url):
    from tests.app.test_callbacks import CONFIG

    return make_app(CONFIG, database_url=any_url)


def test_a_callback_is_not_overtaken_by_callers_behind_whom_twilio_put_a_returning_caller(
    any_cb_app, clock
):
    cb_app = any_cb_app
    twilio_cb = SignedClient(cb_app.test_client(), AUTH_TOKEN)
    early, booked, later = sid("CA-early"), sid("CA-booked"), sid("CA-later")
    enter(twilio_cb, early, clock)
    clock.advance(10)
    enter(twilio_cb, booked, clock)
    request_callback(twilio_cb, booked, queue_time=5)
    clock.advance(10)
    enter(twilio_cb, later, clock, caller="+14155550177")  # not the booked number: that
    clock.advance(10)  # would be a caller ringing back, asked about their callback
    twilio_cb.post(WAIT, {"CallSid": early, "QueueTime": "30", "QueuePosition": "1"})
    # control: the early caller entered before the callback: Twilio's head goes first
    assert parse(agent_reply(twilio_cb, "agent0")).find("Dial/Queue") is not None

    again = put_back(twilio_cb, early, queue_time=31)
    clock.advance(1)
    twilio_cb.post(again, {"CallSid": early, "QueueTime": "0", "QueuePosition": "2"})
    twilio_cb.post(WAIT, {"CallSid": later, "QueueTime": "21", "QueuePosition": "1"})
    entered, back = in_line_since(cb_app, early)
    assert back is not None and (back - entered).total_seconds() >= 30  # their record keeps
    # the first entry, and their return is when Twilio's line has them from

    dial = parse(agent_reply(twilio_cb, "agent1")).find("Dial")
    assert dial.find("Queue") is None and dial.find("Number") is not None  # not `later`
    (row,) = callback_rows(cb_app)
    assert row["call_id"] == booked and row["status"] == "claimed"


def test_the_agent_is_briefed_on_the_caller_twilio_will_give_not_the_one_put_back(asking, clock):
    app, twilio = asking
    waiting(twilio, sid("ann"), 1, clock)
    answer(twilio, sid("ann"), "my parcel never arrived")
    clock.advance(5)
    waiting(twilio, sid("bob"), 2, clock)
    answer(twilio, sid("bob"), "I need a new password")
    assert "my parcel never arrived" in spoken(agent_reply(twilio, "agent0"))  # ann is head
    clock.advance(40)  # agent0's briefing no longer holds ann for agent0 (BRIEFING_HOLD_S)

    again = put_back(twilio, sid("ann"), queue_time=170)
    twilio.post(again, {"CallSid": sid("ann"), "QueueTime": "0", "QueuePosition": "2"})
    poll(twilio, sid("bob"), 106, 1)
    said = spoken(agent_reply(twilio, "agent1"))
    assert "I need a new password" in said and "parcel" not in said


def test_a_late_replay_of_an_earlier_poll_never_moves_the_return_back(cb_app, twilio_cb, clock):
    """Every poll of the new time in line shows its start, to QueueTime's whole second; the
    latest counts: a poll replayed from a journal whose rounding puts the start a second
    earlier, or a poll of the first time in line delivered late, cannot put the caller back
    ahead of those Twilio put before them."""
    caller = sid("CA-back")
    enter(twilio_cb, caller, clock)
    clock.advance(40)
    again = put_back(twilio_cb, caller, queue_time=40)
    clock.advance(20)
    twilio_cb.post(again, {"CallSid": caller, "QueueTime": "20", "QueuePosition": "1"})
    _, first = in_line_since(cb_app, caller)
    store = cb_app.extensions["holdwell"].store
    replayed = c.NotePoll(call_id=caller, now=clock.now() - timedelta(seconds=1), queue="support",
                          policy="callback", queue_time_s=20, position=1, episode=1,
                          attempted=False)  # a journaled copy: its start 1 s earlier
    store.write(replayed, Deadline.unbounded())
    clock.advance(30)
    twilio_cb.post(WAIT, {"CallSid": caller, "QueueTime": "90", "QueuePosition": "1"})  # the
    # first time in line's poll, delivered late: no episode, no return
    entered, back = in_line_since(cb_app, caller)
    assert back == first and (back - entered).total_seconds() == 40


def test_a_returning_caller_is_told_the_callbacks_taken_before_them(cb_app, twilio_cb, clock):
    """The agent takes a callback booked after the caller's first entry but before their
    return first; the caller's place counts it. They had been told "you are next in line"
    while that callback was rung before them."""
    early, booked = sid("CA-a"), sid("CA-b")
    enter(twilio_cb, early, clock)
    clock.advance(10)
    enter(twilio_cb, booked, clock)
    request_callback(twilio_cb, booked, queue_time=0)
    clock.advance(10)
    again = put_back(twilio_cb, early, queue_time=20)
    said = []
    for queue_time in range(0, 200, 20):  # alone in Twilio's queue: position 1 there
        reply = twilio_cb.post(again, {"CallSid": early, "QueueTime": str(queue_time),
                                       "QueuePosition": "1"})
        said.append(" ".join(spoken(reply.data).split()))
        clock.advance(20)
    told = " ".join(said)
    assert "number 2 in line" in told and "next in line" not in told
    dial = parse(agent_reply(twilio_cb, "agent1")).find("Dial")
    assert dial.find("Number") is not None  # the callback first, as the caller was told
