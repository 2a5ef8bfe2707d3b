"""A check-in past the wait bands says the open-ended wait once (a caller audit,
2026-12-07: "We expect to answer you when your turn comes, which may take more than an
hour. ... Or press 2 and we will call you back when your turn comes, which may take more
than an hour, keeping your place in line.")."""

from __future__ import annotations

import pytest

from hold_policies import CallbackPolicy
from hold_policies.base import Voice
from hold_policies.languages import language_of
from hold_policies.prompts import prompts_in
from hold_policies.situation import Situation, WaitEstimate
from hold_policies.steps import OfferKeys

PAST_THE_BANDS = WaitEstimate(3000, 5000, 30)


def said(policy: CallbackPolicy, estimate: WaitEstimate) -> str:
    segment = policy.checkin(Situation("support", "CA1", 4, 60, 9, estimate))
    gathers = [s for s in segment.steps if isinstance(s, OfferKeys)]
    assert gathers[0].keys == ("1", "2")  # the callback is still offered
    return " ".join(p.text for g in gathers for p in g.prompt)


@pytest.mark.parametrize("tag", ["en-US", "es-ES", "fr-FR", "de-DE", "nl-NL", "it-IT",
                                 "pt-BR"])
def test_the_open_ended_wait_is_said_once_in_a_check_in(tag):
    language = language_of(tag)
    policy = CallbackPolicy(voice=Voice(language=tag), prompts=prompts_in(language),
                            offer_after_estimate_s=60)
    text = said(policy, PAST_THE_BANDS)
    open_ended = language.open_ended.replace("{wait}", language.over_an_hour)
    assert text.count(open_ended) == 1, text
    offer = policy.prompts.callback_offer_no_estimate.replace("{callback_key}", "2")
    assert text.endswith(offer), text


def test_without_the_wait_sentence_the_offer_still_says_how_long():
    """An operator who says no wait in check-ins (wait = "") still hears it in the offer."""
    policy = CallbackPolicy(prompts=prompts_in(language_of("en"), wait=""),
                            offer_after_estimate_s=60)
    text = said(policy, PAST_THE_BANDS)
    assert "call you back when your turn comes, which may take more than an hour" in text
