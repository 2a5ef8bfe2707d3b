"""Issue 16 item 1 at the policy: the position said never rises, and may be said only on change."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from hold_policies import CallbackPolicy, CheckinPolicy
from hold_policies.config import CheckinConfig
from tests.hold_policies.test_policies import said, situation


def checkin(policy: CheckinPolicy, **changes):
    return policy.next_segment(situation(waited_s=600, since_announcement_s=90, **changes))


def test_a_caller_moved_back_hears_no_position_rather_than_a_higher_one():
    segment = checkin(CheckinPolicy(), position=8, told_position=7)
    assert "number" not in said(segment) and segment.announced_position is None
    assert "Sorry to keep you waiting" in said(segment)  # the check-in itself still comes


def test_a_caller_who_moved_up_hears_the_new_position():
    segment = checkin(CheckinPolicy(), position=5, told_position=7)
    assert "number 5 in line" in said(segment) and segment.announced_position == 5


def test_when_changed_only_an_unchanged_position_is_left_out_but_the_head_is_always_told():
    policy = CheckinPolicy(position_only_when_changed=True)
    assert checkin(policy, position=4, told_position=4).announced_position is None
    assert checkin(policy, position=3, told_position=4).announced_position == 3
    head = checkin(policy, position=1, told_position=1)
    assert "You are next in line" in said(head) and head.announced_position == 1


def test_the_callback_policy_keeps_the_same_promise():
    policy = CallbackPolicy(offer_without_estimate_after_s=0)
    segment = checkin(policy, position=9, told_position=3)
    assert segment.announced_position is None and "number" not in said(segment)


def test_the_setting_is_a_validated_config_key_off_by_default():
    assert CheckinConfig().position_only_when_changed is False
    assert CheckinConfig(position_only_when_changed=True).position_only_when_changed


@given(positions=st.lists(st.integers(1, 50), min_size=1, max_size=40),
       when_changed=st.booleans())
def test_any_sequence_of_true_positions_is_told_without_ever_going_up(positions, when_changed):
    """Feed the policy the caller's real position at each check-in, remembering what it said
    the way the call log does (the lowest so far): what it says never rises."""
    policy = CheckinPolicy(position_only_when_changed=when_changed)
    told, spoken = None, []
    for position in positions:
        segment = checkin(policy, position=position, told_position=told)
        if segment.announced_position is not None:
            assert segment.announced_position == position  # never bent, only left out
            spoken.append(segment.announced_position)
            told = min(told or position, position)
    assert spoken == sorted(spoken, reverse=True)
