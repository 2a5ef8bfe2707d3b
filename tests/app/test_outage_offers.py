"""Audit C5, the outage: while the call log does not answer a poll, the check-in offers no
callback and the overflow no callback or message, since none could be stored (a caller had
been offered "press 2 and we will call you back" at every check-in, and told "we cannot
arrange a call back just now" at every press). A press anyway is still refused, never
confirmed unstored, and the offer comes back with the database."""

from __future__ import annotations

from contextlib import nullcontext

from app.signed_client import SignedClient
from tests.app.test_overflow_offers_kept import LINE as OVERFLOW
from tests.app.test_overflow_voicemail import RECORDING, messages
from tests.app.twiml_reading import parse, spoken, top_verbs
from tests.conftest import AUTH_TOKEN
from tests.support.locked_sqlite import locked_sqlite
from tests.support.request_budget import request_budget
from tests.support.sids import sid

CALLBACK = """
[line]
support_number = "+14155550000"
[queues.support]
policy = "callback"
[queues.support.callback]
offer_without_estimate_after_s = 0
"""
FROM = "+14155550123"


def caller_waits(make_app, config: str, policy: str):
    app = make_app(config)
    twilio = SignedClient(app.test_client(), AUTH_TOKEN)
    caller = {"CallSid": sid("CA1"), "From": FROM}
    twilio.post("/voice/incoming", caller)
    wait = f"/voice/wait?policy={policy}&queue=support"

    def poll(queue_time: int, outage: str | None = None):
        with (locked_sqlite(outage, "EXCLUSIVE") if outage else nullcontext(),
              request_budget(app, 0.2)):
            reply = twilio.post(wait, {**caller, "QueueTime": str(queue_time),
                                       "QueuePosition": "3", "CurrentQueueSize": "3"})
        assert reply.status_code == 200 and parse(reply.data) is not None
        return " ".join(spoken(reply.data).split())

    def press(digit: str, outage: str | None = None):
        with (locked_sqlite(outage, "EXCLUSIVE") if outage else nullcontext(),
              request_budget(app, 0.2)):
            reply = twilio.post(f"/voice/choice?policy={policy}&queue=support",
                                {**caller, "Digits": digit})
        assert reply.status_code == 200
        return reply

    def replayed() -> None:  # the database is back: the journal's backlog is applied
        store = app.extensions["holdwell"].store
        store.runner.down_until = 0.0  # past the breaker's moment
        store.replay()
        assert not store.journal.has_backlog()

    poll(0)
    poll.replayed = replayed
    return poll, press


def test_a_checkin_in_an_outage_offers_no_callback_and_the_next_one_after_it_does(
        make_app, sqlite_url, clock):
    poll, press = caller_waits(make_app, CALLBACK, "callback")
    clock.advance(60)
    during = poll(60, outage=sqlite_url)
    assert "press 1" in during  # the check-in itself, its keep key
    assert "press 2" not in during and "call you back" not in during
    refused = press("2", outage=sqlite_url)  # pressed anyway: refused, they keep their place
    assert "cannot arrange a call back" in spoken(refused.data)
    assert "Leave" not in top_verbs(refused.data)
    poll.replayed()
    clock.advance(60)
    after = poll(120)
    assert "press 2 and we will call you back" in after


def test_a_refused_callback_names_no_time_the_next_offer_may_not_keep(make_app, sqlite_url,
                                                                      clock):
    """A queue checking in every 5 minutes offers the callback again in 5 minutes at the
    soonest (and not at all while the log is away): "you can ask again in a minute" (every
    built-in language) sent a caller to press 2 into silence (caller audit)."""
    every_five = CALLBACK + "interval_s = 300\nfirst_checkin_s = 60\n"
    poll, press = caller_waits(make_app, every_five, "callback")
    clock.advance(60)
    poll(60, outage=sqlite_url)
    refused = " ".join(spoken(press("2", outage=sqlite_url).data).split())
    assert "cannot arrange a call back" in refused
    assert "minute" not in refused and "ask again later" in refused


def test_past_the_maximum_wait_in_an_outage_no_callback_or_message_is_offered(
        make_app, sqlite_url, clock):
    poll, _ = caller_waits(make_app, OVERFLOW, "checkin")
    clock.advance(600)
    during = poll(600, outage=sqlite_url)
    assert during, "the caller still hears the policy's own words"
    assert "Press 2" not in during and "Press 3" not in during
    assert "call you back" not in during
    poll.replayed()
    clock.advance(60)
    after = poll(660)
    assert "Press 2" in after and "Press 3" in after


def test_at_queue_full_in_an_outage_only_the_message_is_offered_and_it_is_kept(
        make_app, sqlite_url):
    """The queue-full offer had been made whole while the call log was away, and a press for
    the callback then refused (review 37, R9): with the queue result journaled, the callback
    (never confirmed unstored) is left out; the message stays, since its recording is
    journaled like any write, and lands once the database is back."""
    app = make_app(OVERFLOW)
    twilio = SignedClient(app.test_client(), AUTH_TOKEN)
    caller = {"CallSid": sid("CAfull1"), "From": FROM}
    twilio.post("/voice/incoming", caller)

    def during(url: str, form: dict):
        with locked_sqlite(sqlite_url, "EXCLUSIVE"), request_budget(app, 0.2):
            reply = twilio.post(url, {**caller, **form})
        assert reply.status_code == 200 and parse(reply.data) is not None
        return reply

    offer = during("/voice/queue-result?policy=checkin&queue=support",
                   {"QueueResult": "queue-full"})
    said = " ".join(spoken(offer.data).split())
    assert "our line is full" in said and "Press 3" in said
    assert "Press 2" not in said and "call you back at the number" not in said
    choice = parse(offer.data).find("Gather").get("action")
    refused = during(choice, {"Digits": "2"})  # left out of the offer: a wrong key there,
    again = " ".join(spoken(refused.data).split())  # and left out of the offer made again
    assert again.startswith("Sorry, that key does nothing here.") and "Press 3" in again
    assert "Press 2" not in again and "call you back at the number" not in again
    wrong = during(choice, {"Digits": "9"})
    assert "Press 2" not in spoken(wrong.data) and "Press 3" in spoken(wrong.data)
    recording = during(choice, {"Digits": "3"})
    assert "Record" in top_verbs(recording.data)
    kept = during("/voice/voicemail/recorded?queue=support", {
        "RecordingUrl": RECORDING, "RecordingSid": sid("msg", "RE"),
        "RecordingDuration": "14", "Digits": "#"})
    assert "We have your message" in spoken(kept.data)
    store = app.extensions["holdwell"].store
    store.runner.down_until = 0.0
    store.replay()
    assert [m["recording_sid"] for m in messages(app)] == [sid("msg", "RE")]
    after = twilio.post("/voice/queue-result?policy=checkin&queue=support",
                        {"CallSid": sid("CAfull2"), "From": FROM, "QueueResult": "queue-full"})
    assert "Press 2" in spoken(after.data) and "Press 3" in spoken(after.data)
