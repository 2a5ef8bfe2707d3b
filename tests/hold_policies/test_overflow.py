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
from tests.hold_policies.test_policies import said

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


LEAVE = replace(RULES, after_offer="leave")


def offered_at(waited_s: float, offer_s: float, **extra) -> Situation:
    """`waited_s` in line, the offer (the last announcement) made at `offer_s`."""
    return Situation("support", "CA1", 4, waited_s, 9, announcements=3,
                     since_announcement_s=waited_s - offer_s, **extra)


@pytest.mark.parametrize("name", sorted(POLICY_CLASSES))
@pytest.mark.parametrize("digit", ["1", "9"])
def test_where_the_offer_ends_the_wait_no_key_says_you_keep_your_place(name, digit):
    """With `after_offer = "leave"`, a key pressed where the next document is the offer again
    (its <Leave/> ends the wait) hears so and the offer's keys once more, then the goodbye:
    "Thank you. You keep your place in line." had come before that goodbye."""
    policy = with_overflow(POLICY_CLASSES[name](), LEAVE)
    situation = offered_at(605.0, 599.5)  # the offer not yet counted as heard (QueueTime
    assert policy.next_segment(situation).kind is SegmentKind.OVERFLOW_OFFER  # lags a second)
    decision = policy.on_key(situation, digit)
    keeps = digit == "1" and name in ("checkin", "callback")  # the keep key of check-ins
    words = ("Sorry, we cannot keep you waiting any longer." if keeps
             else "Sorry, that key does nothing here.")
    text = said(decision.segment)
    assert "keep your place in line." not in text.replace("keeping your place in line", "")
    assert text.startswith(words + " Press 2 and we will call you back")
    assert "Press 3 to leave a message" in text
    assert text.endswith("Please call again a little later. Goodbye.")
    assert isinstance(decision.segment.steps[0], OfferKeys)
    assert decision.segment.steps[0].keys == ("2", "3")
    assert isinstance(decision.segment.steps[-1], Leave)
    assert decision.choice is (Choice.KEEP_WAITING if keeps else Choice.UNKNOWN)
    assert decision.segment.kind is SegmentKind.OVERFLOW_OFFER  # logged as the offer made


@pytest.mark.parametrize("rules", [LEAVE, RULES], ids=["leave", "keep_waiting"])
def test_where_the_caller_waits_on_the_policys_own_answer_stands(rules):
    """Once the offer is heard a check-in queue's caller waits on (check-ins with its keys),
    and with `keep_waiting` always: "You keep your place in line." is true there."""
    policy = with_overflow(POLICY_CLASSES["checkin"](), rules)
    situation = offered_at(605.0, 600.0)
    assert policy.next_segment(situation).kind is not SegmentKind.OVERFLOW_OFFER
    assert policy.on_key(situation, "1") == POLICY_CLASSES["checkin"]().on_key(situation, "1")
    assert policy.on_key(situation, "9") == POLICY_CLASSES["checkin"]().on_key(situation, "9")
    if rules is RULES:
        early = offered_at(605.0, 599.5)
        assert policy.on_key(early, "9") == POLICY_CLASSES["checkin"]().on_key(early, "9")


def test_a_withheld_caller_pressing_the_message_key_is_not_told_they_keep_their_place():
    policy = with_overflow(POLICY_CLASSES["checkin"](), LEAVE)
    decision = policy.on_key(offered_at(605.0, 599.5, caller_id_callable=False), "3")
    text = said(decision.segment)
    assert text.startswith("Sorry, that key does nothing here. Press 2")
    assert "leave a message" not in text and isinstance(decision.segment.steps[-1], Leave)


@pytest.mark.parametrize("name", ["silence", "music_ads"])
@pytest.mark.parametrize("digit", ["1", "9"])
def test_silence_and_music_past_a_leave_offer_never_say_you_keep_your_place(name, digit):
    """Once the offer was heard their next document is a pause, and the offer that ends the
    wait comes after it: "You keep your place in line." had been said first (review 40, R2)."""
    policy = with_overflow(POLICY_CLASSES[name](), LEAVE)
    situation = offered_at(605.0, 600.0)  # the offer heard: a pause comes next
    assert not any(isinstance(step, Leave) for step in policy.next_segment(situation).steps)
    decision = policy.on_key(situation, digit)
    text = said(decision.segment)
    assert "keep your place" not in text
    assert text.startswith("Sorry, that key does nothing here. Press 2 and we will call you")
    assert isinstance(decision.segment.steps[-1], Leave)
    assert decision.segment.kind is SegmentKind.OVERFLOW_OFFER


@pytest.mark.parametrize("name", ["checkin", "callback"])
def test_check_ins_past_a_heard_leave_offer_keep_their_answer(name):
    """A check-in policy's caller who stayed past the offer hears check-ins with its keys,
    never the leave: their policy's answer is true and stands."""
    policy = with_overflow(POLICY_CLASSES[name](), LEAVE)
    situation = offered_at(605.0, 600.0)
    assert said(policy.on_key(situation, "1").segment) == said(
        POLICY_CLASSES[name]().on_key(situation, "1").segment)
