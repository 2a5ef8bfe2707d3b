"""The welcome opens the first wait document (hold_policies.welcome), and its own speaking
time never pushes the first check-in later: it still comes `first_checkin_s` after joining."""

from __future__ import annotations

import pytest

from hold_policies.callback import CallbackPolicy
from hold_policies.checkin import CheckinPolicy
from hold_policies.durations import segment_duration_s, step_duration_s
from hold_policies.music_ads import MusicAdsPolicy
from hold_policies.prompts import Prompts
from hold_policies.silence import SilencePolicy
from hold_policies.situation import Situation
from hold_policies.steps import OfferKeys, Pause, Say, SegmentKind
from hold_policies.welcome import WELCOME_WITHIN_S, first_document, is_first_document


def joining(**fields) -> Situation:  # noqa: ANN003
    """A caller's first poll: as they join, at the head of an empty line."""
    return Situation(**{"queue": "support", "call_id": "CA1", "position": 1, "waited_s": 0.0,
                        "queue_size": 1, **fields})


@pytest.mark.parametrize("policy", [SilencePolicy(), CheckinPolicy(), CallbackPolicy(),
                                    MusicAdsPolicy()], ids=lambda p: p.name)
def test_the_first_document_opens_with_the_policys_welcome_and_keeps_its_own_kind(policy):
    heard, own = first_document(policy, joining())
    welcome = policy.welcome().steps
    assert heard.steps[:len(welcome)] == welcome and isinstance(welcome[0], Say)
    assert heard.steps[len(welcome):] == own.steps
    assert heard.kind is own.kind and not heard.is_announcement  # the welcome is no check-in
    assert "helping other callers" not in " ".join(
        s.text for s in own.steps if isinstance(s, Say))


@pytest.mark.parametrize("first_s", [None, 30, 45, 90, 300])
def test_the_first_check_in_comes_first_checkin_s_after_joining_not_later(first_s):
    policy = CheckinPolicy(interval_s=60, first_checkin_s=first_s)
    welcome_s = segment_duration_s(policy.welcome())
    assert welcome_s > 10  # the default welcome: long enough to have pushed it late
    heard, _ = first_document(policy, joining())
    assert heard.kind is SegmentKind.SILENCE
    assert heard.steps[-1] == Pause(round(min(policy.first_s - welcome_s, 60)))
    at_s = segment_duration_s(heard)  # Twilio asks again as each document ends
    while (segment := policy.next_segment(joining(waited_s=at_s))).kind is SegmentKind.SILENCE:
        at_s += segment_duration_s(segment)
    assert segment.kind is SegmentKind.CHECKIN
    assert abs(at_s - policy.first_s) <= 1.0


def test_a_check_in_due_within_the_welcome_follows_it_at_once():
    policy = CheckinPolicy(interval_s=60, first_checkin_s=0)
    heard, own = first_document(policy, joining())
    assert own.kind is SegmentKind.CHECKIN and heard.kind is SegmentKind.CHECKIN
    assert isinstance(heard.steps[0], Say) and isinstance(heard.steps[1], OfferKeys)
    # the check-in's rest still fills its interval from the check-in on
    assert heard.steps[1:] == own.steps


def test_an_operators_welcome_is_timed_by_its_own_length():
    short = CheckinPolicy(prompts=Prompts(welcome="Hello."), interval_s=60)
    heard, _ = first_document(short, joining())
    said_s = step_duration_s(Say("Hello."))
    assert heard.steps == (Say("Hello."), Pause(round(60 - said_s)))


def test_an_empty_welcome_costs_nothing():
    quiet = CheckinPolicy(prompts=Prompts(welcome=""), interval_s=60)
    heard, _ = first_document(quiet, joining())
    assert segment_duration_s(heard) == pytest.approx(60, abs=1.0)


@pytest.mark.parametrize(("queue_time_s", "polls", "first"), [
    (0, None, True), (1, None, True), (WELCOME_WITHIN_S - 1, None, True),
    (WELCOME_WITHIN_S, None, False), (60, None, False),
    (0, 1, True),  # the first poll counted (or a retry of it: counted once)
    (0, 0, True),  # counted nowhere yet
    (3, 2, False),  # a key's answer ended a document early: the log has seen a poll before
    (60, 1, False),  # the log's count came late (a poll journaled): QueueTime says so
])
def test_which_request_is_the_first(queue_time_s, polls, first):
    assert is_first_document(queue_time_s, polls) is first
