"""The processing behind ``prepare``, a block at a time, so a 40-minute recording costs a few
blocks of memory (its 8 kHz intermediates can live in scratch files), not the recording.

Order matters and is fixed here: band-limit at the input rate -> resample to 8 kHz -> trim
(prompts) -> level to the kind's target -> limit peaks -> fade the edges. Every step is either
stateful across blocks or sees each block with enough context, so the result is the same as
processing the whole signal at once (the in-memory path is this code with one block).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator

import numpy as np

from audio.dynamics import LIMITER_REACH, fade_gain, limit_peaks, passage_gains_db, trim_bounds
from audio.filters import telephone_blocks
from audio.formats import TELEPHONE_RATE, AudioError
from audio.kinds import MUSIC_FLOOR_DBOV, SILENCE_BELOW_DB, Kind, KindMeter
from audio.levels import WindowPowers
from audio.stream import Track, overlapped

LIMITER_CEILING_DBFS = -3.5  # what the limiter aims at, leaving room for rounding and mu-law
_SILENT_INPUT_DBOV = -85.0
Gain = Callable[[np.ndarray], np.ndarray]  # sample indices -> linear gain


def process(
    blocks: Iterable[np.ndarray],
    rate: int,
    kind: Kind,
    target_dbov: float,
    prompt_level_dbov: float,
    trim: bool = True,
    spill: bool = False,
) -> Track:
    """Mono float blocks at ``rate`` -> 8 kHz samples at the kind's target, peaks limited (not
    yet faded: ``finished`` does that on the way out, once the length is known)."""
    band = Track(spill)
    meter, frames = KindMeter(TELEPHONE_RATE, kind), WindowPowers(TELEPHONE_RATE, 0.01, 0.01)
    for block in telephone_blocks(blocks, rate):
        band.append(block)
        meter.feed(block)
        frames.feed(block)
    measured = meter.level_dbov()
    if measured < _SILENT_INPUT_DBOV:
        band.close()
        raise AudioError(
            "nothing to level: the input is silent in the telephone band "
            "(300-3400 Hz), or all its sound lies outside it"
        )
    start, stop = 0, band.size
    if kind is Kind.PROMPT and trim:
        with np.errstate(divide="ignore"):
            levels = 10.0 * np.log10(frames.result()[1])
        start, stop = trim_bounds(levels, band.size, TELEPHONE_RATE,
                                  measured - SILENCE_BELOW_DB)
    gain = _music_gain(meter, measured, target_dbov, prompt_level_dbov)
    level = measured
    if gain is not None or (start, stop) != (0, band.size):
        level = _level_of(_gained(band, start, stop, gain), kind)
    current = band
    for _ in range(6):  # gain and limiter pull against each other briefly, then agree
        step = 10.0 ** ((target_dbov - level) / 20.0)
        limited, meter = Track(spill), KindMeter(TELEPHONE_RATE, kind)
        for block in _limited(_gained(current, start, stop, gain, step)):
            # measured as written, faded: the fades `finished` adds took up to 7 dB off clips
            # under 0.1 s (a short chime), which then failed their own check as too quiet
            index = limited.size + np.arange(block.size)
            limited.append(block)
            meter.feed(block * fade_gain(index, stop - start, TELEPHONE_RATE))
        current.close()
        current, start, stop, gain = limited, 0, limited.size, None
        level = meter.level_dbov()
        if abs(level - target_dbov) < 0.05:
            break
    return current


def finished(track: Track) -> Iterator[np.ndarray]:
    """The track with its edges faded and clipped to the limiter's ceiling (never reached
    but by rounding), block by block, ready to write."""
    ceiling = 10.0 ** (LIMITER_CEILING_DBFS / 20.0)
    offset = 0
    for block in track.blocks():
        index = offset + np.arange(block.size)
        yield np.clip(block * fade_gain(index, track.size, TELEPHONE_RATE), -ceiling, ceiling)
        offset += block.size


def _music_gain(
    meter: KindMeter, measured: float, target: float, prompt_level: float
) -> Gain | None:
    """Music: the gain to the target, then slow levelling of its 400 ms passages (lift under
    the voice-activity floor, pull down over 3 dB under the prompts), from the block powers
    measured on the way in."""
    if meter.windows is None:
        return None
    first = target - measured
    centres, powers = meter.windows.result()
    with np.errstate(divide="ignore"):
        levels = 10.0 * np.log10(powers) + first
    floor = min(MUSIC_FLOOR_DBOV + 2.0, target - 4.0)
    change = passage_gains_db(levels, floor_dbov=floor, ceiling_dbov=prompt_level - 3.0)

    def gain(index: np.ndarray) -> np.ndarray:
        return 10.0 ** ((first + np.interp(index, centres, change)) / 20.0)

    return gain


def _gained(
    track: Track, start: int, stop: int, gain: Gain | None, step: float = 1.0
) -> Iterator[np.ndarray]:
    offset = start
    for block in track.blocks(start, stop):
        index = offset + np.arange(block.size)
        yield block * step * (gain(index) if gain is not None else 1.0)
        offset += block.size


def _limited(blocks: Iterable[np.ndarray]) -> Iterator[np.ndarray]:
    for window in overlapped(blocks, LIMITER_REACH, LIMITER_REACH):
        yield limit_peaks(window.buffer, TELEPHONE_RATE, LIMITER_CEILING_DBFS)[window.core]


def _level_of(blocks: Iterable[np.ndarray], kind: Kind) -> float:
    meter = KindMeter(TELEPHONE_RATE, kind)
    for block in blocks:
        meter.feed(block)
    return meter.level_dbov()
