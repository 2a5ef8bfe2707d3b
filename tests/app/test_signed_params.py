"""SignedParams feeds RequestValidator faster; the signature must be Twilio's own, bit for bit."""

from __future__ import annotations

import pytest
from twilio.request_validator import RequestValidator
from werkzeug.datastructures import ImmutableMultiDict

from app.security import SignedParams

URL = "https://example.com/voice/wait?episode=1&queue=support"
VALIDATOR = RequestValidator("0123456789abcdef0123456789abcdef")


@pytest.mark.parametrize("params", [
    {},
    {"CallSid": "CA" + "1" * 32, "From": "+14155550100", "QueueTime": "45"},
    {"SpeechResult": "naïve café — ✓", "Digits": "", "Z": "z", "A": "a"},
])
def test_a_dict_signs_as_the_validator_signs_it(params):
    assert (VALIDATOR.compute_signature(URL, SignedParams(params))
            == VALIDATOR.compute_signature(URL, dict(params)))


def test_a_form_with_a_repeated_name_signs_every_value_as_twilio_does():
    form = ImmutableMultiDict([("To", "+1"), ("Digits", "2"), ("Digits", "1"), ("Digits", "2")])
    signed = VALIDATOR.compute_signature(URL, SignedParams(form))
    assert signed == VALIDATOR.compute_signature(URL, form)
    assert signed != VALIDATOR.compute_signature(URL, ImmutableMultiDict(
        [("To", "+1"), ("Digits", "2")]))  # the second value is part of what is signed
