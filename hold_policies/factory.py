"""Queue configuration -> policy objects: one definition for live and simulated calls."""

from __future__ import annotations

from dataclasses import dataclass

from hold_policies.base import HoldPolicy, Voice
from hold_policies.callback import CallbackPolicy
from hold_policies.checkin import CheckinPolicy
from hold_policies.config import QueueConfig
from hold_policies.experiment import assign_arm
from hold_policies.languages import language_of
from hold_policies.music_ads import MusicAdsPolicy
from hold_policies.overflow import with_overflow
from hold_policies.prompts import Prompts, prompts_in
from hold_policies.silence import SilencePolicy

POLICY_CLASSES: dict[str, type] = {"silence": SilencePolicy, "checkin": CheckinPolicy,
                                   "callback": CallbackPolicy, "music_ads": MusicAdsPolicy}


def prompts_of(queue: QueueConfig, name: str | None = None) -> Prompts:
    """The words of policy or variant `name`: the defaults (its language's), the queue's,
    then the variant's."""
    return prompts_in(language_of(queue.language), **queue.prompt_overrides(name or queue.policy))


def voice_of(queue: QueueConfig) -> Voice:
    """How the queue's text-to-speech sounds: its voice and language."""
    return Voice(queue.voice, queue.language)


def build_policy(queue: QueueConfig, name: str | None = None) -> HoldPolicy:
    """The policy or variant `name` (default: the queue's own) with the queue's voice, words
    and knobs, and a variant's over them; a variant keeps its policy's `name` (the log's
    policy column) and carries its own in `variant` (the arm)."""
    name = name or queue.policy
    policy = queue.base_policy(name)
    if policy not in POLICY_CLASSES:
        raise ValueError(f"unknown policy {name!r}")
    return with_overflow(POLICY_CLASSES[policy](
        voice=voice_of(queue), prompts=prompts_of(queue, name),
        variant=name if name in queue.variants else "", **queue.knobs(name)),
        queue.overflow_rules())


@dataclass(frozen=True)
class Assignment:
    """Which policy a call hears, and its experiment arm ("" outside experiments; a variant's
    name when the arm is a variant of `policy`)."""

    policy: str
    arm: str


def assign(queue: QueueConfig, call_id: str) -> Assignment:
    """The queue's policy, or, in an experiment, the arm drawn for this call."""
    if queue.experiment is None:
        return Assignment(queue.policy, "")
    arm = assign_arm(call_id, queue.experiment.arms, queue.experiment.salt)
    return Assignment(queue.base_policy(arm), arm)
