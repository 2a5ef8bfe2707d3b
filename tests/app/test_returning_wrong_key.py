"""A caller ringing back about their callback who presses a key that does nothing hears only
that (a caller audit, 2026-12-07: "Sorry, that key does nothing here. You keep your place in
line." was said to a caller in no line at all on this call)."""

from __future__ import annotations

import pytest

from app.signed_client import SignedClient
from tests.app.test_callbacks import CONFIG, callback_rows, enter
from tests.app.test_voice_contract import request_callback
from tests.app.twiml_reading import parse, spoken
from tests.conftest import AUTH_TOKEN
from tests.support.sids import sid

FROM = "+14155550100"


def ring_back_and_press(app, clock, digit: str) -> str:
    twilio = SignedClient(app.test_client(), AUTH_TOKEN)
    enter(twilio, sid("CA1"), clock)
    request_callback(twilio, sid("CA1"))
    assert [row["status"] for row in callback_rows(app)] == ["pending"]
    clock.advance(60)
    asked = twilio.post("/voice/incoming", {"CallSid": sid("CA2"), "From": FROM})
    action = parse(asked.data).find(".//Gather").get("action")
    return spoken(twilio.post(action, {"CallSid": sid("CA2"), "From": FROM,
                                       "Digits": digit}).data)


@pytest.mark.parametrize(("language", "wrong_key", "place"), [
    ("en-US", "Sorry, that key does nothing here. Welcome back.", "place in line"),
    ("fr-FR", "Désolés, cette touche n'a aucune fonction ici. Merci de nous rappeler.",
     "votre place"),
    ("de-DE", "Leider hat diese Taste hier keine Funktion. Willkommen zurück.", "Ihren Platz"),
])
def test_a_wrong_key_ringing_back_claims_no_place_in_line(make_app, clock, language,
                                                          wrong_key, place):
    app = make_app(CONFIG.replace('policy = "callback"',
                                  f'policy = "callback"\nlanguage = "{language}"'))
    said = ring_back_and_press(app, clock, "7")
    assert said.startswith(wrong_key), said
    assert place not in said, said
    assert [row["status"] for row in callback_rows(app)] == ["pending"]  # still booked


def test_a_queues_own_wrong_key_words_are_said(make_app, clock):
    app = make_app(CONFIG + """
[queues.support.hours]
timezone = "UTC"
monday = "00:00-24:00"
[queues.support.hours.words]
wrong_key = "That key is not one of ours."
""")
    assert ring_back_and_press(app, clock, "9").startswith("That key is not one of ours. ")
