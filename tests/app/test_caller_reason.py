"""Issue 16 item 9 through the real routes: the first check-in asks for a few words (a speech
Gather), the words are kept with the call (REASON), and the agent about to take that caller
hears them, with the wait and place in line, before their <Dial><Queue>."""

from __future__ import annotations

import json

import pytest
from sqlalchemy import select

from app.signed_client import SignedClient
from app.storage.schema import call_events
from tests.app.twiml_reading import WAIT_VERBS, all_verbs, parse, spoken
from tests.conftest import AUTH_TOKEN
from tests.support.sids import sid

ASKING = """
[queues.support]
policy = "checkin"
[queues.support.checkin]
ask_reason = true
reason_hints = "refund, delivery, password"
"""
WAIT = "/voice/wait?policy=checkin&queue=support"
CHOICE = "/voice/choice?policy=checkin&queue=support"
STANDARD = {"AccountSid": "AC" + "0" * 32, "From": "+14155550100", "To": "+14155550000",
            "CallStatus": "in-progress", "Direction": "inbound", "ApiVersion": "2010-04-01"}


def poll(twilio: SignedClient, call: str, queue_time: int, position: int) -> bytes:
    return twilio.post(WAIT, {"CallSid": call, "QueueTime": str(queue_time),
                              "QueuePosition": str(position),
                              "CurrentQueueSize": str(position)}).data


def answer(twilio: SignedClient, call: str, words: str, confidence: str = "0.91"):
    """What Twilio posts to a speech Gather's action: SpeechResult, Confidence, the call."""
    return twilio.post(CHOICE, {**STANDARD, "CallSid": call, "SpeechResult": words,
                                "Confidence": confidence})


def facts(app, event: str) -> list:
    with app.extensions["holdwell"].store.engine.connect() as conn:
        return conn.execute(select(call_events).where(call_events.c.event == event)
                            .order_by(call_events.c.id)).all()


def waiting(twilio: SignedClient, call: str, position: int, clock) -> bytes:
    """A caller who rang, was polled on entry and is now due their first check-in."""
    twilio.post("/voice/incoming", {"CallSid": call, "From": "+14155550100"})
    poll(twilio, call, 0, position)
    clock.advance(60)
    return poll(twilio, call, 60, position)


@pytest.fixture
def asking(make_app):
    app = make_app(ASKING)
    return app, SignedClient(app.test_client(), AUTH_TOKEN)


def test_the_first_checkin_asks_in_a_speech_gather_to_the_choice_route(asking, clock):
    app, twilio = asking
    document = waiting(twilio, sid("ann"), 3, clock)
    gathers = parse(document).findall("Gather")
    assert [g.get("input") for g in gathers] == ["dtmf", "speech"]
    speech = gathers[1]
    assert speech.get("action") == CHOICE and speech.get("hints") == "refund, delivery, password"
    assert speech.get("speechTimeout") == "2" and speech.get("language") == "en-US"
    assert "what your call is about" in spoken(document)
    assert all_verbs(document) <= WAIT_VERBS  # allowed in the wait document
    clock.advance(60)  # the next check-in does not ask again
    assert [g.get("input") for g in parse(poll(twilio, sid("ann"), 120, 2)).findall("Gather")
            ] == ["dtmf"]


def test_off_by_default_no_speech_is_asked(make_app, clock):
    app = make_app()
    twilio = SignedClient(app.test_client(), AUTH_TOKEN)
    document = waiting(twilio, sid("bob"), 2, clock)
    assert [g.get("input") for g in parse(document).findall("Gather")] == ["dtmf"]


def test_the_words_are_kept_once_with_the_call_and_the_caller_is_thanked(asking, clock):
    app, twilio = asking
    call = sid("ann")
    waiting(twilio, call, 3, clock)
    clock.advance(12)
    reply = answer(twilio, call, "My parcel\nnever arrived")
    assert reply.status_code == 200 and "pass that on" in spoken(reply.data)
    assert all_verbs(reply.data) <= WAIT_VERBS and "Gather" not in all_verbs(reply.data)
    answer(twilio, call, "My parcel never arrived")  # Twilio's retry
    answer(twilio, call, "something else entirely")  # a second answer: the first is kept
    (fact,) = facts(app, "REASON")
    data = json.loads(fact.data)
    assert fact.call_id == call and fact.position == 3 and fact.wait_s == pytest.approx(72)
    assert data["transcript"] == "My parcel never arrived" and data["confidence"] == 0.91
    assert fact.policy == "checkin"


@pytest.mark.parametrize(("confidence", "kept"), [
    ("0.8734126091003418", 0.8734126091003418), ("9.5E-4", 0.00095), ("1", 1.0),
    ("1.5", None), ("-0.1", None), ("high", None), ("nan", None), ("1e999", None)])
def test_the_words_are_kept_whatever_the_confidence_says(asking, clock, confidence, kept):
    """Confidence is only logged beside the words: a float printed in full or with an
    exponent is read, one unreadable or out of range is kept as None; never a 400, which
    would lose the caller's words and count as a failed wait."""
    app, twilio = asking
    waiting(twilio, sid("ann"), 3, clock)
    reply = answer(twilio, sid("ann"), "refund", confidence)
    assert reply.status_code == 200 and "pass that on" in spoken(reply.data)
    (fact,) = facts(app, "REASON")
    data = json.loads(fact.data)
    assert data["transcript"] == "refund" and data["confidence"] == kept


def test_long_speech_is_cut_and_empty_speech_keeps_nothing(asking, clock):
    app, twilio = asking
    waiting(twilio, sid("ann"), 3, clock)
    assert answer(twilio, sid("ann"), "   ").data.count(b"<Say") == 0
    answer(twilio, sid("ann"), "word " * 400, "")  # no Confidence: some models omit it
    (fact,) = facts(app, "REASON")
    data = json.loads(fact.data)
    assert len(data["transcript"]) <= 500 and data["confidence"] is None


def agent(twilio: SignedClient, name: str):
    return twilio.post("/voice/agent?queue=support", {"CallSid": sid(name), "From": "client:a"})


def test_the_agent_hears_the_next_callers_words_wait_and_place_before_the_dial(asking, clock):
    app, twilio = asking
    waiting(twilio, sid("ann"), 1, clock)
    answer(twilio, sid("ann"), "I was charged twice")
    clock.advance(150)
    poll(twilio, sid("ann"), 210, 1)  # still polled: still in line
    reply = agent(twilio, "agent1")
    root = parse(reply.data)
    assert [v.tag for v in root] == ["Say", "Dial"]  # said to the agent, then the Dial
    said = spoken(reply.data)
    assert "I was charged twice" in said and "waiting 4 minutes" in said
    assert "number 1 in line" in said
    (briefed,) = facts(app, "AGENT_BRIEFED")
    assert briefed.call_id == sid("ann")
    assert json.loads(briefed.data)["agent_call_id"] == sid("agent1")
    # the caller is taken by that agent: the CONNECT names the agent that was briefed
    twilio.post("/voice/connect?queue=support", {"CallSid": sid("ann"), "QueueTime": "211",
                                                 "DequeingCallSid": sid("agent1")})
    (connect,) = facts(app, "CONNECT")
    assert json.loads(connect.data)["agent_call_id"] == sid("agent1")


def test_the_agent_hears_the_place_the_caller_was_told_though_the_words_came_first(asking,
                                                                                  clock):
    """Two hosts: the check-in that asked (number 2) was journaled on one and applied after
    the caller's words, stored by the other with the place it knew (their entry, number 5).
    The agent still hears the place the caller was told."""
    app, twilio = asking
    twilio.post("/voice/incoming", {"CallSid": sid("bea"), "From": "+14155550100"})
    poll(twilio, sid("bea"), 0, 5)
    clock.advance(60)
    answer(twilio, sid("bea"), "My parcel never came")
    assert "number 2" in " ".join(spoken(poll(twilio, sid("bea"), 60, 2)).split())
    assert "number 2 in line" in spoken(agent(twilio, "agent1").data)


def test_a_second_agent_is_told_about_the_caller_behind_not_the_same_one(asking, clock):
    app, twilio = asking
    waiting(twilio, sid("ann"), 1, clock)
    answer(twilio, sid("ann"), "refund please")
    clock.advance(5)
    waiting(twilio, sid("bob"), 2, clock)
    answer(twilio, sid("bob"), "new password")
    poll(twilio, sid("ann"), 125, 1)
    first, second = spoken(agent(twilio, "agent1").data), spoken(agent(twilio, "agent2").data)
    assert "refund please" in first and "new password" in second
    assert "We told them" not in first  # no wait was told (too little data): none is said


def test_no_reason_no_briefing_and_the_dial_is_unchanged(asking, clock):
    app, twilio = asking
    waiting(twilio, sid("ann"), 1, clock)  # heard the question, said nothing
    reply = agent(twilio, "agent1")
    assert [v.tag for v in parse(reply.data)] == ["Dial"]
    assert facts(app, "AGENT_BRIEFED") == []


def test_a_caller_who_left_the_line_is_not_the_one_briefed(asking, clock):
    app, twilio = asking
    waiting(twilio, sid("ann"), 1, clock)
    answer(twilio, sid("ann"), "refund please")
    twilio.post("/voice/queue-result?queue=support",
                {"CallSid": sid("ann"), "QueueResult": "hangup", "QueueTime": "70"})
    assert [v.tag for v in parse(agent(twilio, "agent1").data)] == ["Dial"]


CALLBACKS = """
[line]
support_number = "+14155550000"
[queues.support]
policy = "callback"
[queues.support.callback]
ask_reason = true
offer_without_estimate_after_s = 0
"""


def test_a_callback_agent_hears_the_customers_words_before_their_phone_rings(make_app, clock):
    from tests.app.test_voice_contract import request_callback

    app = make_app(CALLBACKS)
    twilio = SignedClient(app.test_client(), AUTH_TOKEN)
    call = sid("ann")
    twilio.post("/voice/incoming", {"CallSid": call, "From": "+14155550100"})
    poll_cb = "/voice/wait?policy=callback&queue=support"
    twilio.post(poll_cb, {"CallSid": call, "QueueTime": "0", "QueuePosition": "1"})
    clock.advance(60)
    document = twilio.post(poll_cb, {"CallSid": call, "QueueTime": "60", "QueuePosition": "1"})
    speech = parse(document.data).findall("Gather")[1]
    assert speech.get("input") == "speech"
    twilio.post(speech.get("action"), {**STANDARD, "CallSid": call,
                                       "SpeechResult": "My router keeps dropping",
                                       "Confidence": "0.7"})
    request_callback(twilio, call, queue_time=75)
    reply = twilio.post("/voice/agent", {"CallSid": sid("agent1"), "To": "+14155550000"})
    root = parse(reply.data)
    assert [v.tag for v in root] == ["Say", "Say", "Dial"] and root.find("Dial/Number") is not None
    assert "they told us: My router keeps dropping" in spoken(reply.data)


def test_a_caller_who_presses_to_keep_waiting_hears_the_question_after_the_thanks(asking, clock):
    app, twilio = asking
    waiting(twilio, sid("ann"), 3, clock)
    clock.advance(10)
    reply = twilio.post(CHOICE, {**STANDARD, "CallSid": sid("ann"), "Digits": "1"})
    assert [g.get("input") for g in parse(reply.data).findall("Gather")] == ["speech"]
    assert "keep your place" in spoken(reply.data)
    assert "what your call is about" in spoken(reply.data)
    answer(twilio, sid("ann"), "refund please")
    assert len(facts(app, "REASON")) == 1


def test_a_caller_who_rang_back_after_a_drop_is_still_briefed_from_the_rejoin_queue(make_app,
                                                                                   clock):
    """They were told "we will pass that on": the agent who takes them from the rejoin queue
    hears their words, as for any caller."""
    app = make_app(ASKING + "[queues.support.resume]\nwithin_s = 300\n")
    twilio = SignedClient(app.test_client(), AUTH_TOKEN)
    waiting(twilio, sid("ann"), 1, clock)
    answer(twilio, sid("ann"), "my parcel never arrived")
    clock.advance(85)
    poll(twilio, sid("ann"), 145, 1)
    clock.advance(5)
    twilio.post("/voice/queue-result?policy=checkin&queue=support",
                {"CallSid": sid("ann"), "QueueResult": "hangup", "QueueTime": "150"})
    clock.advance(15)
    back = twilio.post("/voice/incoming", {"CallSid": sid("ann again"), "From": "+14155550100"})
    twilio.post(parse(back.data).find("Enqueue").get("waitUrl"),
                {"CallSid": sid("ann again"), "QueueTime": "0", "QueuePosition": "1",
                 "CurrentQueueSize": "1"})
    reply = agent(twilio, "agent1")
    assert [v.tag for v in parse(reply.data)] == ["Say", "Dial"]
    assert parse(reply.data).find(".//Queue").text == "support-rejoin"
    assert "my parcel never arrived" in spoken(reply.data)
    (briefed,) = facts(app, "AGENT_BRIEFED")
    assert briefed.call_id == sid("ann")


def test_a_caller_who_presses_a_key_that_does_nothing_still_hears_the_question(asking, clock):
    """Any key ends the first check-in before its question, not only the keep key: after
    "that key does nothing here" the question follows, as it does after the thanks (caller
    audit 34, D8: with key 5 it was never asked)."""
    app, twilio = asking
    waiting(twilio, sid("ann"), 3, clock)
    clock.advance(6)
    reply = twilio.post(CHOICE, {**STANDARD, "CallSid": sid("ann"), "Digits": "5"})
    assert "that key does nothing here" in spoken(reply.data)
    assert [g.get("input") for g in parse(reply.data).findall("Gather")] == ["speech"]
    assert "what your call is about" in spoken(reply.data)
    assert all_verbs(reply.data) <= WAIT_VERBS
    answer(twilio, sid("ann"), "refund please")
    (fact,) = facts(app, "REASON")
    assert json.loads(fact.data)["transcript"] == "refund please"


def test_a_caller_who_takes_the_callback_key_then_stays_still_hears_the_question(make_app,
                                                                                clock):
    """Key 2 in the first check-in cut its question; then the number's read-back timed out
    (or was refused) and the caller stayed in line after "No problem. You keep your place in
    line." without ever being asked: the agent got no reason (caller audit)."""
    app = make_app(CALLBACKS)
    twilio = SignedClient(app.test_client(), AUTH_TOKEN)
    first = waiting(twilio, sid("bea"), 3, clock)
    assert "press 2" in spoken(first)
    clock.advance(6)
    choice = "/voice/choice?policy=callback&queue=support"
    offer = twilio.post(choice, {**STANDARD, "CallSid": sid("bea"), "Digits": "2"})
    gathers = parse(offer.data).findall("Gather")
    assert [g.get("input") for g in gathers] == ["dtmf", "speech"]  # read-back, then owed
    assert "keep your place" in spoken(offer.data)
    assert "what your call is about" in spoken(offer.data)
    assert gathers[1].get("action") == choice and all_verbs(offer.data) <= WAIT_VERBS
    confirm = gathers[0].get("action")
    assert "reason=1" in confirm
    for digits in ("7", "7"):  # a wrong key twice: they stay, and are asked
        reply = twilio.post(confirm, {**STANDARD, "CallSid": sid("bea"), "Digits": digits})
        confirm = (parse(reply.data).find("Gather").get("action")
                   if "again" not in confirm else confirm)
    assert [g.get("input") for g in parse(reply.data).findall("Gather")] == ["speech"]
    assert "what your call is about" in spoken(reply.data)
    twilio.post(choice, {**STANDARD, "CallSid": sid("bea"), "SpeechResult": "my refund",
                         "Confidence": "0.9"})
    assert len(facts(app, "REASON")) == 1


def test_a_callback_flow_after_the_question_was_asked_does_not_ask_it_again(make_app, clock):
    app = make_app(CALLBACKS)
    twilio = SignedClient(app.test_client(), AUTH_TOKEN)
    waiting(twilio, sid("cy"), 3, clock)
    clock.advance(60)
    poll(twilio, sid("cy"), 120, 3)  # the second check-in: the first was heard whole
    offer = twilio.post("/voice/choice?policy=callback&queue=support",
                        {**STANDARD, "CallSid": sid("cy"), "Digits": "2"})
    assert [g.get("input") for g in parse(offer.data).findall("Gather")] == ["dtmf"]
    assert "reason=1" not in parse(offer.data).find("Gather").get("action")


def test_a_callback_refused_at_its_confirmation_asks_the_owed_question_to_be_answered(
        make_app, clock):
    """Confirmed too near closing (the key is judged as it comes), the refusal ends in the
    owed question: its Gather had no action, so the answer went back to the confirmation
    route, which said "No problem" and asked again, and the words were lost (review 43)."""
    from datetime import UTC, datetime, timedelta

    from hold_policies.closing import UNBOUNDED_CLOSING_MARGIN_S

    app = make_app(CALLBACKS + '[queues.support.hours]\ntimezone = "Europe/London"\n'
                   'monday = "08:00-18:00"\n')
    twilio = SignedClient(app.test_client(), AUTH_TOKEN)
    clock.set(datetime(2026, 12, 7, 18, 0, tzinfo=UTC)
              - timedelta(seconds=UNBOUNDED_CLOSING_MARGIN_S + 180))
    assert "press 2" in spoken(waiting(twilio, sid("zed"), 3, clock))
    clock.advance(5)
    choice = "/voice/choice?policy=callback&queue=support"
    offer = twilio.post(choice, {**STANDARD, "CallSid": sid("zed"), "Digits": "2"})
    clock.advance(150)  # the read-back confirmed after the line became too near closing
    refused = twilio.post(parse(offer.data).find("Gather").get("action"),
                          {**STANDARD, "CallSid": sid("zed"), "Digits": "1"})
    assert "close too soon" in spoken(refused.data)
    speech = parse(refused.data).find("Gather")
    assert speech.get("input") == "speech" and speech.get("action") == choice
    answer(twilio, sid("zed"), "my refund")
    assert len(facts(app, "REASON")) == 1
