"""What a caller hears of a <Play>: the file Twilio fetched, decoded as Twilio would.

Operators upload 8 kHz mu-law WAVs (G.711, format tag 7: the telephone's own format) and
European ones A-law (tag 6); the stdlib ``wave`` module reads PCM only, so the emulator decodes
with holdwell's own RIFF reader (``audio.formats``), which also reads PCM and float. A file it
cannot decode plays as nothing, and a cut-short one plays what it holds; either way the problem
is reported naming the file, as Twilio's debugger would, instead of stopping the run.
"""

from __future__ import annotations

from dataclasses import dataclass

from audio.formats import AudioError, parse_wav
from audio.levels import SILENT_DB, rms_dbov


@dataclass(frozen=True)
class Clip:
    """One <Play> URL as heard: how long it plays and how loud it is on average."""

    duration_s: float
    level_dbov: float  # long-term RMS of the mono mix, pauses included
    problem: str | None = None  # why it plays short or not at all, naming the file


def clip_of(data: bytes, url: str) -> Clip:
    """Decode the bytes Twilio fetched from ``url``."""
    try:
        sound = parse_wav(data, name=f"<Play> {url}")
    except AudioError as error:
        return Clip(0.0, SILENT_DB, f"{error}; callers hear nothing of it")
    fmt = sound.format
    return Clip(fmt.duration_s, rms_dbov(sound.mono()), fmt.truncation(f"<Play> {url}"))
