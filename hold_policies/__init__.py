"""The domain: what a waiting caller hears and what each key does. Pure Python.

Imports nothing from Flask, Twilio, the app, the simulator or analytics, so one policy
definition drives live calls and simulations alike.
"""

from hold_policies.base import Choice, Decision, HoldPolicy, Voice
from hold_policies.callback import CallbackPolicy
from hold_policies.checkin import CheckinPolicy
from hold_policies.music_ads import MusicAdsPolicy
from hold_policies.silence import SilencePolicy
from hold_policies.situation import Situation, WaitEstimate
from hold_policies.steps import (
    SAFE_HOLD_SEGMENT,
    AskSpeech,
    Hangup,
    Leave,
    OfferKeys,
    Pause,
    Play,
    Say,
    Segment,
    SegmentKind,
    Step,
)

__all__ = [
    "SAFE_HOLD_SEGMENT", "AskSpeech", "CallbackPolicy", "CheckinPolicy", "Choice", "Decision",
    "Hangup", "HoldPolicy", "Leave", "MusicAdsPolicy", "OfferKeys", "Pause", "Play", "Say",
    "Segment",
    "SegmentKind", "SilencePolicy", "Situation", "Step", "Voice", "WaitEstimate",
]
