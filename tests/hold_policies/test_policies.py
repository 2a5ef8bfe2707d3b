"""Unit tests of each policy: what a caller hears when, and what keys do."""

from __future__ import annotations

from hold_policies import (
    CallbackPolicy,
    CheckinPolicy,
    Choice,
    Leave,
    MusicAdsPolicy,
    OfferKeys,
    Pause,
    Play,
    SegmentKind,
    SilencePolicy,
    Situation,
    Voice,
    WaitEstimate,
)
from hold_policies.durations import segment_duration_s
from hold_policies.promise import AttemptPlan
from hold_policies.prompts import Prompts


def situation(**changes) -> Situation:
    values = {"queue": "support", "call_id": "CA1", "position": 3, "waited_s": 0.0,
              "queue_size": 5}
    return Situation(**{**values, **changes})


def said(segment) -> str:
    texts = []
    for step in segment.steps:
        inner = step.prompt if isinstance(step, OfferKeys) else (step,)
        texts += [s.text for s in inner if hasattr(s, "text")]
    return " ".join(texts)


def test_silence_is_one_pause_of_the_segment_length_and_offers_no_keys():
    segment = SilencePolicy(segment_s=45).next_segment(situation(waited_s=300))
    assert segment.steps == (Pause(45),)
    assert segment.kind is SegmentKind.SILENCE and not segment.is_announcement


def test_silence_with_comfort_noise_plays_the_named_clip_for_the_segment():
    segment = SilencePolicy(comfort_noise="comfort_noise").next_segment(situation())
    assert segment.steps == (Play("comfort_noise", expected_s=60.0),)


def test_checkin_stays_silent_until_the_first_interval_then_checks_in():
    policy = CheckinPolicy(interval_s=60)
    early = policy.next_segment(situation(waited_s=1))
    assert early.steps == (Pause(59),)
    due = policy.next_segment(situation(waited_s=58))
    assert due.kind is SegmentKind.CHECKIN
    assert "Sorry to keep you waiting" in said(due) and "number 3 in line" in said(due)


def test_checkin_repeats_after_the_interval_and_fills_the_minute_with_silence():
    policy = CheckinPolicy(interval_s=60)
    after = policy.next_segment(situation(waited_s=100, since_announcement_s=40))
    assert after.steps == (Pause(20),)
    again = policy.next_segment(situation(waited_s=121, since_announcement_s=61))
    assert again.kind is SegmentKind.CHECKIN
    assert isinstance(again.steps[-1], Pause)
    assert abs(segment_duration_s(again) - 60) <= 1.5


def test_checkin_says_next_in_line_at_position_one():
    text = said(CheckinPolicy().next_segment(situation(waited_s=60, position=1)))
    assert "You are next in line" in text and "number 1" not in text


def test_checkin_announces_a_band_at_or_above_the_upper_estimate():
    estimate = WaitEstimate(expected_s=200, upper_s=310, departures_seen=30)
    segment = CheckinPolicy().next_segment(situation(waited_s=60, estimate=estimate))
    assert "within 7 minutes" in said(segment)
    assert segment.announced_wait_s == 420 >= estimate.upper_s
    assert segment.announced_position == 3


def test_checkin_says_no_wait_at_all_without_an_estimate():
    segment = CheckinPolicy().next_segment(situation(waited_s=60))
    assert "expect" not in said(segment) and "minute" not in said(segment)
    assert segment.announced_wait_s is None


def test_checkin_offers_keep_waiting_key_and_silence_means_keep_waiting():
    segment = CheckinPolicy(keep_key="5").next_segment(situation(waited_s=60))
    gather = segment.steps[0]
    assert isinstance(gather, OfferKeys) and gather.keys == ("5",)
    assert "press 5" in said(segment) and "stay on the line" in said(segment)
    assert not any(isinstance(step, Leave) for step in segment.steps)


def test_checkin_keys_turn_into_decisions():
    policy = CheckinPolicy()
    assert policy.on_key(situation(), "1").choice is Choice.KEEP_WAITING
    unknown = policy.on_key(situation(), "9")
    assert unknown.choice is Choice.UNKNOWN and "keep your place" in said(unknown.segment)


def test_callback_offer_only_when_the_estimate_passes_the_threshold():
    policy = CallbackPolicy(offer_after_estimate_s=300)
    short = WaitEstimate(expected_s=60, upper_s=120, departures_seen=20)
    long = WaitEstimate(expected_s=400, upper_s=700, departures_seen=20)
    plain = policy.next_segment(situation(waited_s=60, estimate=short))
    offer = policy.next_segment(situation(waited_s=60, estimate=long))
    assert plain.kind is SegmentKind.CHECKIN and "call you back" not in said(plain)
    assert offer.kind is SegmentKind.CALLBACK_OFFER and offer.offered_keys == ("1", "2")
    assert "press 2" in said(offer) and "within 15 minutes" in said(offer)


def test_callback_offer_without_estimate_waits_for_the_fallback_time():
    policy = CallbackPolicy(offer_without_estimate_after_s=180)
    assert policy.next_segment(situation(waited_s=60)).kind is SegmentKind.CHECKIN
    later = policy.next_segment(situation(waited_s=181, since_announcement_s=61))
    assert later.kind is SegmentKind.CALLBACK_OFFER
    assert "when your turn comes" in said(later)


def test_callback_key_confirms_honestly_then_leaves_the_queue():
    estimate = WaitEstimate(expected_s=400, upper_s=700, departures_seen=20)
    bare = CallbackPolicy(promise=AttemptPlan(target=None))  # the wait's band, unsized
    decision = bare.on_key(situation(estimate=estimate), "2")
    assert decision.choice is Choice.CALLBACK
    assert decision.segment.steps[-1] == Leave()
    assert "within 15 minutes" in said(decision.segment)
    assert decision.promised_wait_s == 900
    sized = CallbackPolicy().on_key(situation(estimate=estimate), "2")  # room for a retry
    assert "within 20 minutes" in said(sized.segment) and sized.promised_wait_s == 1200


def test_music_ads_plays_music_then_the_legacy_message_every_interval():
    policy = MusicAdsPolicy(message_every_s=60)
    first = policy.next_segment(situation(waited_s=1))
    assert first.kind is SegmentKind.MUSIC and first.steps == (Play("hold_music", 60.0),)
    later = policy.next_segment(situation(waited_s=61))
    assert later.kind is SegmentKind.AD and "Your call is important" in said(later)
    assert later.is_announcement


def test_company_words_voice_and_language_are_used():
    prompts = Prompts(apology="We are so sorry.", position="Place {position}.")
    policy = CheckinPolicy(voice=Voice("Polly.Amy", "en-GB"), prompts=prompts)
    segment = policy.next_segment(situation(waited_s=60))
    say = segment.steps[0].prompt[0]
    assert say.text.startswith("We are so sorry. Place 3.")
    assert (say.voice, say.language) == ("Polly.Amy", "en-GB")


def test_default_words_contain_no_advert_outside_music_ads():
    for policy in (SilencePolicy(), CheckinPolicy(), CallbackPolicy()):
        texts = said(policy.welcome()) + said(policy.next_segment(situation(waited_s=60)))
        assert "website" not in texts and "important to us" not in texts


def test_a_wait_past_an_hour_is_said_in_plain_english():
    """The open-ended band used to be read as "within more than an hour"."""
    long = WaitEstimate(expected_s=3000, upper_s=5000, departures_seen=20)
    checkin = CheckinPolicy().next_segment(situation(waited_s=60, estimate=long))
    offer = CallbackPolicy(offer_after_estimate_s=300).next_segment(
        situation(waited_s=60, estimate=long))
    confirm = CallbackPolicy(promise=AttemptPlan(target=None)).on_key(
        situation(estimate=long), "2")
    for segment in (checkin, offer, confirm.segment):
        assert "when your turn comes, which may take more than an hour" in said(segment)
        assert "within more than" not in said(segment)
        assert "in more than an hour" not in said(segment)  # heard as a delay before trying

