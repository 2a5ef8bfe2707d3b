"""The preview's timeline as a WAV to play in the page: prompts spoken by espeak-ng (a stand-in
for Twilio's voice, and labelled so), silence, comfort noise and music as configured, all
telephone-ready through `audio/` (8 kHz, the telephone band, the prompt and bed levels)."""

from __future__ import annotations

from functools import lru_cache

import numpy as np

from app.api.models import PreviewResponse, TimelineEntry
from app.services import Services

MAX_AUDIO_S = 300.0
"""Only the first five minutes are rendered: enough to hear the rhythm, small to download."""


@lru_cache(maxsize=256)
def _spoken(text: str, voice: str) -> np.ndarray:
    from audio.kinds import Kind
    from audio.prepare import prepare_samples
    from audio.speech import synthesize

    samples, rate = synthesize(text, voice)
    return prepare_samples(samples, rate, Kind.PROMPT)


@lru_cache(maxsize=4)
def _bed(kind: str, seconds: int) -> np.ndarray:
    from audio.generate import comfort_noise, music_bed

    return comfort_noise(seconds) if kind == "noise" else music_bed(seconds)


def _clip(svc: Services, name: str, seconds: float) -> np.ndarray:
    """A configured clip from the audio library, or a generated bed standing in for it."""
    library = svc.audio
    url = library.url_path(name) if library is not None else None
    entry = library.entry_for_filename(url.rsplit("/", 1)[-1]) if url else None
    if entry is not None:
        from audio.formats import parse_wav

        return parse_wav(entry.data, entry.name).mono()
    kind = "noise" if "noise" in name else "music"
    return _bed(kind, max(int(seconds), 1))


def _piece(svc: Services, entry: TimelineEntry, voice: str, noise: str | None) -> np.ndarray:
    words = entry.heard.split(" [keys ")[0]
    if entry.kind in ("say", "offer"):
        return _spoken(words, voice)
    if entry.kind == "audio" and entry.audio:
        return _clip(svc, entry.audio, entry.duration_s)
    if entry.kind == "silence" and noise:
        return _clip(svc, noise, entry.duration_s)
    return np.zeros(0)


def espeak_voice(language: str | None) -> str:
    """'en-US' -> 'en-us', espeak-ng's name for the same language."""
    return (language or "en-US").lower()


def render_wav(svc: Services, preview: PreviewResponse) -> bytes:
    """Place each heard piece at its time on one 8 kHz track and encode it as 16-bit WAV."""
    from audio.formats import TELEPHONE_RATE, wav_bytes

    queue = svc.config.queues[preview.queue]
    noise = queue.silence.comfort_noise if preview.policy == "silence" else None
    voice = espeak_voice(queue.language)
    entries = [e for e in preview.timeline if e.at_s < MAX_AUDIO_S]
    end_s = min(max((e.at_s + e.duration_s for e in entries), default=1.0), MAX_AUDIO_S)
    track = np.zeros(int(end_s * TELEPHONE_RATE) + 1)
    for entry in entries:
        piece = _piece(svc, entry, voice, noise)
        start = int(entry.at_s * TELEPHONE_RATE)
        length = min(len(piece), int(entry.duration_s * TELEPHONE_RATE) or len(piece),
                     len(track) - start)
        if length > 0:
            track[start:start + length] += piece[:length]
    comment = "holdwell preview; prompts by espeak-ng, a stand-in for the Twilio voice"
    return wav_bytes(np.clip(track, -1.0, 1.0), TELEPHONE_RATE, comment=comment)
