"""The callback policy's offer names its window on the segment, and a key pressed on it is
confirmed that window whatever the estimate has become (audit C, item 1)."""

from __future__ import annotations

from dataclasses import replace

from hold_policies.base import Choice
from hold_policies.callback import CallbackPolicy
from hold_policies.situation import Situation, WaitEstimate
from hold_policies.steps import SegmentKind

SLOW = WaitEstimate(expected_s=600, upper_s=840, departures_seen=20)


def offer_at(estimate: WaitEstimate | None) -> Situation:
    return Situation(queue="support", call_id="CA1", position=3, waited_s=60, queue_size=3,
                     estimate=estimate)


def test_the_offer_names_the_window_it_says():
    policy = CallbackPolicy(offer_after_estimate_s=60)
    segment = policy.next_segment(offer_at(SLOW))
    assert segment.kind is SegmentKind.CALLBACK_OFFER
    minutes = round(segment.offered_window_s / 60)
    assert f"call you back within {minutes} minutes" in segment.steps[0].prompt[0].text


def test_a_key_on_the_offer_is_confirmed_the_window_offered_even_with_no_estimate_now():
    policy = CallbackPolicy(offer_after_estimate_s=60)
    offered = policy.next_segment(offer_at(SLOW)).offered_window_s
    pressed = replace(offer_at(None), offered_window_s=offered)  # the estimate is gone
    decision = policy.on_key(pressed, "2")
    assert decision.choice is Choice.CALLBACK and decision.promised_wait_s == offered
    assert f"within {round(offered / 60)} minutes" in decision.segment.steps[0].text


def test_an_offer_with_no_window_names_none():
    policy = CallbackPolicy(offer_without_estimate_after_s=0)
    segment = policy.next_segment(offer_at(None))
    assert segment.kind is SegmentKind.CALLBACK_OFFER and segment.offered_window_s is None
