"""How long steps take to hear, shared by the simulator, the emulator and segment planning."""

from __future__ import annotations

import re

from hold_policies.steps import (
    AskSpeech,
    Hangup,
    Leave,
    OfferKeys,
    Pause,
    Play,
    Say,
    Segment,
    Step,
)

WORDS_PER_SECOND = 2.5
"""Text-to-speech reads about 150 words a minute (espeak-ng's default rate is 175)."""

_WORD = re.compile(r"[\w']+")


def say_duration_s(text: str) -> float:
    """Seconds a text-to-speech voice needs for `text`, plus a short lead-in."""
    return 0.5 + len(_WORD.findall(text)) / WORDS_PER_SECOND


def step_duration_s(step: Step, *, key_pressed: bool = False) -> float:
    """Seconds a caller spends hearing `step` when no key interrupts it."""
    match step:
        case Say(text=text):
            return say_duration_s(text)
        case Play(expected_s=seconds):
            return float(seconds)
        case Pause(seconds=seconds):
            return float(seconds)
        case OfferKeys(prompt=prompt, timeout_s=timeout):
            return sum(step_duration_s(s) for s in prompt) + (0.0 if key_pressed else timeout)
        case AskSpeech(prompt=prompt, timeout_s=timeout):  # a silent caller: prompt + timeout
            return sum(step_duration_s(s) for s in prompt) + timeout
        case Leave() | Hangup():
            return 0.0
    raise TypeError(f"not a step: {step!r}")


def segment_duration_s(segment: Segment) -> float:
    """Seconds until the segment ends and Twilio asks for the next one."""
    return sum(step_duration_s(step) for step in segment.steps)
