"""What a virtual caller makes of a wait document: the `Heard` the behaviour model needs.

The caller hears the words the app actually returned — not what the policy meant: position
and wait come from the spoken sentences, keys from "press N", music from <Play> of a clip
that is not a noise bed (and that plays: a <Play> Twilio could not fetch is skipped, unheard).
The caller understands English (patterns matching holdwell's default English prompts, and
custom English wording that keeps their key phrases) and the language each <Say> is spoken
in (its `language` attribute): a queue in Spanish, Portuguese or Italian is understood
through its language's own defaults (hold_policies/languages.toml), from which its patterns
are derived (emulator.ears), so its virtual callers hear the same position, wait and keys as
an English queue's. Custom wording that drops the defaults' phrases simply informs the
virtual caller less.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from emulator.documents import AudioSeconds, Verb, said_in, seconds
from emulator.ears import Ears, ears_for
from simulator.heard import Heard

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
    ears = ears_for(said_in(verbs))
    keys = ears.keys(text) if gather_action else []
    overflow = bool(gather_action and ears.heard("overflow", text))  # the offer, not a drop
    heard = Heard(
        duration_s=t,
        leading_silence_s=t if first_sound is None else first_sound,
        trailing_silence_s=0.0 if first_sound is None else t - last_sound_end,
        message_end_s=message_end,
        position=_position(ears, text),
        wait_s=_wait(ears, text),
        apology=ears.heard("apology", text),
        advert=ears.heard("advert", text),
        music=music,
        keep_key=keys[0] if keys and not overflow else None,
        callback_key=(ears.first("overflow_callback", text) if overflow
                      else keys[-1] if len(keys) > 1 and ears.heard("callback", text)
                      else None),
        key_window_s=key_window,
        overflow=overflow,
        voicemail_key=ears.first("voicemail", text) if overflow else None,
    )
    return Listened(heard, gather_action, ends_with, redirect, speech)


def _position(ears: Ears, text: str) -> int | None:
    if (number := ears.first("position", text)) is not None:
        return int(number)
    return 1 if ears.heard("next_in_line", text) else None


def _wait(ears: Ears, text: str) -> float | None:
    if (minutes := ears.first("wait", text)) is not None:
        return int(minutes) * 60.0
    return None
