"""Queue configuration -> policy objects: one definition for live and simulated calls."""

from __future__ import annotations

from dataclasses import dataclass

from hold_policies.base import HoldPolicy, Voice
from hold_policies.callback import CallbackPolicy
from hold_policies.checkin import CheckinPolicy
from hold_policies.config import QueueConfig
from hold_policies.experiment import assign_arm
from hold_policies.music_ads import MusicAdsPolicy
from hold_policies.prompts import Prompts
from hold_policies.silence import SilencePolicy


def prompts_of(queue: QueueConfig) -> Prompts:
    overrides = {k: v for k, v in queue.prompts.model_dump().items() if v is not None}
    return Prompts(**overrides)


def build_policy(queue: QueueConfig, name: str | None = None) -> HoldPolicy:
    """The policy `name` (default: the queue's own) with the queue's voice, words and knobs."""
    name = name or queue.policy
    common = {"voice": Voice(queue.voice, queue.language), "prompts": prompts_of(queue)}
    match name:
        case "silence":
            return SilencePolicy(**common, **queue.silence.model_dump())
        case "checkin":
            return CheckinPolicy(**common, **queue.checkin.model_dump())
        case "callback":
            return CallbackPolicy(**common, **queue.callback.model_dump())
        case "music_ads":
            return MusicAdsPolicy(**common, **queue.music_ads.model_dump())
    raise ValueError(f"unknown policy {name!r}")


@dataclass(frozen=True)
class Assignment:
    """Which policy a call hears, and its experiment arm ("" outside experiments)."""

    policy: str
    arm: str


def assign(queue: QueueConfig, call_id: str) -> Assignment:
    """The queue's policy, or, in an experiment, the arm drawn for this call."""
    if queue.experiment is None:
        return Assignment(queue.policy, "")
    arm = assign_arm(call_id, queue.experiment.arms, queue.experiment.salt)
    return Assignment(arm, arm)
