"""The caller's reason (issue 16 item 9): asked once, in the first check-in, only if wanted."""

from __future__ import annotations

import pytest

from hold_policies.config import ConfigError, QueueConfig, parse_config
from hold_policies.durations import segment_duration_s, step_duration_s
from hold_policies.factory import build_policy
from hold_policies.situation import Situation
from hold_policies.steps import AskSpeech, OfferKeys, Pause


def first_checkin(waited_s: float = 60.0, **seen: object) -> Situation:
    return Situation(queue="support", call_id="CA1", position=3, waited_s=waited_s,
                     queue_size=3, **seen)


def policy(kind: str = "checkin", **knobs: object):
    return build_policy(QueueConfig.model_validate({"policy": kind, kind: knobs}))


def test_off_by_default_nothing_is_asked():
    segment = policy().next_segment(first_checkin())
    assert not segment.asks_reason
    assert not any(isinstance(step, AskSpeech) for step in segment.steps)


@pytest.mark.parametrize("kind", ["checkin", "callback"])
def test_the_first_checkin_asks_after_its_keys_and_keeps_the_interval(kind):
    plain = policy(kind).next_segment(first_checkin())
    asking = policy(kind, ask_reason=True, reason_timeout_s=6).next_segment(first_checkin())
    gather, question, rest = asking.steps
    assert isinstance(gather, OfferKeys) and isinstance(question, AskSpeech)
    assert isinstance(rest, Pause) and asking.asks_reason
    assert question.timeout_s == 6 and question.language == "en-US"
    assert "what your call is about" in question.prompt[0].text
    # the question costs listening time, taken from the silence: the poll comes as before
    assert rest.seconds < plain.steps[-1].seconds
    assert abs(segment_duration_s(asking) - segment_duration_s(plain)) <= 1
    assert step_duration_s(question) > question.timeout_s


def test_a_later_checkin_never_asks_again_with_or_without_the_log():
    asking = policy(ask_reason=True)
    logged = first_checkin(120.0, announcements=1, since_announcement_s=60.0)
    assert not asking.next_segment(logged).asks_reason
    # no log (database outage): announcements look like 0, the time in line tells
    assert not asking.next_segment(first_checkin(120.0)).asks_reason
    assert asking.next_segment(first_checkin(58.0)).asks_reason


def test_the_reason_language_and_hints_reach_the_step():
    question = policy(ask_reason=True, reason_language="en-GB",
                      reason_hints="refund, delivery").next_segment(first_checkin()).steps[1]
    assert question.language == "en-GB" and question.hints == "refund, delivery"


@pytest.mark.parametrize(("knobs", "named"), [
    ({"ask_reason": "sometimes"}, "ask_reason"),
    ({"reason_timeout_s": 0}, "reason_timeout_s"),
    ({"reason_speech_end_s": 11}, "reason_speech_end_s"),
    ({"reason_max_speech_s": 61}, "reason_max_speech_s"),
    ({"reason_language": "English"}, "reason_language"),
    ({"reason_hints": "x" * 101}, "reason_hints"),
    ({"reason_prompt": "hi"}, "reason_prompt"),
])
def test_bad_reason_settings_name_the_key(knobs, named):
    with pytest.raises(ConfigError) as error:
        parse_config({"queues": {"support": {"checkin": knobs}}})
    assert f"queues.support.checkin.{named}" in str(error.value)


def test_reason_words_are_prompts_and_the_agent_words_belong_to_the_queue():
    config = parse_config({"queues": {"support": {"prompts": {
        "reason_question": "What is it about?", "agent_caller_reason": "{reason} ({minutes})"}}}})
    assert config.queues["support"].prompts.reason_question == "What is it about?"
    with pytest.raises(ConfigError, match="agent_caller_reason"):
        parse_config({"queues": {"support": {"variants": {"short": {
            "policy": "checkin", "prompts": {"agent_caller_reason": "{reason}"}}}}}})
    with pytest.raises(ConfigError, match="unknown placeholder"):
        parse_config({"queues": {"support": {"prompts": {"reason_thanks": "{transcript}"}}}})


def test_a_key_pressed_in_the_first_checkin_is_thanked_then_the_question_follows():
    asking = policy(ask_reason=True)
    first = asking.on_key(first_checkin(70.0, announcements=1, since_announcement_s=10.0), "1")
    assert first.segment.asks_reason and first.choice.value == "keep_waiting"
    later = asking.on_key(first_checkin(130.0, announcements=2, since_announcement_s=10.0), "1")
    assert not later.segment.asks_reason
    assert asking.on_key(first_checkin(70.0, announcements=1), "7").segment.asks_reason
    assert not policy().on_key(first_checkin(70.0, announcements=1), "1").segment.asks_reason
    assert asking.on_key(first_checkin(70.0), "1").segment.asks_reason  # no log: by time
    assert not asking.on_key(first_checkin(130.0), "1").segment.asks_reason


@pytest.mark.parametrize(("kind", "digit", "heard"), [
    ("checkin", "1", "keep your place"), ("checkin", "7", "that key does nothing here"),
    ("callback", "7", "that key does nothing here"),
    ("callback", "2", "we close too soon to promise you a call back")])
def test_any_key_that_leaves_the_caller_in_the_first_checkin_is_followed_by_the_question(
        kind, digit, heard):
    """The key cut the first check-in's question short; the caller still waits, so it is
    asked after what the key says (a refused callback near closing too)."""
    after = first_checkin(66.0, announcements=1, since_announcement_s=6.0, closes_in_s=60.0)
    said = policy(kind, ask_reason=True).on_key(after, digit).segment
    assert heard in said.steps[0].text and said.asks_reason
    later = first_checkin(126.0, announcements=2, since_announcement_s=6.0, closes_in_s=60.0)
    assert not policy(kind, ask_reason=True).on_key(later, digit).segment.asks_reason
