"""Everything ``check`` and ``prepare`` measure about a file, in two passes of a block at a time.

The first pass finds each channel's mean and extremes (DC offset, and what a flat top is judged
against); the second measures the rest on windows with a little context either side: flat tops,
wrap-around, true peak, and on the mono mix with its DC removed the bands and the powers that
tell whether anything is there at all, and the kind's level, activity and silences: a
prompt's and music's in the telephone band (300-3400 Hz: what callers hear, as `prepare`
levels them). Memory stays a few blocks whatever the length; a whole signal in memory is the
same scan with one block.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from audio.distortion import (
    NO_CLIPPING,
    Clipping,
    ClipTally,
    Extremes,
    quantum_of,
    true_peak,
    wrap_jumps,
)
from audio.filters import BandLimiter, BandMeter
from audio.formats import ALAW, MULAW, AudioFormat
from audio.g711 import quantization_power
from audio.kinds import Kind, KindMeter
from audio.stream import Blocks, overlapped

_CONTEXT = 4096  # samples each side: longer than any flat top, the wrap test and the 4x FIR


@dataclass(frozen=True)
class Scan:
    """Measurements of one signal; levels are of the mono mix with DC removed."""

    format: AudioFormat
    dc_offset: tuple[float, ...]
    channel_powers: tuple[float, ...]  # mean square of each channel, DC removed
    mono_power: float
    bands: tuple[float, float, float, float]  # below 150 Hz, 300-3400 Hz, above 3.6 kHz, all
    clipping: Clipping
    wraps: int
    peak: float  # highest sample magnitude
    true_peak: float  # highest magnitude between samples too (4x oversampled)
    edges: tuple[float, float]  # first and last sample of the mono mix, DC removed
    level_dbov: float
    activity: float
    loudest_dbov: float  # loudest 3 s window (music), -inf otherwise
    codec_noise: float  # G.711's own rounding noise power (0 for PCM)
    silences_s: tuple[float, float, float] = (0.0, 0.0, 0.0)  # a prompt's: KindMeter's


def channel_extremes(blocks: Blocks) -> tuple[Extremes, ...]:
    """First pass: each channel's mean, top and bottom."""
    total = top = bottom = None
    count = 0
    for frames in blocks():
        if frames.shape[0] == 0:
            continue
        sums, highs, lows = frames.sum(axis=0), frames.max(axis=0), frames.min(axis=0)
        total = sums if total is None else total + sums
        top = highs if top is None else np.maximum(top, highs)
        bottom = lows if bottom is None else np.minimum(bottom, lows)
        count += frames.shape[0]
    if total is None:
        return ()
    columns = zip(total, top, bottom, strict=True)
    return tuple(Extremes(float(s / count), float(t), float(b)) for s, t, b in columns)


def scan(blocks: Blocks, fmt: AudioFormat, kind: Kind, full: bool = True) -> Scan:
    """Both passes over ``blocks`` (frames shaped (n, channels) at ``fmt.rate``).

    ``full=False`` leaves out what only ``check`` reports (level, true peak, wrap-around):
    ``prepare`` needs just the DC, the flat tops and whether anything is there.
    """
    extremes = channel_extremes(blocks)
    channels = max(len(extremes), fmt.channels)
    dc = tuple(e.centre for e in extremes) or (0.0,) * channels
    mono_dc = float(np.mean(dc))
    tallies = [ClipTally(e, quantum_of(fmt), fmt.rate, by_shape=kind is Kind.PROMPT)
               for e in extremes]
    level, bands = KindMeter(fmt.rate, kind), BandMeter(fmt.rate)
    on_the_line = BandLimiter(fmt.rate)  # the level callers hear: bass the phone drops is
    # no loudness to them (an 80 Hz hum had passed a prompt 8 dB too quiet)
    squares = np.zeros(channels)
    mono_squares = codec = peak = top = 0.0
    wraps, first, last = 0, None, 0.0
    law = {MULAW: "mulaw", ALAW: "alaw"}.get(fmt.tag)
    for window in overlapped(blocks(), _CONTEXT, _CONTEXT):
        frames = window.block
        for channel, tally in enumerate(tallies):
            tally.feed(window.buffer[:, channel], window.core)
            if full:
                wraps += wrap_jumps(window.buffer[:, channel], window.core)
        peak = max(peak, float(np.max(np.abs(frames))))
        if full:
            top = max(top, true_peak(window.buffer, window.core))
        squares += np.sum((frames - np.asarray(dc)) ** 2, axis=0)
        mono = frames.mean(axis=1) - mono_dc
        mono_squares += float(np.sum(mono * mono))
        if full:  # comfort noise's rule is of its samples in G.711: its whole band
            level.feed(mono if kind is Kind.NOISE else on_the_line(mono))
        bands.feed(mono)
        if law:
            codec += quantization_power(frames[:, 0], law) * mono.size
        first = mono[0] if first is None else first
        last = mono[-1]
    n = fmt.frames or 1
    clipping = sum((tally.result() for tally in tallies), NO_CLIPPING)
    return Scan(
        format=fmt,
        dc_offset=dc,
        channel_powers=tuple(float(p) / n for p in squares),
        mono_power=mono_squares / n,
        bands=bands.result(),
        clipping=clipping,
        wraps=wraps,
        peak=peak,
        true_peak=top,
        edges=(0.0 if first is None else float(first), float(last)),
        level_dbov=level.level_dbov(),
        activity=level.activity(),
        loudest_dbov=level.loudest_dbov(),
        codec_noise=codec / n,
        silences_s=level.silences_s() if full else (0.0, 0.0, 0.0),
    )
