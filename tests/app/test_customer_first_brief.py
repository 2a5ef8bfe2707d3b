"""Customer-first callbacks, the agent's brief (issue 16 items 5, 7 and 9), live.

The Queue url of an agent's <Dial><Queue>NAME-callbacks is played to the customer, so the
agent hears about the held customer before their Dial: the wait since first calling and since
answering, their words and a message they left. Two agents freed together are told about two
different customers, each the one Twilio's queue will hand them; AGENT_BRIEFED records who
was told about whom and CALLBACK_CONNECT names the agent who took them. Whatever happens to
the database, the Dial (the bridge) is still answered. Through the real routes; Twilio's
REST client is mocked at its boundary."""

from __future__ import annotations

import json

import pytest
from sqlalchemy import select

from app.signed_client import SignedClient
from app.storage.deadline import DatabaseUnavailable
from app.storage.schema import call_events
from tests.app.test_callbacks import enter
from tests.app.test_customer_first_live import FIRST, PUBLIC, answer, connect_data, worker_round
from tests.app.test_one_callback_per_person import ask_for_callback
from tests.app.twiml_reading import parse, spoken, top_verbs
from tests.conftest import AUTH_TOKEN
from tests.support.broken_store import break_store
from tests.support.callback_rows import attach_message
from tests.support.sids import sid

ASKING = FIRST + "ask_reason = true\n"
CHOICE = "/voice/choice?policy=callback&queue=support"
WORDS = {"c0": "My parcel never arrived", "c1": "I was charged twice"}
NUMBERS = {"c0": "+14155550100", "c1": "+14155550199"}
RECORDING = "https://api.twilio.com/2010-04-01/Accounts/AC1/Recordings/" + sid("msg", "RE")


def say_why(twilio, call: str, words: str) -> None:
    """What Twilio posts to the first check-in's speech Gather."""
    twilio.post(CHOICE, {"CallSid": call, "From": "+14155550100", "SpeechResult": words,
                         "Confidence": "0.9"})


@pytest.fixture
def held(make_app, clock, mocker):
    """Two customers, each gave a reason, booked a callback, was rung and answered: c0 has
    held 3 minutes, c1 half a minute, when the agents come."""
    app = make_app(ASKING, account_sid="AC123", public_url=PUBLIC)
    twilio = SignedClient(app.test_client(), AUTH_TOKEN, base_url=PUBLIC)
    for name in ("c0", "c1"):
        enter(twilio, sid(name), clock, caller=NUMBERS[name])
        say_why(twilio, sid(name), WORDS[name])
        ask_for_callback(twilio, sid(name), NUMBERS[name])
        clock.advance(5)
    _, create = worker_round(app, clock, mocker)
    assert [call.kwargs["to"] for call in create.call_args_list] == list(NUMBERS.values())
    answer(twilio, create.call_args_list[0], "leg0")
    clock.advance(150)
    answer(twilio, create.call_args_list[1], "leg1")
    clock.advance(30)
    return app, twilio


def agent(twilio, name: str):
    return twilio.post("/voice/agent?queue=support", {"CallSid": sid(name)})


def bridge(twilio, taken_by, leg: str, agent_name: str, queue_time: int):
    """Twilio runs the Queue url on the customer's leg it hands the agent, then bridges."""
    url = parse(taken_by.data).find(".//Queue").get("url")
    return twilio.post(url, {"CallSid": sid(leg), "QueueTime": str(queue_time),
                             "DequeingCallSid": sid(agent_name)})


def briefed(app) -> list[tuple[str, str]]:
    with app.extensions["holdwell"].store.engine.connect() as conn:
        rows = conn.execute(select(call_events.c.call_id, call_events.c.data).where(
            call_events.c.event == "AGENT_BRIEFED").order_by(call_events.c.id)).all()
    return [(call_id, json.loads(data)["agent_call_id"]) for call_id, data in rows]


def assert_dials_the_held(document: bytes) -> None:
    """The agent's Dial takes the priority queue: the bridge is still offered."""
    assert top_verbs(document)[-1] == "Dial"
    assert parse(document).find(".//Queue").text == "support-callbacks"


def test_each_agent_hears_the_customer_they_are_bridged_to_before_the_dial(held):
    app, twilio = held
    first, second = agent(twilio, "ann"), agent(twilio, "bob")
    for document in (first.data, second.data):
        assert_dials_the_held(document)
        assert top_verbs(document)[:-1] and set(top_verbs(document)[:-1]) == {"Say"}
    told_ann, told_bob = spoken(first.data), spoken(second.data)
    assert WORDS["c0"] in told_ann and WORDS["c1"] not in told_ann
    assert WORDS["c1"] in told_bob and WORDS["c0"] not in told_bob
    # c0 first called 190 s ago and answered 180 s ago; c1 185 s and 30 s ago
    assert "waiting 4 minutes since first calling" in told_ann
    assert "answered 3 minutes ago" in told_ann
    assert "waiting 4 minutes since first calling" in told_bob
    assert "answered 1 minute ago" in told_bob
    assert briefed(app) == [(sid("c0"), sid("ann")), (sid("c1"), sid("bob"))]
    # Twilio hands the head of the queue to the first Dial, the next to the second
    for document, leg, name, queue_time in ((first, "leg0", "ann", 181),
                                            (second, "leg1", "bob", 31)):
        connected = bridge(twilio, document, leg, name, queue_time)
        assert "Connecting you" in spoken(connected.data)  # what the customer hears
        assert WORDS["c0"] not in spoken(connected.data)  # never the agent's brief
    assert connect_data(app, sid("c0")) == {"held_s": 181.0, "agent_call_id": sid("ann")}
    assert connect_data(app, sid("c1")) == {"held_s": 31.0, "agent_call_id": sid("bob")}
    assert briefed(app) == [(sid("c0"), sid("ann")), (sid("c1"), sid("bob"))]  # once each


def test_a_retried_agent_request_briefs_the_same_customer_once(held):
    app, twilio = held
    again = [agent(twilio, "ann") for _ in range(2)]  # Twilio retries the webhook
    assert all(WORDS["c0"] in spoken(document.data) for document in again)
    assert briefed(app) == [(sid("c0"), sid("ann"))]
    bridge(twilio, again[-1], "leg0", "ann", 181)
    later = agent(twilio, "ann")  # back from the conversation: the one still holding
    assert WORDS["c1"] in spoken(later.data) and WORDS["c0"] not in spoken(later.data)
    assert briefed(app) == [(sid("c0"), sid("ann")), (sid("c1"), sid("ann"))]


def test_a_message_left_from_the_queue_is_heard_first_transcribed_or_played(held):
    app, twilio = held
    engine = app.extensions["holdwell"].store.engine
    attach_message(engine, sid("c0"), RECORDING, "Order 4471, the blue kettle")
    attach_message(engine, sid("c1"), RECORDING + "1")
    transcribed, recorded = agent(twilio, "ann"), agent(twilio, "bob")
    assert "This caller left a message" in spoken(transcribed.data)
    assert "They said: Order 4471, the blue kettle" in spoken(transcribed.data)
    assert "Play" not in top_verbs(transcribed.data)
    verbs = top_verbs(recorded.data)
    assert "Play" in verbs and verbs.index("Play") < verbs.index("Dial")
    assert parse(recorded.data).find("Play").text == RECORDING + "1"
    assert_dials_the_held(recorded.data)


def test_without_a_reason_the_wait_is_still_said(make_app, clock, mocker):
    app = make_app(FIRST, account_sid="AC123", public_url=PUBLIC)
    twilio = SignedClient(app.test_client(), AUTH_TOKEN, base_url=PUBLIC)
    enter(twilio, sid("c0"), clock)
    ask_for_callback(twilio, sid("c0"), NUMBERS["c0"])
    _, create = worker_round(app, clock, mocker)
    answer(twilio, create.call_args, "leg0")
    clock.advance(70)
    told = agent(twilio, "ann")
    assert "answered 2 minutes ago" in spoken(told.data)
    assert "they told us" not in spoken(told.data)
    assert briefed(app) == [(sid("c0"), sid("ann"))]


def fails_after_first_read(app, monkeypatch, error: Exception) -> None:
    """The route's own look-up (is anyone holding?) answers; everything after it fails."""
    store = app.extensions["holdwell"].store
    read, calls = store.read, []

    def read_once(*args, **kwargs):
        calls.append(1)
        if len(calls) > 1:
            raise error
        return read(*args, **kwargs)

    def write(*_args, **_kwargs):
        raise error

    monkeypatch.setattr(store, "read", read_once)
    monkeypatch.setattr(store, "write", write)


@pytest.mark.parametrize("error", [DatabaseUnavailable("past the budget"),
                                   RuntimeError("a bug, not a database fault")])
def test_a_slow_or_broken_store_skips_the_brief_and_still_bridges(held, monkeypatch, error):
    app, twilio = held
    fails_after_first_read(app, monkeypatch, error)
    taken = agent(twilio, "ann")
    assert taken.status_code == 200
    assert top_verbs(taken.data) == ["Dial"]  # unbriefed, at once, into the priority queue
    assert_dials_the_held(taken.data)
    monkeypatch.undo()
    assert briefed(app) == []


def test_a_broken_store_at_the_bridge_still_connects_the_customer(held, monkeypatch):
    app, twilio = held
    taken = agent(twilio, "ann")
    break_store(app, monkeypatch)
    connected = bridge(twilio, taken, "leg0", "ann", 181)
    assert connected.status_code == 200 and "Connecting you" in spoken(connected.data)
