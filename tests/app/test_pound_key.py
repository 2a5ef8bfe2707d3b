"""The # key in the caller's English: an American caller keying in a number to call back, or
leaving a message, is told to press the "pound key"; holdwell's English elsewhere (and a
British queue) says "hash key". Every default said "hash key", which American callers
(the default `en-US`) do not call it (caller audit)."""

from __future__ import annotations

import pytest

from app.signed_client import SignedClient
from hold_policies.languages import BUILT_IN, language_of
from hold_policies.overflow_rules import overflow_words_in
from hold_policies.prompts import prompts_in
from tests.app.test_callbacks import CHOICE, CONFIG, enter
from tests.app.test_voice_contract import wait_form
from tests.app.twiml_reading import spoken
from tests.conftest import AUTH_TOKEN
from tests.support.sids import sid


@pytest.mark.parametrize(("language", "key"), [("en-US", "pound key"), ("en-us", "pound key"),
                                               ("en-GB", "hash key"), ("en", "hash key")])
def test_a_caller_keying_in_a_number_hears_their_name_for_the_key(make_app, clock, language,
                                                                   key):
    app = make_app(CONFIG.replace('policy = "callback"\n',
                                  f'policy = "callback"\nlanguage = "{language}"\n', 1))
    twilio = SignedClient(app.test_client(), AUTH_TOKEN)
    enter(twilio, sid("CA1"), clock, caller="anonymous")
    offer = twilio.post(CHOICE, {**wait_form(sid("CA1"), 70), "Digits": "2",
                                 "From": "anonymous"})
    said = spoken(offer.data)
    assert "key in the number we should call" in said and f"press the {key}." in said
    assert ("hash" if key == "pound key" else "pound") not in said


def test_the_message_prompts_say_pound_in_american_english_only():
    american = overflow_words_in(language_of("en-US"))
    british = overflow_words_in(language_of("en-GB"))
    for name in ("message_prompt", "message_unsure"):
        assert "pound key" in getattr(american, name)
        assert getattr(american, name).replace("pound", "hash") == getattr(british, name)


def test_an_operators_own_words_win_and_the_rest_stay_english():
    american = prompts_in(language_of("en-US"), callback_number_entry="Key it in, then #.")
    assert american.callback_number_entry == "Key it in, then #."
    assert american.apology == prompts_in(language_of("en-GB")).apology  # English's own
    assert language_of("en-US").fixed == BUILT_IN["en"].fixed
    assert not language_of("en-US").own_defaults  # English: config check asks nothing more
