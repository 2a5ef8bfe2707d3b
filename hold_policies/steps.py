"""What a waiting caller hears, as small values each driver translates once.

`app/twiml.py` renders these as TwiML; the simulator plays them to virtual callers.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import StrEnum


@dataclass(frozen=True)
class Say:
    """Words spoken by text-to-speech."""

    text: str
    voice: str | None = None
    language: str | None = None


@dataclass(frozen=True)
class Play:
    """An audio clip by library name (or absolute URL); `expected_s` is its planned length.

    When the clip is unavailable the live app plays `Pause(expected_s)` instead, so a missing
    file means silence for the caller, never an error.
    """

    audio: str
    expected_s: float

    @property
    def is_external(self) -> bool:
        """A URL on another site, played as it is (not a name in the app's audio library)."""
        return is_external_audio(self.audio)


def is_external_audio(audio: str) -> bool:
    """Whether an audio setting is another site's URL (Twilio fetches it from there) rather
    than a name in the app's library: the one test the app, its start-up and the emulator
    share."""
    return audio.startswith(("http://", "https://"))


@dataclass(frozen=True)
class Pause:
    """Silence; Twilio's <Pause> takes whole seconds."""

    seconds: int


@dataclass(frozen=True)
class OfferKeys:
    """A prompt the caller may interrupt with one key; no key simply continues the segment."""

    prompt: tuple[Say | Play | Pause, ...]
    keys: tuple[str, ...]
    timeout_s: int = 4


@dataclass(frozen=True)
class AskSpeech:
    """A question the caller may answer in a few words (speech to text); silence skips it.

    `timeout_s` is how long the caller has to start speaking, `speech_end_s` the pause that
    ends their answer and `max_speech_s` the longest answer taken. A `language` of None is
    the voice's own; `hints` are words the recogniser should expect.
    """

    prompt: tuple[Say | Play | Pause, ...]
    timeout_s: int = 5
    speech_end_s: int = 2
    max_speech_s: int = 15
    language: str | None = None
    hints: str | None = None


@dataclass(frozen=True)
class Leave:
    """Leave the queue on purpose (a callback was arranged)."""


@dataclass(frozen=True)
class Hangup:
    """End the call."""


Step = Say | Play | Pause | OfferKeys | AskSpeech | Leave | Hangup


class SegmentKind(StrEnum):
    """What a segment is, in the words an analyst would use."""

    WELCOME = "welcome"
    SILENCE = "silence"
    CHECKIN = "checkin"
    CALLBACK_OFFER = "callback_offer"
    MUSIC = "music"
    AD = "ad"
    ACKNOWLEDGE = "acknowledge"
    CALLBACK_CONFIRM = "callback_confirm"
    SAFE = "safe"
    OVERFLOW_OFFER = "overflow_offer"  # past the queue's maximum wait: callback or message


@dataclass(frozen=True)
class Segment:
    """One wait document: the steps, plus what was announced (for the call log)."""

    steps: tuple[Step, ...]
    kind: SegmentKind
    announced_position: int | None = None
    announced_wait_s: float | None = None
    offered_keys: tuple[str, ...] = field(default=())
    apologises: bool = False  # says sorry (or "your call is important to us"): a reaction cue
    voicemail_key: str | None = None  # the offered key that leaves a message, if any
    offered_window_s: float | None = None
    """The callback window this document offers ("call you back within 15 minutes"), in
    seconds; None when it offers none (no callback, or one with no window). A callback
    asked for on its key is confirmed with this window, not one sized again later."""

    @property
    def is_announcement(self) -> bool:
        """Check-ins, callback offers, the legacy periodic messages and the overflow's offer
        count as announcements (the offer's own time tells the overflow it was heard)."""
        return self.kind in ANNOUNCING

    @property
    def asks_reason(self) -> bool:
        """Asks the caller, in words, what the call is about (issue 16 item 9)."""
        return any(isinstance(step, AskSpeech) for step in self.steps)


ANNOUNCING = frozenset({SegmentKind.CHECKIN, SegmentKind.CALLBACK_OFFER, SegmentKind.AD,
                        SegmentKind.OVERFLOW_OFFER})
"""The kinds of segment a caller is told something in (logged as ANNOUNCE)."""
SAFE_HOLD_SEGMENT = Segment(steps=(Pause(20),), kind=SegmentKind.SAFE)
"""Played whenever anything behind a voice route fails: short, so Twilio re-polls soon."""
