"""A menu key of "#" or "*" reaches the app as that key.

Config accepts any of 0-9, * and # for the keys a caller is offered. Twilio's <Gather> ends on
its finishOnKey, "#" unless told otherwise, and leaves that key out of Digits: a one-key menu
offering "#" with the default would post nothing (no digits, no actionOnEmptyResult), and the
key the caller was told to press would do nothing. Every one-key <Gather> the app renders
therefore sets finishOnKey="" (Twilio: "0-9, #, *, and '' (the empty string)"), and a "#"
posted as Digits is acted on like any other key.
"""

from __future__ import annotations

import pytest

from app.signed_client import SignedClient
from tests.app.test_callbacks import CONFIG as CALLBACK_LINE
from tests.app.test_callbacks import callback_rows, enter
from tests.app.test_opening_hours import BOOKED_WORDS, SATURDAY
from tests.app.test_opening_hours import CONFIG as CLOSED_LINE
from tests.app.test_voice_contract import wait_form
from tests.app.twiml_reading import parse, spoken
from tests.conftest import AUTH_TOKEN
from tests.support.sids import sid

HASH_FOR_CALLBACK = CALLBACK_LINE + 'callback_key = "#"\nkeep_key = "*"\n'
"""test_callbacks' line (its [queues.support.callback] table last) offering # and *."""
WAIT = "/voice/wait?policy=callback&queue=support"
CHOICE = "/voice/choice?policy=callback&queue=support"


def one_key_gathers(document: bytes) -> list:
    return [g for g in parse(document).iter("Gather") if g.get("numDigits") == "1"]


@pytest.fixture
def hash_line(make_app):
    app = make_app(HASH_FOR_CALLBACK)
    return app, SignedClient(app.test_client(), AUTH_TOKEN)


def test_the_offer_of_hash_ends_on_no_key_and_hash_asks_for_the_callback(hash_line, clock):
    app, twilio = hash_line
    ca = sid("hash")
    enter(twilio, ca, clock)
    clock.advance(70)
    offer = twilio.post(WAIT, wait_form(ca, queue_time=70)).data
    assert "press #" in spoken(offer).lower()
    (gather,) = one_key_gathers(offer)
    assert gather.get("finishOnKey") == ""  # else Twilio swallows the "#" it offers
    asked = twilio.post(gather.get("action"), {**wait_form(ca, queue_time=75), "Digits": "#"})
    (confirm,) = one_key_gathers(asked.data)
    assert confirm.get("finishOnKey") == "" and "call you back" in spoken(asked.data)
    booked = twilio.post(confirm.get("action"), {**wait_form(ca, queue_time=80), "Digits": "1"})
    assert "We will call you back" in spoken(booked.data)
    assert [row["call_id"] for row in callback_rows(app)] == [ca]


def test_star_as_the_keep_key_keeps_the_caller_waiting(hash_line, clock):
    app, twilio = hash_line
    ca = sid("star")
    enter(twilio, ca, clock)
    clock.advance(70)
    twilio.post(WAIT, wait_form(ca, queue_time=70))
    kept = twilio.post(CHOICE, {**wait_form(ca, queue_time=75), "Digits": "*"})
    assert kept.status_code == 200 and "does nothing" not in spoken(kept.data)
    assert callback_rows(app) == []


def test_a_closed_line_offering_hash_books_on_hash(make_app, clock):
    clock.set(SATURDAY)
    app = make_app(CLOSED_LINE + 'callback_key = "#"\n')
    twilio = SignedClient(app.test_client(), AUTH_TOKEN)
    closed = twilio.post("/voice/incoming", {"CallSid": sid("c1"), "From": "+14155550100"})
    (gather,) = one_key_gathers(closed.data)
    assert gather.get("finishOnKey") == "" and "press #" in spoken(closed.data).lower()
    reply = twilio.post(gather.get("action"), {"CallSid": sid("c1"), "From": "+14155550100",
                                               "Digits": "#"})
    assert BOOKED_WORDS in spoken(reply.data)
