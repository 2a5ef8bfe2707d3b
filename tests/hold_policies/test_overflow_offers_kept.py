"""The overflow offers only what it can keep for this caller (audit C5): a message is a
callback to the caller's own number, so a withheld caller is not offered one (in line they
may still key in a number for a callback), and at queue-full, where both choices call back
the caller ID, a withheld caller is offered neither."""

from __future__ import annotations

from dataclasses import replace

import pytest

from hold_policies.base import Choice
from hold_policies.factory import POLICY_CLASSES
from hold_policies.overflow import with_overflow
from hold_policies.overflow_rules import Overflow
from hold_policies.situation import Situation
from hold_policies.steps import Leave, OfferKeys, SegmentKind

RULES = Overflow(max_wait_s=600, callback_key="2", voicemail_key="3")


def withheld(waited_s: float, **more: object) -> Situation:
    return Situation("support", "CA1", 4, waited_s, 9, caller_id_callable=False, **more)


def said(segment) -> str:
    gather = segment.steps[0]
    assert isinstance(gather, OfferKeys)
    return " ".join(step.text for step in gather.prompt)


@pytest.mark.parametrize("name", sorted(POLICY_CLASSES))
def test_a_withheld_caller_past_the_maximum_wait_is_offered_the_callback_not_a_message(name):
    policy = with_overflow(POLICY_CLASSES[name](), RULES)
    offer = policy.next_segment(withheld(600))
    assert offer.kind is SegmentKind.OVERFLOW_OFFER and offer.offered_keys == ("2",)
    assert offer.steps[0].keys == ("2",)
    assert "Press 2" in said(offer) and "leave a message" not in said(offer)
    assert policy.on_key(withheld(610), "2").choice is Choice.CALLBACK  # a keyed-in number


def test_a_withheld_callers_later_checkins_carry_the_callback_and_no_message():
    policy = with_overflow(POLICY_CLASSES["checkin"](), RULES)
    later = policy.next_segment(withheld(660, announcements=2, since_announcement_s=60))
    assert later.kind is SegmentKind.CHECKIN and "2" in later.offered_keys
    assert "3" not in later.offered_keys and "leave a message" not in said(later)


def test_a_withheld_caller_pressing_for_a_message_anyway_keeps_their_place():
    policy = with_overflow(POLICY_CLASSES["silence"](), RULES)
    decision = policy.on_key(withheld(610), "3")
    assert decision.choice is Choice.KEEP_WAITING
    assert not any(isinstance(step, Leave) for step in decision.segment.steps)
    assert "cannot take a message" in decision.segment.steps[0].text


def test_with_only_a_message_on_offer_a_withheld_caller_keeps_the_policys_own_segments():
    plain = POLICY_CLASSES["checkin"]()
    policy = with_overflow(plain, replace(RULES, callback_key=None))
    assert policy.next_segment(withheld(600)) == plain.next_segment(withheld(600))


def test_at_queue_full_a_withheld_caller_is_offered_nothing_it_cannot_call_back():
    assert RULES.full_offer(POLICY_CLASSES["checkin"]().voice, None,
                            caller_id_callable=False) is None
    assert RULES.full_offer(POLICY_CLASSES["checkin"]().voice, None).offered_keys == ("2", "3")


def test_a_caller_whose_number_can_be_called_is_offered_both_as_before():
    policy = with_overflow(POLICY_CLASSES["checkin"](), RULES)
    offer = policy.next_segment(Situation("support", "CA1", 4, 600, 9))
    assert offer.offered_keys == ("2", "3")
    assert policy.on_key(Situation("support", "CA1", 4, 610, 9), "3").choice is Choice.VOICEMAIL


def test_while_the_log_does_not_answer_the_callback_policy_offers_no_callback():
    from hold_policies.callback import CallbackPolicy
    policy = CallbackPolicy(offer_without_estimate_after_s=0)
    answered = policy.next_segment(Situation("support", "CA1", 3, 60, 3))
    assert answered.kind is SegmentKind.CALLBACK_OFFER and "2" in answered.offered_keys
    outage = policy.next_segment(Situation("support", "CA1", 3, 60, 3, log_answered=False))
    assert outage.kind is SegmentKind.CHECKIN and "2" not in outage.offered_keys
    assert "call you back" not in said(outage)


@pytest.mark.parametrize("name", sorted(POLICY_CLASSES))
def test_while_the_log_does_not_answer_the_overflow_offers_nothing(name):
    plain = POLICY_CLASSES[name]()
    policy = with_overflow(plain, RULES)
    outage = Situation("support", "CA1", 4, 600, 9, log_answered=False)
    segment = policy.next_segment(outage)
    assert segment.kind is not SegmentKind.OVERFLOW_OFFER
    assert not set(segment.offered_keys) & {"2", "3"}
