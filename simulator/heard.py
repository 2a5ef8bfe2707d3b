"""What a caller hears in one wait document, as the behaviour model needs it.

The fast engine builds a `Heard` from the policy's `Segment`; the Twilio emulator can build
one from the TwiML the app returned. Times are seconds from the start of the document.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import lru_cache

from hold_policies.durations import step_duration_s
from hold_policies.steps import (
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

MIN_SEGMENT_S = 1.0
"""A wait document that takes no time is re-requested after this long (Twilio's round trip)."""
_MESSAGE_KINDS = frozenset({SegmentKind.AD, SegmentKind.CHECKIN, SegmentKind.CALLBACK_OFFER,
                            SegmentKind.ACKNOWLEDGE, SegmentKind.CALLBACK_CONFIRM,
                            SegmentKind.WELCOME, SegmentKind.OVERFLOW_OFFER})


@dataclass(frozen=True, slots=True)
class Heard:
    """One wait document from the caller's side."""

    duration_s: float
    leading_silence_s: float = 0.0  # dead air before the first sound (= duration: all dead air)
    trailing_silence_s: float = 0.0  # dead air after the last sound
    message_end_s: float | None = None  # when the words addressed to the caller end
    position: int | None = None  # announced position
    wait_s: float | None = None  # announced wait (the band, in seconds)
    apology: bool = False  # an apology or "your call is important to us"
    advert: bool = False
    music: bool = False
    keep_key: str | None = None
    callback_key: str | None = None
    key_window_s: float = 0.0  # how long after the prompt a key is still collected
    overflow: bool = False  # the overflow offer (past the maximum wait, or the line full)
    voicemail_key: str | None = None  # the key that leaves a message, when offered
    informs: bool = field(init=False)  # the caller learned where they stand (position or wait)

    def __post_init__(self) -> None:
        object.__setattr__(self, "informs", self.position is not None or self.wait_s is not None)


def ends_the_wait(segment: Segment) -> bool:
    """The document leaves the queue or hangs up instead of letting Twilio poll again."""
    return any(isinstance(step, Leave | Hangup) for step in segment.steps)


@lru_cache(maxsize=4096)
def _seconds(step: Step) -> float:
    return step_duration_s(step)


def heard_from_segment(segment: Segment) -> Heard:
    """Describe a policy's segment as heard: sounds, silences, the message and its keys.

    A `Play` in a silence segment is comfort noise (sound, not dead air); in an advert
    segment the first step is the advert, and any later `Play` is music. The message ends with
    the keys' prompt: words after it (the overflow offer's goodbye) are heard only once the
    keys' window has passed, as live, where the `<Gather>` takes the key before them.
    """
    kind = segment.kind
    t = 0.0
    first_sound: float | None = None
    last_sound_end = 0.0
    message_end: float | None = None
    music = key_window = 0.0
    keys_offered = False
    for index, step in enumerate(segment.steps):
        length = _seconds(step)
        if isinstance(step, OfferKeys):
            prompt = length - step.timeout_s
            first_sound = t if first_sound is None else first_sound
            last_sound_end = t + prompt
            message_end, key_window = t + prompt, float(step.timeout_s)
            keys_offered = True
        elif isinstance(step, AskSpeech):  # a question for words, then listening (no keys)
            first_sound = t if first_sound is None else first_sound
            last_sound_end = t + length - step.timeout_s
        elif isinstance(step, Say | Play):
            first_sound = t if first_sound is None else first_sound
            last_sound_end = t + length
            if isinstance(step, Play) and kind in (SegmentKind.MUSIC, SegmentKind.AD) and (
                    kind == SegmentKind.MUSIC or index > 0):
                music += length
            elif kind in _MESSAGE_KINDS and not keys_offered:
                message_end = t + length
        elif not isinstance(step, Pause):
            length = 0.0  # Leave / Hangup take no time
        t += length
    keys = segment.offered_keys
    offers_callback = kind == SegmentKind.CALLBACK_OFFER and len(keys) > 1
    overflow = kind == SegmentKind.OVERFLOW_OFFER  # its keys: a callback and/or a message
    callback = next((k for k in keys if k != segment.voicemail_key), None) if overflow else None
    return Heard(
        duration_s=t,
        leading_silence_s=t if first_sound is None else first_sound,
        trailing_silence_s=0.0 if first_sound is None else t - last_sound_end,
        message_end_s=message_end,
        position=segment.announced_position,
        wait_s=segment.announced_wait_s,
        apology=segment.apologises or kind == SegmentKind.AD,  # an ad comes with "your call
        # is important to us"; a check-in only with its apology (a variant may drop it)
        advert=kind == SegmentKind.AD,
        music=music > 0,
        keep_key=keys[0] if keys and not overflow else None,
        callback_key=callback if overflow else keys[-1] if offers_callback else None,
        key_window_s=key_window,
        overflow=overflow,
        voicemail_key=segment.voicemail_key,
    )
