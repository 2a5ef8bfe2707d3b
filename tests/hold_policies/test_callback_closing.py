"""Near closing time the callback policy promises nothing the line cannot keep: callbacks are
never placed while it is closed (hold_policies.callback's rules)."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from hold_policies import (
    CallbackPolicy,
    CheckinPolicy,
    Choice,
    Leave,
    SegmentKind,
    Situation,
    WaitEstimate,
)
from hold_policies.closing import ANSWER_MARGIN_S, UNBOUNDED_CLOSING_MARGIN_S
from hold_policies.config import parse_config
from hold_policies.factory import build_policy
from hold_policies.overflow import with_overflow
from hold_policies.overflow_rules import Overflow
from hold_policies.promise import AttemptPlan
from hold_policies.prompts import Prompts
from tests.hold_policies.test_policies import said

BARE = CallbackPolicy(promise=AttemptPlan(target=None))  # the window is the wait's band
THIRTY = WaitEstimate(expected_s=900.0, upper_s=1700.0, departures_seen=20)  # within 30 min
SORRY = Prompts().callback_closing_soon


def due(closes_in_s: float | None, **changes) -> Situation:
    """A caller whose first check-in is due, `closes_in_s` before the line closes."""
    values = {"queue": "support", "call_id": "CA1", "position": 3, "waited_s": 60.0,
              "queue_size": 5, "estimate": THIRTY, "closes_in_s": closes_in_s}
    return Situation(**{**values, **changes})


def offered(policy: CallbackPolicy, situation: Situation) -> bool:
    segment = policy.next_segment(situation)
    assert segment.kind in (SegmentKind.CHECKIN, SegmentKind.CALLBACK_OFFER)
    return segment.kind is SegmentKind.CALLBACK_OFFER and "2" in segment.offered_keys


def refused(policy: CallbackPolicy, situation: Situation) -> bool:
    """The callback key kept the caller in line with the honest words, promising nothing."""
    decision = policy.on_key(situation, "2")
    if decision.choice is Choice.CALLBACK:
        return False
    assert decision.choice is Choice.KEEP_WAITING and decision.promised_wait_s is None
    assert decision.segment.kind is SegmentKind.ACKNOWLEDGE
    assert not any(isinstance(step, Leave) for step in decision.segment.steps)
    closed = situation.closes_in_s == 0  # still in line after closing: said so
    assert said(decision.segment) == (Prompts().callback_closed if closed else SORRY)
    return True


def test_ten_minutes_before_closing_a_30_minute_window_is_neither_offered_nor_confirmed():
    late = due(closes_in_s=600)
    assert not offered(BARE, late) and refused(BARE, late)
    assert "call you back" not in said(BARE.next_segment(late))
    assert "Sorry to keep you waiting" in said(BARE.next_segment(late))  # the check-in stays
    for closes_in_s in (1800 + ANSWER_MARGIN_S, 7200, None):  # ends by closing even when
        on_time = due(closes_in_s=closes_in_s)  # taken a minute on, or no hours at all
        assert offered(BARE, on_time) and not refused(BARE, on_time)
        decision = BARE.on_key(on_time, "2")
        assert decision.promised_wait_s == 1800 and "within 30 minutes" in said(decision.segment)
    just = due(closes_in_s=1800)  # the key is judged as it comes: ends at closing, kept
    assert not offered(BARE, just) and not refused(BARE, just)


def test_the_sized_window_is_the_one_that_must_end_by_closing():
    policy = CallbackPolicy()  # the window sized for the target, above the wait's band
    window_s = policy.window(due(None)).seconds
    assert window_s is not None and window_s > 1800
    assert not offered(policy, due(window_s - 1)) and refused(policy, due(window_s - 1))
    assert not offered(policy, due(window_s)) and not refused(policy, due(window_s))
    taken = due(window_s + ANSWER_MARGIN_S)  # offered only if it holds when taken
    assert offered(policy, taken) and not refused(policy, taken)


def test_an_offer_taken_within_a_minute_is_never_refused_for_closing():
    """Whatever the time left, a callback offered at a check-in is confirmed to the caller
    who takes it up to ANSWER_MARGIN_S later: one offered at 16:59:50 had been refused 15 s
    later with "we close too soon" (caller audit)."""
    for policy, estimate in ((BARE, THIRTY), (CallbackPolicy(), THIRTY),
                             (CallbackPolicy(offer_without_estimate_after_s=0), None)):
        for closes_in_s in range(0, 7300, 5):
            at_offer = due(float(closes_in_s), estimate=estimate)
            if not offered(policy, at_offer):
                continue
            window = policy.window(at_offer)  # carried to the key in the action's URL
            answered = due(closes_in_s - ANSWER_MARGIN_S, estimate=estimate,
                           offered_window_s=window.seconds if window else None)
            assert not refused(policy, answered), (policy, closes_in_s)


def test_a_closed_line_offers_no_callback_at_all():
    quick = due(0.0, estimate=WaitEstimate(30.0, 50.0, 20), position=1)
    policy = CallbackPolicy(offer_after_estimate_s=0)
    assert offered(policy, due(None, estimate=quick.estimate, position=1))
    assert not offered(policy, quick) and refused(policy, quick)


def test_without_an_estimate_the_line_must_stay_open_an_hour():
    assert UNBOUNDED_CLOSING_MARGIN_S == 3600
    policy = CallbackPolicy(offer_without_estimate_after_s=300)
    short = due(3599.0, estimate=None, waited_s=400.0)
    assert not offered(policy, short) and refused(policy, short)
    assert not refused(policy, due(3600.0, estimate=None, waited_s=400.0))
    assert not offered(policy, due(3600.0, estimate=None, waited_s=400.0))  # none when taken
    enough = due(3600.0 + ANSWER_MARGIN_S, estimate=None, waited_s=400.0)
    assert offered(policy, enough)
    assert "when your turn comes" in said(policy.on_key(enough, "2").segment)


@pytest.mark.parametrize("policy", [BARE, CallbackPolicy()])
def test_an_unbounded_promise_needs_the_turn_to_come_before_closing(policy):
    """'More than an hour', or no window said (announce_wait off): the callback must come
    before closing with the plan's target (no target: the upper estimate must fit)."""
    long = WaitEstimate(expected_s=3000.0, upper_s=5000.0, departures_seen=20,
                        cautious_rate_per_s=3 / 3000)
    assert policy.window(due(None, estimate=long)).minutes is None
    assert not offered(policy, due(4000.0, estimate=long))
    assert refused(policy, due(4000.0, estimate=long))
    assert offered(policy, due(20_000.0, estimate=long))
    assert "which may take more than an hour" in said(
        policy.on_key(due(20_000.0, estimate=long), "2").segment)
    silent = CallbackPolicy(announce_wait=False, promise=policy.promise)
    assert not offered(silent, due(4000.0, estimate=long))
    assert offered(silent, due(20_000.0, estimate=long))


def test_with_overflow_the_refusal_stands_and_its_offer_keeps_the_same_rule():
    """The overflow's own callback ("when your turn comes", no window) answers its own offer
    only, and like any callback with no window it needs the line open an hour: ten minutes
    before closing the offer leaves it out and the key books nothing (the policy's own
    segments go on when nothing else is on offer)."""
    policy = with_overflow(BARE, Overflow(max_wait_s=600, callback_key="2"))
    assert refused(policy, due(600.0))
    assert refused(policy, due(600.0, waited_s=610.0))
    assert policy.next_segment(due(600.0, waited_s=610.0)).kind is not SegmentKind.OVERFLOW_OFFER
    for open_for in (None, 3600.0 + ANSWER_MARGIN_S):  # still an hour once taken
        offer = policy.next_segment(due(open_for, waited_s=610.0))
        assert offer.kind is SegmentKind.OVERFLOW_OFFER and offer.offered_keys == ("2",)
        past_max = policy.on_key(due(open_for, waited_s=610.0), "2")
        assert past_max.choice is Choice.CALLBACK  # the policy's own (its window fits)
    messages = with_overflow(BARE, Overflow(max_wait_s=600, callback_key="2",
                                             voicemail_key="3"))
    near = messages.next_segment(due(600.0, waited_s=610.0))
    assert near.kind is not SegmentKind.OVERFLOW_OFFER  # a message is a callback too
    assert messages.on_key(due(600.0, waited_s=610.0), "3").choice is Choice.KEEP_WAITING
    assert messages.overflow.full_offer(messages.voice, 600.0) is None
    assert messages.overflow.full_offer(messages.voice, None).offered_keys == ("2", "3")


@pytest.mark.parametrize("closes_in_s", [60.0, 0.0])
def test_the_overflows_own_key_before_its_offer_is_heard_books_nothing(closes_in_s):
    """An overflow whose callback key differs from the policy's: pressed before the offer
    was heard (and near or past closing) it was a callback "when your turn comes"."""
    policy = with_overflow(BARE, Overflow(max_wait_s=1800, callback_key="4"))
    early = policy.on_key(due(closes_in_s, waited_s=120.0), "4")
    assert early.choice is not Choice.CALLBACK
    assert policy.on_key(due(None, waited_s=1810.0), "4").choice is Choice.CALLBACK


def test_past_closing_the_overflows_callback_key_says_the_line_has_closed():
    """Still in line after closing, past the maximum wait: the overflow's callback key had
    said "we close too soon" an hour after closing, as the policy's own key had."""
    policy = with_overflow(BARE, Overflow(max_wait_s=600, callback_key="4"))
    pressed = policy.on_key(due(0.0, waited_s=3600.0), "4")
    assert pressed.choice is Choice.KEEP_WAITING
    assert said(pressed.segment) == Prompts().callback_closed


def test_the_queue_can_word_it_and_the_config_says_when_its_line_closes():
    config = parse_config({
        "queues": {"support": {"policy": "callback", "prompts": {
            "callback_closing_soon": "We shut at six, so no call back today: stay on the line."},
            "hours": {"timezone": "Europe/London", "monday": "08:00-18:00"}},
            "other": {"policy": "callback"}},
        "line": {"support_number": "+14155550000"}})
    policy = build_policy(config.queues["support"])
    decision = policy.on_key(due(600.0), "2")
    assert said(decision.segment) == "We shut at six, so no call back today: stay on the line."
    monday_ten_to_six = datetime(2026, 12, 7, 17, 50, tzinfo=UTC)  # GMT
    assert config.closes_in_s("support", monday_ten_to_six) == 600
    assert config.closes_in_s("support", datetime(2026, 12, 7, 19, 0, tzinfo=UTC)) == 0
    assert config.closes_in_s("other", monday_ten_to_six) is None


@pytest.mark.parametrize("policy", [BARE, CheckinPolicy(), CallbackPolicy()])
def test_a_check_in_after_closing_time_says_the_line_has_closed_and_nothing_before(policy):
    """One pure rule for the live app, the emulator and the fast engine (caller audit 37,
    C1): the check-in goes on after closing, saying so after its apology, offering no
    callback; before closing, and on a line without hours, it says nothing of closing."""
    closed = said(policy.next_segment(due(closes_in_s=0)))
    assert closed.startswith(f"{Prompts().apology} {Prompts().closed_while_waiting} ")
    assert "call you back" not in closed
    for closes_in_s in (1.0, 600, None):
        assert "closed" not in said(policy.next_segment(due(closes_in_s=closes_in_s)))
