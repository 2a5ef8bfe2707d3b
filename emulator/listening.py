"""What a virtual caller makes of a wait document: the `Heard` the behaviour model needs.

The caller hears the words the app actually returned — not what the policy meant: position
and wait come from the spoken sentences, keys from "press N", music from <Play> of a clip
that is not a noise bed (and that plays: a <Play> Twilio could not fetch is skipped, unheard).
The patterns match holdwell's default English prompts; custom wording that drops them simply
informs the virtual caller less, and so do the defaults of a queue in another language
(Spanish, Portuguese, Italian: hold_policies/languages.toml), whose virtual callers press no
key.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from emulator.documents import OFFERED, AudioSeconds, Verb, seconds
from simulator.heard import Heard

POSITION = re.compile(r"\bnumber (\d+) in line", re.IGNORECASE)
NEXT_IN_LINE = re.compile(r"\bnext in line\b", re.IGNORECASE)
WAIT = re.compile(r"\bwithin (\d+) minutes?\b", re.IGNORECASE)
LONG_WAIT = re.compile(r"more than an hour", re.IGNORECASE)
APOLOGY = re.compile(r"\bsorry\b|important to us", re.IGNORECASE)
ADVERT = re.compile(r"did you know|our website|special offer", re.IGNORECASE)
CALLBACK = re.compile(r"call you back", re.IGNORECASE)
OVERFLOW = re.compile(r"waited so long|line is full", re.IGNORECASE)
OVERFLOW_CALLBACK = re.compile(r"\bpress (\d|\*|#) and we will call you back", re.IGNORECASE)
VOICEMAIL = re.compile(r"\bpress (\d|\*|#) to leave a message", re.IGNORECASE)
NOISE_CLIP = re.compile(r"noise|comfort|silence", re.IGNORECASE)


@dataclass(frozen=True)
class Listened:
    """A wait document as heard, and what ends it."""

    heard: Heard
    gather_action: str | None  # where a key press goes
    ends_with: str | None  # "Leave", "Hangup", "Redirect" or None (document simply ends)
    redirect: str | None
    speech: SpeechGather | None = None  # a question the caller may answer in words


@dataclass(frozen=True)
class SpeechGather:
    """A <Gather input="speech">: where the words go, when its question ends, how long it
    listens for speech to start and the pause that ends it (Twilio's speechTimeout)."""

    action: str
    asked_s: float
    timeout_s: float
    speech_end_s: float


def is_speech_only(verb: Verb) -> bool:
    """A Gather that takes words, not keys (input="speech")."""
    return verb.name == "Gather" and "dtmf" not in (verb.get("input") or "dtmf")


def listen(verbs: tuple[Verb, ...], audio_s: AudioSeconds) -> Listened:
    t, first_sound, last_sound_end = 0.0, None, 0.0
    message_end: float | None = None
    key_window, music = 0.0, False
    gather_action = ends_with = redirect = speech = None
    # The message ends with the keys' prompt: words after a Gather (the overflow offer's
    # goodbye) come once its key window has passed.
    for verb in verbs:
        length = seconds(verb, audio_s)
        if is_speech_only(verb):  # its question is heard; keys are not taken there
            timeout = float(verb.get("timeout", "5"))
            first_sound = t if first_sound is None else first_sound
            last_sound_end = t + length - timeout
            speech = SpeechGather(verb.get("action") or "", last_sound_end, timeout,
                                  float(verb.get("speechTimeout", "2") or 2))
        elif verb.name in ("Say", "Play", "Gather"):
            sound = length - (float(verb.get("timeout", "5")) if verb.name == "Gather" else 0)
            if sound > 0:
                first_sound = t if first_sound is None else first_sound
                last_sound_end = t + sound
            if verb.name == "Play" and length > 0 and not NOISE_CLIP.search(verb.text):
                music = True
            if verb.name == "Gather" or (verb.name == "Say" and gather_action is None):
                message_end = t + sound
            if verb.name == "Gather":
                gather_action = verb.get("action")
                key_window = float(verb.get("timeout", "5"))
        elif verb.name in ("Leave", "Hangup", "Redirect"):
            ends_with, redirect = verb.name, verb.text if verb.name == "Redirect" else None
            break
        t += length
    text = " ".join(v.text for v in verbs if v.name == "Say") + " " + " ".join(
        c.text for v in verbs if not is_speech_only(v) for c in v.children if c.name == "Say")
    keys = OFFERED.findall(text) if gather_action else []
    overflow = bool(gather_action and OVERFLOW.search(text))  # the offer instead of a drop
    heard = Heard(
        duration_s=t,
        leading_silence_s=t if first_sound is None else first_sound,
        trailing_silence_s=0.0 if first_sound is None else t - last_sound_end,
        message_end_s=message_end,
        position=_position(text),
        wait_s=_wait(text),
        apology=bool(APOLOGY.search(text)),
        advert=bool(ADVERT.search(text)),
        music=music,
        keep_key=keys[0] if keys and not overflow else None,
        callback_key=(_key(OVERFLOW_CALLBACK, text) if overflow
                      else keys[-1] if len(keys) > 1 and CALLBACK.search(text) else None),
        key_window_s=key_window,
        overflow=overflow,
        voicemail_key=_key(VOICEMAIL, text) if overflow else None,
    )
    return Listened(heard, gather_action, ends_with, redirect, speech)


def _key(pattern: re.Pattern[str], text: str) -> str | None:
    match = pattern.search(text)
    return match.group(1) if match else None


def _position(text: str) -> int | None:
    if match := POSITION.search(text):
        return int(match.group(1))
    return 1 if NEXT_IN_LINE.search(text) else None


def _wait(text: str) -> float | None:
    if match := WAIT.search(text):
        return int(match.group(1)) * 60.0
    return None
