"""A caller ringing a closed line again, their callback for the opening booked, hears when
the line opens once (a caller audit, 2026-12-07: "We are closed now. We open again today at
10 AM. You already have a call back booked for this number. We open today at 10 AM, and we
will call you back in turn from then.")."""

from __future__ import annotations

import pytest

from app.signed_client import SignedClient
from tests.app.twiml_reading import parse, spoken, top_verbs
from tests.conftest import AUTH_TOKEN
from tests.support.sids import sid

FROM = "+14155550100"


def config(language: str, words: str = "") -> str:
    return f"""
[line]
support_number = "+14155550000"
[queues.support]
policy = "callback"
language = "{language}"
[queues.support.hours]
timezone = "UTC"
monday = "10:00-18:00"
{words}"""


def booked_then_again(app) -> bytes:
    """Monday 09:00 (the test clock): closed until 10:00; book, then ring again."""
    twilio = SignedClient(app.test_client(), AUTH_TOKEN)
    first = twilio.post("/voice/incoming", {"CallSid": sid("CA1"), "From": FROM})
    action = parse(first.data).find(".//Gather").get("action")
    twilio.post(action, {"CallSid": sid("CA1"), "From": FROM, "Digits": "1"})
    return twilio.post("/voice/incoming", {"CallSid": sid("CA2"), "From": FROM}).data


@pytest.mark.parametrize(("language", "opening", "standing"), [
    ("en-US", "today at 10 AM",
     "Thank you for calling. We are closed now. You already have a call back booked for "
     "this number. We open today at 10 AM, and we will call you back in turn from then."),
    ("fr-FR", "aujourd'hui à 10 h",
     "Merci de votre appel. Nous sommes actuellement fermés. Vous avez déjà un rappel "
     "enregistré pour ce numéro. Nous rouvrirons aujourd'hui à 10 h,"),
    ("de-DE", "heute um 10 Uhr",
     "Vielen Dank für Ihren Anruf. Wir haben zurzeit geschlossen. Für diese Nummer ist "
     "bereits ein Rückruf gebucht. Wir öffnen heute um 10 Uhr und"),
    ("nl-NL", "vandaag om 10 uur",
     "Bedankt voor uw telefoontje. We zijn nu gesloten. U heeft al een terugbelafspraak "
     "voor dit nummer. We openen vandaag om 10 uur,"),
])
def test_the_opening_is_said_once_to_a_caller_whose_callback_stands(make_app, language,
                                                                     opening, standing):
    again = booked_then_again(make_app(config(language)))
    said = spoken(again)
    assert said.startswith(standing), said
    assert said.count(opening) == 1, said
    assert top_verbs(again) == ["Say", "Say", "Say", "Hangup"]


def test_standing_words_without_the_opening_keep_the_greeting_that_says_it(make_app):
    words = '[queues.support.hours.words]\nalready_booked = "Your call back still stands."\n'
    said = spoken(booked_then_again(make_app(config("en-US", words))))
    assert said.startswith("Thank you for calling. We are closed now. We open again today at "
                           "10 AM. Your call back still stands."), said
