"""What a caller hears of a <Play>: the file Twilio fetched, decoded as Twilio would.

Operators upload 8 kHz mu-law WAVs (G.711, format tag 7: the telephone's own format) and
European ones A-law (tag 6); the stdlib ``wave`` module reads PCM only, so the emulator decodes
with holdwell's own RIFF reader (``audio.formats``), which also reads PCM and float. A file it
cannot decode plays as nothing, and a cut-short one plays what it holds; either way the problem
is reported naming the file, as Twilio's debugger would, instead of stopping the run. So is a
URL that answers an HTTP error (`unfetched`): Twilio skips that <Play> (debugger warning 11200)
and goes on with the next verb.

A clip outside the app (an operator may name any https:// URL) is fetched by Twilio from the
internet, which the emulator cannot do: it plays as a stand-in (`assumed`) whose length is the
one the policy expects of it, with a `note` saying so. That is an assumption, not a fault.
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
    note: str | None = None  # how it was timed without fetching it (an assumption, no fault)


def clip_of(data: bytes, url: str) -> Clip:
    """Decode the bytes Twilio fetched from ``url``."""
    try:
        sound = parse_wav(data, name=f"<Play> {url}")
    except AudioError as error:
        return Clip(0.0, SILENT_DB, f"{error}; callers hear nothing of it")
    fmt = sound.format
    return Clip(fmt.duration_s, rms_dbov(sound.mono()), fmt.truncation(f"<Play> {url}"))


def unfetched(url: str, status: int) -> Clip:
    """A <Play> whose URL answered HTTP `status`: Twilio skips it, so callers hear nothing
    of it (0 s)."""
    return Clip(0.0, SILENT_DB, f"<Play> {url}: HTTP {status}; Twilio skips it (debugger "
                                f"warning 11200) and callers hear nothing of it")


def unreachable(url: str) -> Clip:
    """A <Play> of another site's URL the config never named: nobody knows its length."""
    return Clip(0.0, SILENT_DB, f"<Play> {url}: outside the app and named by no policy; the "
                                f"emulator cannot fetch it, so callers hear nothing of it")


def assumed(url: str, duration_s: float, level_dbov: float, knob: str) -> Clip:
    """A clip outside the app, never fetched: it plays for `duration_s` at `level_dbov`."""
    return Clip(duration_s, level_dbov, note=(
        f"<Play> {url}: outside the app, fetched by Twilio from the internet, which the "
        f"emulator cannot reach; assumed to play {duration_s:g} s, the length the policy "
        f"expects of it ({knob})"))
