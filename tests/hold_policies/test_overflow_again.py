"""Past the maximum wait, after the offer was heard (a review listening as callers found the
same offer repeated word for word every minute, and check-ins gone: no more position or
wait), and the queue-full offer promising a place the caller never had."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from hold_policies import CallbackPolicy, CheckinPolicy, MusicAdsPolicy, SilencePolicy
from hold_policies.base import Voice
from hold_policies.durations import segment_duration_s
from hold_policies.overflow import with_overflow
from hold_policies.overflow_rules import QUIET_REPEAT_MOST_S, Overflow
from hold_policies.situation import Situation, WaitEstimate
from hold_policies.steps import OfferKeys, Play, SegmentKind

RULES = Overflow(max_wait_s=600, callback_key="2", voicemail_key="3", repeat_s=90)
ESTIMATE = WaitEstimate(expected_s=400, upper_s=700, departures_seen=30)


def said(segment) -> str:
    gathers = [s for s in segment.steps if isinstance(s, OfferKeys)]
    texts = [p.text for g in gathers for p in g.prompt] + [
        s.text for s in segment.steps if hasattr(s, "text")]
    return " ".join(texts)


def timeline(policy, until_s: float = 1500) -> list[tuple[float, object]]:
    """What a caller who never presses hears, document by document, as the app would ask
    (announcements counted and timed as the call log keeps them)."""
    waited, heard, announced, last, out = 0.0, 0, 0, None, []
    while waited < until_s:
        since = None if last is None else waited - last
        segment = policy.next_segment(Situation(
            "support", "CA1", 4, waited, 9, ESTIMATE, heard, announced, since))
        out.append((waited, segment))
        heard += 1
        if segment.is_announcement:
            announced, last = announced + 1, waited
        waited += max(segment_duration_s(segment), 1.0)
    return out


@pytest.mark.parametrize("policy_class", [SilencePolicy, MusicAdsPolicy])
def test_without_check_ins_the_offer_comes_again_at_doubling_gaps_with_thanks_not_the_apology(
        policy_class):
    """A caller who chose silence had the same menu read every `repeat_s` (an audit: every
    minute, for as long as they held); now it comes again after `repeat_s`, then at twice
    the gap before, at most every QUIET_REPEAT_MOST_S: rarer and rarer, never gone."""
    offers = [(t, s) for t, s in timeline(with_overflow(policy_class(), RULES), 2700)
              if s.kind is SegmentKind.OVERFLOW_OFFER]
    first, *again = offers
    assert "waited so long" in said(first[1])
    for _, segment in again:
        text = said(segment)
        assert text.startswith("Thank you for staying with us.") and "so long" not in text
        assert segment.offered_keys == ("2", "3") and not segment.apologises
    gaps = [b[0] - a[0] for a, b in zip(offers, offers[1:], strict=False)]
    assert len(gaps) >= 6, gaps  # repeat_s (90), twice that, then the ceiling (300)
    assert 85 <= gaps[0] <= 110 and 175 <= gaps[1] <= 220, gaps  # (music ends past the
    assert all(295 <= gap <= 310 for gap in gaps[2:]), gaps  # maximum: a little later)


@pytest.mark.parametrize("policy_class", [SilencePolicy, MusicAdsPolicy])
def test_a_silent_caller_hears_the_menu_a_handful_of_times_in_half_an_hour_not_thirty(
        policy_class):
    """The default repeat_s (60): past the maximum, offers at about 0, 1, 3, 7, 12, 17, 22
    and 27 minutes, with silence between, polled at least every minute as before."""
    rules = Overflow(max_wait_s=600, callback_key="2")
    heard = timeline(with_overflow(policy_class(), rules), 600 + 1800)
    offers = [t for t, s in heard if s.kind is SegmentKind.OVERFLOW_OFFER]
    assert 6 <= len(offers) <= 9, offers
    assert max(segment_duration_s(s) for t, s in heard if t > 600) <= 61
    assert QUIET_REPEAT_MOST_S == 300


@pytest.mark.parametrize("policy_class", [CheckinPolicy, CallbackPolicy])
def test_with_check_ins_they_go_on_past_the_offer_carrying_its_keys(policy_class):
    heard = timeline(with_overflow(policy_class(interval_s=60), RULES))
    after = [(t, s) for t, s in heard if t >= 600 and s.is_announcement]
    first, *later = after
    assert first[1].kind is SegmentKind.OVERFLOW_OFFER and "waited so long" in said(first[1])
    assert len(later) >= 10
    for _, segment in later:
        text = said(segment)
        assert segment.kind in (SegmentKind.CHECKIN, SegmentKind.CALLBACK_OFFER)
        assert "You are number 4 in line." in text and "within" in text
        assert "Press 3 to leave a message" in text and "so long" not in text
        assert text.lower().count("press 2") == 1  # the callback policy's offer, said once
        gather = segment.steps[0]
        assert set(gather.keys) == {"1", "2", "3"} and segment.voicemail_key == "3"
    gaps = [b[0] - a[0] for a, b in zip(after, after[1:], strict=False)]
    assert 85 <= gaps[0] <= 100, gaps  # the offer, then its repeat_s of silence
    assert all(55 <= gap <= 70 for gap in gaps[1:]), gaps  # the words added keep the interval


def test_the_queue_full_offer_promises_no_place_the_caller_never_had():
    offer = Overflow(when_full=True, voicemail_key="3").full_offer(Voice())
    text = said(offer)
    assert "line is full" in text and "when your turn comes" in text
    assert "place" not in text
    assert "place" not in Overflow().words.full_confirm


def test_leave_after_the_offer_still_says_the_apology_and_leaves():
    from dataclasses import replace
    heard = timeline(with_overflow(SilencePolicy(), replace(RULES, after_offer="leave")), 700)
    offers = [s for _, s in heard if s.kind is SegmentKind.OVERFLOW_OFFER]
    assert "waited so long" in said(offers[0])


@settings(max_examples=60, deadline=None)
@given(policy_class=st.sampled_from([SilencePolicy, MusicAdsPolicy, CheckinPolicy,
                                     CallbackPolicy]),
       max_wait_s=st.integers(0, 1800), repeat_s=st.integers(20, 600),
       interval_s=st.integers(20, 600), voicemail=st.booleans())
def test_past_the_maximum_the_apology_is_said_once_and_the_keys_keep_coming(
        policy_class, max_wait_s, repeat_s, interval_s, voicemail):
    """Any policy, maximum, repeat and interval: the first document past the maximum is the
    offer with its apology, said once; after it the keys come round again at least every
    max(repeat_s, interval_s) + a document's slack (without check-ins, max(repeat_s,
    QUIET_REPEAT_MOST_S)), and every such document offers them."""
    rules = Overflow(max_wait_s=max_wait_s, repeat_s=repeat_s,
                     voicemail_key="3" if voicemail else None)
    plain = (policy_class(interval_s=interval_s)
             if policy_class in (CheckinPolicy, CallbackPolicy) else policy_class())
    heard = timeline(with_overflow(plain, rules), until_s=max_wait_s + 4 * 600 + 700)
    past = [(t, s) for t, s in heard if t >= max_wait_s]
    assert past[0][1].kind is SegmentKind.OVERFLOW_OFFER
    assert sum("waited so long" in said(s) for _, s in past) == 1
    offering = [t for t, s in past if set(rules.keys) <= set(s.offered_keys)]
    quiet = policy_class in (SilencePolicy, MusicAdsPolicy)  # slowing to QUIET_REPEAT_MOST_S
    longest = max(repeat_s, QUIET_REPEAT_MOST_S if quiet else interval_s) + 60  # a document
    # may run past its due time
    gaps = [b - a for a, b in zip(offering, offering[1:], strict=False)]
    assert len(offering) >= 4 and max(gaps) <= longest, gaps


@pytest.mark.parametrize("policy", [MusicAdsPolicy(), SilencePolicy(comfort_noise="comfort")])
def test_between_offers_the_policys_own_sound_goes_on_where_it_fits(policy):
    """Past the offer, a music or comfort-noise caller had heard dead air until the next
    offer, for as long as they held (up to five minutes at a time): the very silence comfort
    noise is there to spare them, which makes callers think the line dropped (caller
    audit). Where a clip fits before the next offer it plays; the rest is silence."""
    heard = timeline(with_overflow(policy, Overflow(max_wait_s=600, callback_key="2")), 2400)
    between = [s for t, s in heard if t > 700 and s.kind is not SegmentKind.OVERFLOW_OFFER]
    played = [s for s in between if isinstance(s.steps[0], Play)]
    assert played and len(played) >= len(between) / 2, [s.steps for s in between]
    assert all(s.steps[0].audio == (policy.music if isinstance(policy, MusicAdsPolicy)
                                   else "comfort") for s in played)  # no adverts past it
    assert all(not s.is_announcement for s in between)
