"""What every hold policy offers the drivers (the live app and the simulator)."""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum
from typing import Protocol

from hold_policies.prompts import Prompts
from hold_policies.situation import Situation
from hold_policies.steps import Leave, Say, Segment, SegmentKind


class Choice(StrEnum):
    """What a key press means."""

    KEEP_WAITING = "keep_waiting"
    CALLBACK = "callback"
    VOICEMAIL = "voicemail"  # leave the queue to leave a message (hold_policies.overflow)
    UNKNOWN = "unknown"


@dataclass(frozen=True)
class Decision:
    """A key press turned into a choice, and what the caller hears right after it."""

    choice: Choice
    segment: Segment
    promised_wait_s: float | None = None  # callbacks: the band promised, seconds from now


@dataclass(frozen=True)
class Voice:
    """How a queue's text-to-speech sounds."""

    voice: str | None = None
    language: str | None = None

    def say(self, text: str) -> Say:
        return Say(text, voice=self.voice, language=self.language)


class HoldPolicy(Protocol):
    """A hold policy: pure, no clock, no I/O. Given a situation, what comes next.

    `next_segment` and `on_key` depend only on the Situation's fields other than `call_id`
    (which is there for logging): the fast engine reuses one answer for callers in the same
    situation, and checks a sample of reuses against a fresh answer.
    """

    name: str  # the policy (the log's policy column)
    variant: str  # "" or the queue's variant of it (the log's arm)
    voice: Voice
    prompts: Prompts

    def welcome(self) -> Segment:
        """Said once, at the start of the caller's first wait document, never before they join
        the queue (hold_policies.welcome): a caller an agent takes at once never hears it."""
        ...

    def next_segment(self, situation: Situation) -> Segment:
        """The next wait document (about one segment, then Twilio asks again)."""
        ...

    def on_key(self, situation: Situation, digit: str) -> Decision:
        """What a key press during this wait means."""
        ...


def label(policy: HoldPolicy) -> str:
    """What a comparison calls a policy: its variant's name, or the policy's own."""
    return policy.variant or policy.name


def spoken(voice: Voice, kind: SegmentKind, text: str) -> Segment:
    """A segment that only says `text`."""
    return Segment(steps=(voice.say(text),), kind=kind)


def callback_confirmation(voice: Voice, text: str) -> Segment:
    """Confirm the callback, then leave the queue on purpose (never a hang-up)."""
    return Segment(steps=(voice.say(text), Leave()), kind=SegmentKind.CALLBACK_CONFIRM)
