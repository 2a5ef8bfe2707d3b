"""The three kinds of hold audio, the level each is aimed at, and how each level is measured.

Every kind is band-limited to the same 300-3400 Hz the line carries, so the level a kind is
aimed at and reported at is the level callers get, not one that counts bass the line drops.
Prompts are speech, judged by P.56 active level against -22 dBov (the -19 dBm0 nominal speech
level of ITU-T G.169 / RFC 7874). Music beds have no pauses and are judged by gated RMS, at least
6 dB under the prompts. Comfort noise is steady, so plain RMS, around -60 dBov: audible enough to
say "the line is alive", above the mu-law floor, far below anything annoying.
"""

from __future__ import annotations

import re
from enum import StrEnum

import numpy as np

from audio.distortion import NO_CLIPPING, Clipping
from audio.levels import (
    SILENT_DB,
    ActiveLevelMeter,
    WindowPowers,
    gated_rms_of,
    power_db,
)


class Kind(StrEnum):
    PROMPT = "prompt"
    MUSIC = "music"
    NOISE = "noise"


PROMPT_LEVEL_DBOV = -22.0
MUSIC_HEADROOM_DB = 6.0  # music sits at least this far under the prompts
DEFAULT_LEVEL_DBOV = {Kind.PROMPT: PROMPT_LEVEL_DBOV, Kind.MUSIC: -30.0, Kind.NOISE: -60.0}
LEVEL_TOLERANCE_DB = 1.5
NOISE_RANGE_DBOV = (-70.0, -50.0)  # below: lost in mu-law; above: an audible hiss
MUSIC_FLOOR_DBOV = -42.0  # quieter music is muted by voice-activity detection on many networks
SILENCE_BELOW_DB = 40.0
"""Quieter than a prompt's active level by this much is silence: what `prepare` trims from
its ends, and what `check` counts as dead air."""
PAUSE_WINDOW_S = 0.1
"""The windows a prompt's silences are measured in (`KindMeter.silences_s`)."""
LEVEL_MEASURE = {
    Kind.PROMPT: "active speech level (P.56)",
    Kind.MUSIC: "gated RMS",
    Kind.NOISE: "RMS",
}


def measure_level(x: np.ndarray, rate: int, kind: Kind) -> float:
    """The level in dBov a file of this kind is aimed at and judged by."""
    meter = KindMeter(rate, kind)
    meter.feed(x)
    return meter.level_dbov()


class KindMeter:
    """``measure_level`` fed a block at a time; the 400 ms window powers it keeps for music are
    also what levelling of music passages and the loudest-window check need."""

    def __init__(self, rate: int, kind: Kind) -> None:
        self.rate, self.kind = rate, kind
        self.speech = ActiveLevelMeter(rate) if kind is Kind.PROMPT else None
        self.windows = WindowPowers(rate, 0.4, 0.1) if kind is Kind.MUSIC else None
        self.swells = WindowPowers(rate, 3.0, 0.5) if kind is Kind.MUSIC else None
        self.pauses = (WindowPowers(rate, PAUSE_WINDOW_S, PAUSE_WINDOW_S)
                       if kind is Kind.PROMPT else None)
        self.energy, self.samples = 0.0, 0

    def feed(self, x: np.ndarray) -> None:
        x = np.asarray(x, dtype=np.float64)
        self.energy += float(np.sum(x * x))
        self.samples += x.size
        if self.speech is not None:
            self.speech.feed(x)
            self.pauses.feed(x)
        if self.windows is not None:
            self.windows.feed(x)
            self.swells.feed(x)

    def level_dbov(self) -> float:
        if self.speech is not None:
            return self.speech.result().level_dbov
        if self.windows is not None:
            return gated_rms_of(self.windows.result()[1])
        return power_db(self.energy / self.samples) if self.samples else SILENT_DB

    def loudest_dbov(self) -> float:
        """RMS of the loudest 3 s (music must not swell above speech even briefly)."""
        if self.swells is None or not self.samples:
            return SILENT_DB
        return power_db(float(np.max(self.swells.result()[1])))

    def silences_s(self) -> tuple[float, float, float]:
        """A prompt's dead air in seconds: before its first sound, after its last, and its
        longest pause between (PAUSE_WINDOW_S windows quieter than its active level by
        SILENCE_BELOW_DB); zeros for music and noise, and for a prompt with no sound."""
        if self.pauses is None:
            return 0.0, 0.0, 0.0
        _, powers = self.pauses.result()
        with np.errstate(divide="ignore"):
            levels = 10.0 * np.log10(powers)
        sound = np.flatnonzero(levels > self.level_dbov() - SILENCE_BELOW_DB)
        if sound.size == 0 or self.level_dbov() == SILENT_DB:
            return 0.0, 0.0, 0.0
        seconds = self.samples / self.rate
        leading = sound[0] * PAUSE_WINDOW_S
        trailing = max(0.0, seconds - (sound[-1] + 1) * PAUSE_WINDOW_S)
        gaps = np.diff(sound) - 1
        longest = float(gaps.max()) * PAUSE_WINDOW_S if gaps.size else 0.0
        return float(leading), float(trailing), longest

    def activity(self) -> float:
        """Share of the signal that is active speech (prompts); 1.0 for music and noise."""
        return self.speech.result().activity if self.speech is not None else 1.0


def tag_comment(kind: Kind, level_dbov: float, source_clipping: Clipping = NO_CLIPPING) -> str:
    """The LIST/INFO comment ``prepare`` writes, so ``check`` knows what the file is meant to be
    and that its source was clipped (the flat tops are smoothed away, the crackle is not)."""
    tag = f"holdwell kind={kind.value} level_dbov={level_dbov:.1f}"
    if source_clipping.plateaus:
        c = source_clipping
        tag += (
            f" source_clipped={c.samples}/{c.total}:{c.plateaus}"
            f"@{c.level_dbfs:.1f}:{c.flat_factor_db:.1f}"
        )
    return tag


_TAG = re.compile(r"holdwell kind=(\w+)")
_CLIPPED_TAG = re.compile(r"source_clipped=(\d+)/(\d+):(\d+)@(-?[\d.]+):([\d.]+)")


def source_clipping_from_comment(comment: str) -> Clipping:
    """Read back what ``tag_comment`` said about the source's flat tops."""
    match = _CLIPPED_TAG.search(comment)
    if match is None:
        return NO_CLIPPING
    samples, total, plateaus, level, flat = match.groups()
    return Clipping(int(samples), int(plateaus), int(total), float(level), float(flat))


def kind_from_comment(comment: str) -> Kind | None:
    """Read back the kind ``tag_comment`` wrote; None for untagged or foreign files."""
    match = _TAG.search(comment)
    if match is None or match.group(1) not in {kind.value for kind in Kind}:
        return None
    return Kind(match.group(1))


def kind_from_name(name: str) -> Kind:
    """Guess for files prepared elsewhere: names with 'noise' or 'silence' are noise beds,
    'music' or 'moh' music; everything else is spoken."""
    lowered = name.lower()
    if "noise" in lowered or "silence" in lowered:
        return Kind.NOISE
    if "music" in lowered or "moh" in lowered:
        return Kind.MUSIC
    return Kind.PROMPT
