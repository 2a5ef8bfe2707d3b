"""Thanks for waiting only after a wait, in the queue's language (hold_policies.connecting)."""

from __future__ import annotations

import pytest

from hold_policies.base import Voice
from hold_policies.connecting import THANKS_AFTER_S, connecting_words
from hold_policies.languages import BUILT_IN
from hold_policies.prompts import Prompts, prompts_in


def test_thanks_only_after_the_threshold_or_when_the_wait_is_not_known():
    prompts, voice = Prompts(), Voice()
    assert connecting_words(prompts, voice, 0.0) == "Connecting you to an agent now."
    assert connecting_words(prompts, voice, THANKS_AFTER_S - 0.1) == (
        "Connecting you to an agent now.")
    for waited_s in (THANKS_AFTER_S, 300.0, None):
        assert connecting_words(prompts, voice, waited_s) == prompts.connecting
        assert prompts.connecting.startswith("Thank you for waiting.")


@pytest.mark.parametrize("code", sorted(BUILT_IN))
def test_the_quick_words_are_the_queues_language_and_thank_nobody(code):
    said = connecting_words(prompts_in(BUILT_IN[code]), Voice(language=code), 1.0)
    assert said == BUILT_IN[code].text("connecting_now")
    assert "thank" not in said.lower()
    waited = connecting_words(prompts_in(BUILT_IN[code]), Voice(language=code), 60.0)
    assert waited == prompts_in(BUILT_IN[code]).connecting  # the language's own thanks


def test_an_operators_connecting_is_theirs_for_every_caller():
    own = Prompts(connecting="Le pasamos con un agente.")
    assert connecting_words(own, Voice(language="es-ES"), 0.0) == "Le pasamos con un agente."
