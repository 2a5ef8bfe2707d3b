"""The caller behaviour model: each reaction on its own, then in a queue, in its direction."""

from __future__ import annotations

import dataclasses
import itertools

import numpy as np
import pytest

from hold_policies import CallbackPolicy, CheckinPolicy, MusicAdsPolicy, SilencePolicy
from hold_policies.steps import OfferKeys, Pause, Play, Say, Segment, SegmentKind
from simulator.behaviour import Action, Listener, Reactions
from simulator.heard import Heard, heard_from_segment
from simulator.run import simulate
from simulator.scenario import ScenarioError, simple_scenario
from simulator.table import ABANDONED

OFF = Reactions.off()
SILENCE = heard_from_segment(Segment(steps=(Pause(60),), kind=SegmentKind.SILENCE))
COMFORT = heard_from_segment(Segment(steps=(Play("noise", 60.0),), kind=SegmentKind.SILENCE))
CHECKIN = Heard(duration_s=60.0, trailing_silence_s=40.0, message_end_s=16.0, position=3,
                wait_s=300.0, apology=True, keep_key="1", key_window_s=4.0)


def never() -> float:
    return 0.999999


def always() -> float:
    return 0.0


def listener(reactions: Reactions = OFF, patience_s: float = 100.0, draw=never) -> Listener:
    return Listener(reactions, patience_s, 0.0, draw)


def test_a_caller_with_reactions_off_hangs_up_exactly_at_patience() -> None:
    ears = listener()
    assert ears.hear(0.0, SILENCE) is None
    reaction = ears.hear(60.0, SILENCE)
    assert (reaction.action, reaction.at_s, reaction.cause) == (Action.HANG_UP, 100.0, "patience")


def test_knowing_ones_position_makes_patience_last_longer() -> None:
    ears = listener(dataclasses.replace(OFF, informed_rate=0.5))
    assert ears.hear(0.0, CHECKIN) is None
    assert ears.hang_up_at() == pytest.approx(200.0)


def test_being_kept_past_the_announced_wait_uses_patience_faster() -> None:
    ears = listener(dataclasses.replace(OFF, overdue_rate=2.0), patience_s=1000.0)
    ears.hear(0.0, CHECKIN)  # told 300 s at 16 s: the promise runs out at 316 s
    assert ears.hang_up_at() == pytest.approx(316 + (1000 - 316) / 2)


def test_long_dead_silence_can_make_a_caller_think_the_line_dropped() -> None:
    ears = listener(dataclasses.replace(OFF, dead_air_s=90.0, dead_air_hangup_p=1.0),
                    patience_s=1000.0, draw=always)
    assert ears.hear(0.0, SILENCE) is None  # 60 s of silence: not yet
    reaction = ears.hear(60.0, SILENCE)
    assert (reaction.at_s, reaction.cause) == (90.0, "dead_air")
    comforted = listener(dataclasses.replace(OFF, dead_air_hangup_p=1.0), 1000.0, always)
    assert all(comforted.hear(t, COMFORT) is None for t in (0.0, 60.0, 120.0))


def test_an_announcement_can_trigger_a_hang_up_shortly_after_it() -> None:
    ears = listener(dataclasses.replace(OFF, announcement_hangup_p=1.0), 1000.0, always)
    reaction = ears.hear(0.0, CHECKIN)
    assert reaction.cause == "announcement" and 16.0 <= reaction.at_s <= 36.0
    assert ears.hear(60.0, CHECKIN) is None  # only the first announcement does it


def test_told_a_wait_beyond_their_patience_some_leave_at_once() -> None:
    reneger = listener(dataclasses.replace(OFF, too_long_leave_p=1.0), 200.0, always)
    assert reneger.hear(0.0, CHECKIN).cause == "too_long"
    stays = listener(dataclasses.replace(OFF, too_long_leave_p=1.0), 400.0, always)
    assert stays.hear(0.0, CHECKIN) is None  # 300 s is within their 400 s


def test_keys_are_pressed_only_when_offered_and_in_time() -> None:
    offer = dataclasses.replace(CHECKIN, callback_key="2")
    presses = listener(dataclasses.replace(OFF, callback_p=1.0, callback_if_too_long_p=1.0),
                       1000.0, always)
    reaction = presses.hear(0.0, offer)
    assert (reaction.action, reaction.key, reaction.at_s) == (Action.PRESS, "2", 17.5)
    keeps = listener(dataclasses.replace(OFF, keep_key_p=1.0), 1000.0, always)
    assert keeps.hear(0.0, CHECKIN).key == "1"
    too_slow = listener(dataclasses.replace(OFF, keep_key_p=1.0, key_delay_s=5.0), 1000.0, always)
    assert too_slow.hear(0.0, CHECKIN) is None


def test_heard_describes_what_the_segment_sounds_like() -> None:
    policy = CheckinPolicy()
    seg = policy.checkin(dataclasses.replace(_situation(), position=4))
    heard = heard_from_segment(seg)
    assert heard.position == 4 and heard.keep_key == "1" and heard.callback_key is None
    assert heard.message_end_s == pytest.approx(heard.duration_s - heard.trailing_silence_s)
    ad = heard_from_segment(Segment(steps=(Say("Buy now."), Play("music", 60.0)),
                                    kind=SegmentKind.AD))
    assert ad.advert and ad.music and ad.apology and not ad.informs
    offer = Segment(steps=(OfferKeys((Say("x"),), ("1", "2")),), kind=SegmentKind.CALLBACK_OFFER,
                    offered_keys=("1", "2"))
    assert heard_from_segment(offer).callback_key == "2"


def _situation():
    from hold_policies.situation import Situation
    return Situation("q", "c", 1, 60.0, 3, None, 1, 0, None)


def test_reaction_parameters_are_validated() -> None:
    with pytest.raises(ScenarioError, match="reactions.callback_p"):
        Reactions(callback_p=1.5)
    with pytest.raises(ScenarioError, match="informed_rate"):
        Reactions(informed_rate=0)
    assert not Reactions.off().active and Reactions().active


# --- calibration: the defaults reproduce the direction of the findings ---------------------

def abandoned_within_2_min(policy) -> float:
    """Munichor & Rafaeli's set-up: nobody is answered; who hangs up within two minutes?"""
    scenario = simple_scenario(calls=8000, agents=0, arrivals_per_min=1, service_mean_min=5,
                               patience_mean_min=100 / 60)  # music only: 1 - e^-1.2 = 70%
    table = simulate(scenario, policy, np.random.default_rng(5)).table
    return float(np.mean((table.outcome == ABANDONED) & (table.wait_s <= 120)))


def test_defaults_position_information_helps_apologies_barely_do() -> None:
    music = abandoned_within_2_min(MusicAdsPolicy(message_every_s=600))
    apologies = abandoned_within_2_min(MusicAdsPolicy(message_every_s=30))
    position = abandoned_within_2_min(CheckinPolicy(first_checkin_s=0, interval_s=30,
                                                    announce_wait=False))
    assert music == pytest.approx(0.70, abs=0.02)  # the study: 70%
    assert abs(apologies - music) < 0.02  # the study: 67%
    assert position < music - 0.15  # the study: 36%


SYSTEM_CASES = [  # (parameter, neutral value, policy, expected sign of default - neutral)
    ("informed_rate", 1.0, CheckinPolicy(), -1),
    ("apology_rate", 1.0, MusicAdsPolicy(), -1),
    ("advert_rate", 1.0, MusicAdsPolicy(), +1),
    ("dead_air_hangup_p", 0.0, SilencePolicy(), +1),
    ("too_long_leave_p", 0.0, CheckinPolicy(), +1),
]


@pytest.mark.parametrize(("name", "neutral", "policy", "sign"), SYSTEM_CASES,
                         ids=[case[0] for case in SYSTEM_CASES])
def test_each_reaction_moves_abandonment_its_way(small_queue, name, neutral, policy, sign):
    scenario = dataclasses.replace(small_queue, calls=15_000)
    without = dataclasses.replace(scenario, reactions=dataclasses.replace(
        scenario.reactions, **{name: neutral}))
    rates = [simulate(s, policy, np.random.default_rng(2)).summary["abandonment_rate"]
             for s in (scenario, without)]
    assert np.sign(rates[0] - rates[1]) == sign, rates


def test_announcements_bring_a_small_spike_of_hang_ups(small_queue) -> None:
    """The first check-in starts at 60 s and speaks for about 20 s; hang-ups in the 20 s
    after it rise when the spike is on."""
    def spike(reactions: Reactions) -> int:
        scenario = dataclasses.replace(small_queue, calls=15_000, reactions=reactions)
        table = simulate(scenario, CheckinPolicy(), np.random.default_rng(4)).table
        hung_up = table.wait_s[table.outcome == ABANDONED]
        return int(np.sum((hung_up > 60) & (hung_up <= 100)))
    default = Reactions()
    assert spike(default) > spike(dataclasses.replace(default, announcement_hangup_p=0.0))


def test_offering_callbacks_to_willing_callers_creates_callbacks(small_queue) -> None:
    counts = [simulate(dataclasses.replace(small_queue, reactions=r), CallbackPolicy(),
                       np.random.default_rng(6)).summary["callbacks_requested"]
              for r in (Reactions(), dataclasses.replace(Reactions(), callback_p=0.0,
                                                         callback_if_too_long_p=0.0))]
    assert counts[0] > 50 and counts[1] == 0


def test_draws_are_only_taken_when_needed() -> None:
    counter = itertools.count()
    ears = Listener(Reactions(), 100.0, 0.0, lambda: next(counter) * 0.0 + 0.5)
    ears.hear(0.0, COMFORT)
    assert next(counter) == 0
