"""The preview's timeline as a WAV to play in the page: prompts spoken by espeak-ng (a stand-in
for Twilio's voice, and labelled so), silence, comfort noise and music as configured, all
telephone-ready through `audio/` (8 kHz, the telephone band, the prompt and bed levels)."""

from __future__ import annotations

import math
import re
import threading
from functools import lru_cache

import numpy as np
from werkzeug.exceptions import TooManyRequests, UnprocessableEntity

from app.api.models import PreviewResponse, TimelineEntry
from app.console.work_slots import held_or_refused
from app.services import Services
from audio.speech import voice_for_language
from hold_policies.durations import WORDS_PER_SECOND

MAX_AUDIO_S = 300.0
"""Only the first five minutes are rendered: enough to hear the rhythm, small to download."""
SPOKEN_WORDS_PER_S = 1.25 * WORDS_PER_SECOND
"""A little more than espeak-ng says in a second (measured: 2.4 words a second, close to
WORDS_PER_SECOND): a piece's text is cut to what its kept time could hold at this rate before
it is spoken, so words past the five minutes kept are never rendered."""
RETRY_AFTER_S = 5
_RENDERING = threading.Lock()
"""One preview rendered at a time per worker process: a render holds a thread for seconds,
and a worker's threads must stay free for Twilio's webhooks (15 s limit)."""
_WORD_END = re.compile(r"\S+\s*")


def busy() -> TooManyRequests:
    """The 429 for a second preview while one renders (with Retry-After)."""
    return TooManyRequests(
        "another preview is being rendered on this server; previews are rendered one at a "
        f"time, so calls keep being answered: try again in {RETRY_AFTER_S} seconds",
        retry_after=RETRY_AFTER_S)


def words_for(text: str, seconds: float) -> str:
    """The first words of `text` that could be said in `seconds` (at SPOKEN_WORDS_PER_S)."""
    most = max(math.ceil(seconds * SPOKEN_WORDS_PER_S), 1)
    return "".join(_WORD_END.findall(text)[:most]).strip()


@lru_cache(maxsize=256)
def _spoken(text: str, voice: str, seconds: int) -> np.ndarray:
    """`text` spoken and made telephone-ready, only its first `seconds` (the costly part,
    preparing, is paid for the audio kept); cached by text, voice and length."""
    from audio.kinds import Kind
    from audio.prepare import prepare_samples
    from audio.speech import synthesize

    samples, rate = synthesize(text, voice)
    return prepare_samples(samples[:seconds * rate], rate, Kind.PROMPT)


def _clip(svc: Services, name: str, seconds: float) -> np.ndarray:
    """A configured clip from the audio library; silence without one, as on a call (the wait
    document is then a <Pause>: the app plays no stand-in)."""
    library = svc.audio
    url = library.url_path(name) if library is not None else None
    entry = library.entry_for_filename(url.rsplit("/", 1)[-1]) if url else None
    if entry is None:
        return np.zeros(0)
    from audio.formats import parse_wav

    return parse_wav(entry.data, entry.name).mono()


def _piece(svc: Services, entry: TimelineEntry, voice: str, noise: str | None,
           seconds: float) -> np.ndarray:
    """What `entry` sounds like, rendered for at most about `seconds` (the part kept)."""
    words = entry.heard.split(" [keys ")[0]
    if entry.kind in ("say", "offer"):
        return _spoken(words_for(words, seconds), voice, math.ceil(seconds) + 1)
    if entry.kind == "audio" and entry.audio:
        return _clip(svc, entry.audio, seconds)
    if entry.kind == "silence" and noise:
        return _clip(svc, noise, seconds)
    return np.zeros(0)


def espeak_voice(language: str | None) -> str:
    """espeak-ng's voice for the queue's language ('en-US' -> 'en-us', 'de-AT' -> 'de'); a
    422 naming the language when it has none (the preview's words stand; its audio cannot)."""
    language = language or "en-US"
    voice = voice_for_language(language)
    if voice is None:
        raise UnprocessableEntity(
            f"language {language}: espeak-ng, the preview's stand-in for the Twilio voice, "
            "has no voice for it, so this preview cannot be played; the words shown are what "
            "callers hear")
    return voice


def render_wav(svc: Services, preview: PreviewResponse) -> bytes:
    """The preview's audio, one render at a time per worker (else a 429 at once)."""
    with held_or_refused(_RENDERING, busy):
        return _render(svc, preview)


def _render(svc: Services, preview: PreviewResponse) -> bytes:
    """Place each heard piece at its time on one 8 kHz track and encode it as 16-bit WAV."""
    from audio.formats import TELEPHONE_RATE, wav_bytes

    queue = svc.config.queues[preview.queue]
    noise = queue.silence.comfort_noise if preview.policy == "silence" else None
    voice = espeak_voice(queue.language)
    entries = [e for e in preview.timeline  # from 0 s, the ring: the welcome opens the wait
               if e.at_s < MAX_AUDIO_S]
    end_s = min(max((e.at_s + e.duration_s for e in entries), default=1.0), MAX_AUDIO_S)
    track = np.zeros(int(end_s * TELEPHONE_RATE) + 1)
    for entry in entries:
        kept_s = min(entry.duration_s, end_s - entry.at_s)
        piece = _piece(svc, entry, voice, noise, kept_s)
        if entry.kind in ("audio", "silence") and len(piece):
            # A bed shorter than its segment ends the wait document, and the next poll plays
            # it again: callers hear it throughout, so it is repeated to fill the segment.
            piece = np.resize(piece, int(kept_s * TELEPHONE_RATE))
        start = int(entry.at_s * TELEPHONE_RATE)
        length = min(len(piece), int(entry.duration_s * TELEPHONE_RATE) or len(piece),
                     len(track) - start)
        if length > 0:
            track[start:start + length] += piece[:length]
    comment = "holdwell preview; prompts by espeak-ng, a stand-in for the Twilio voice"
    return wav_bytes(np.clip(track, -1.0, 1.0), TELEPHONE_RATE, comment=comment)
