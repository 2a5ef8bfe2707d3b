"""Issue 16 items 4-5, the policy layer: past the maximum wait every policy serves the same
overflow offer, its keys mean a callback or a message, and nothing changes without one."""

from __future__ import annotations

import pickle
from dataclasses import replace

import pytest

from hold_policies.base import Choice
from hold_policies.callback import CallbackPolicy, with_plan
from hold_policies.config import CallbacksConfig, parse_config
from hold_policies.factory import POLICY_CLASSES, build_policy
from hold_policies.overflow import Overflowing, callback_key_of, overflow_of, with_overflow
from hold_policies.overflow_rules import Overflow
from hold_policies.situation import Situation
from hold_policies.steps import Leave, OfferKeys, Pause, SegmentKind

RULES = Overflow(max_wait_s=600, callback_key="2", voicemail_key="3")


def at(waited_s: float) -> Situation:
    return Situation("support", "CA1", 4, waited_s, 9)


@pytest.mark.parametrize("name", sorted(POLICY_CLASSES))
def test_every_policy_keeps_its_own_segments_until_the_maximum_then_offers(name):
    plain = POLICY_CLASSES[name]()
    policy = with_overflow(plain, RULES)
    assert isinstance(policy, type(plain)) and isinstance(policy, Overflowing)
    assert policy.next_segment(at(599)) == plain.next_segment(at(599))
    offer = policy.next_segment(at(600))
    assert offer.kind is SegmentKind.OVERFLOW_OFFER and offer.offered_keys == ("2", "3")
    assert offer.voicemail_key == "3" and isinstance(offer.steps[0], OfferKeys)
    assert isinstance(offer.steps[-1], Pause)  # keep_waiting: silence, then the offer again
    assert policy.on_key(at(610), "3").choice is Choice.VOICEMAIL
    assert isinstance(policy.on_key(at(610), "3").segment.steps[-1], Leave)
    assert policy.on_key(at(610), "2").choice is Choice.CALLBACK
    assert pickle.loads(pickle.dumps(policy)) == policy and hash(policy) == hash(policy)


def test_a_callback_policy_keeps_its_promise_plan_and_its_own_callback():
    policy = with_plan(with_overflow(CallbackPolicy(), RULES), CallbacksConfig())
    assert isinstance(policy, CallbackPolicy) and overflow_of(policy) == RULES
    decision = policy.on_key(at(610), "2")
    assert decision.choice is Choice.CALLBACK
    assert decision == CallbackPolicy().on_key(at(610), "2")  # the policy's own words
    assert callback_key_of(policy) == "2"


def test_leave_after_the_offer_ends_the_wait_and_a_missing_key_is_not_offered():
    policy = with_overflow(POLICY_CLASSES["silence"](), replace(RULES, after_offer="leave",
                                                                voicemail_key=None))
    offer = policy.next_segment(at(700))
    assert offer.offered_keys == ("2",) and isinstance(offer.steps[-1], Leave)
    assert "leave a message" not in offer.steps[0].prompt[0].text
    assert policy.on_key(at(700), "3").choice is Choice.UNKNOWN


def test_without_an_overflow_table_build_policy_is_unchanged():
    config = parse_config({"queues": {"support": {"policy": "checkin"}}})
    policy = build_policy(config.queues["support"])
    assert not isinstance(policy, Overflowing) and overflow_of(policy) is None


def test_the_table_becomes_the_rules_with_the_queue_size():
    config = parse_config({"line": {"support_number": "+14155550000"}, "queues": {"support": {
        "max_size": 40, "overflow": {"when_full": True, "voicemail": True, "callback": False,
                                     "words": {"full": "All lines are busy."}}}}})
    rules = overflow_of(build_policy(config.queues["support"]))
    assert rules.queue_size == 40 and rules.callback_key is None and rules.voicemail_key == "3"
    assert rules.max_wait_s is None and rules.words.full == "All lines are busy."


@pytest.mark.parametrize("name", sorted(POLICY_CLASSES))
def test_a_keyed_in_number_is_said_back_in_the_confirmation_of_every_policy(name):
    """The caller who keyed another number hears that number, never "the number you are
    calling from"; without one, the caller's own number is meant."""
    policy = with_plan(with_overflow(POLICY_CLASSES[name](), RULES), CallbacksConfig())
    keyed = replace(at(610), callback_number="2 1 2 5 5 5 0 1 9 9")
    [said] = [step for step in policy.on_key(keyed, "2").segment.steps if hasattr(step, "text")]
    assert "call you back at 2 1 2 5 5 5 0 1 9 9" in said.text and "{" not in said.text
    assert "calling from" not in said.text
    [own] = [step for step in policy.on_key(at(610), "2").segment.steps if hasattr(step, "text")]
    assert "the number you are calling from" in own.text
