"""Signed webhooks with hostile content: each gets valid TwiML or a 4xx that says why.

Findings of a hostile-environment session (correctly signed requests whose parameters,
query strings and headers no real Twilio request carries)."""

from __future__ import annotations

import logging

import pytest

from app.signed_client import SignedClient
from tests.app.twiml_reading import parse
from tests.conftest import AUTH_TOKEN
from tests.support.sids import sid

CONFIG = """
[line]
support_number = "+14155550000"
[queues.support]
policy = "callback"
language = "de-DE"
"""
CALLER = sid("hostile-webhooks")
TOO_MANY_DIGITS = "9" * 4400  # past Python's 4,300-digit guard on int()


@pytest.fixture
def twilio(make_app) -> SignedClient:
    return SignedClient(make_app(CONFIG).test_client(), AUTH_TOKEN)


def test_a_new_caller_is_enqueued_whatever_episode_the_url_says(twilio, caplog):
    with caplog.at_level(logging.ERROR):
        answer = twilio.post(f"/voice/incoming?queue=support&episode={TOO_MANY_DIGITS}",
                             {"CallSid": CALLER, "From": "+14155550123"})
    assert answer.status_code == 200
    assert parse(answer.data).find("Enqueue").text == "support"
    assert not caplog.records


@pytest.mark.parametrize("path, form", [
    (f"/voice/wait?policy=callback&queue=support&episode={TOO_MANY_DIGITS}",
     {"QueueTime": "30", "QueuePosition": "2"}),
    (f"/voice/choice?policy=callback&queue=support&window={TOO_MANY_DIGITS}",
     {"Digits": "1"}),
], ids=["episode", "window"])
def test_a_count_too_long_to_read_is_no_count_and_no_failure(twilio, caplog, path, form):
    with caplog.at_level(logging.ERROR):
        answer = twilio.post(path, {"CallSid": CALLER, **form})
    assert answer.status_code == 200 and answer.mimetype == "text/xml"
    assert not caplog.records  # answered as a URL without it, not from the safety net


def test_a_keyed_number_with_a_try_count_too_long_to_read_is_a_400_naming_it(twilio, caplog):
    with caplog.at_level(logging.ERROR):
        answer = twilio.post(f"/voice/callback/entry?policy=callback&queue=support"
                             f"&tries={TOO_MANY_DIGITS}", {"CallSid": CALLER, "Digits": "1"})
    assert answer.status_code == 400 and b"query parameter tries" in answer.data
    assert not caplog.records
