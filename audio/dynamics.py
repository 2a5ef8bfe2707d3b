"""Gain that changes over time: peak limiting, slow levelling of music passages, fades, trimming.

All float64; nothing here clips. The limiter is what keeps peaks under -3 dBFS after levelling,
and the fades are what keep looped beds and joined prompts from clicking.
"""

from __future__ import annotations

import math

import numpy as np
from scipy.ndimage import minimum_filter1d, uniform_filter1d

from audio.distortion import true_peak_envelope
from audio.levels import SILENT_DB, block_powers


def limit_peaks(
    x: np.ndarray, rate: int, ceiling_dbfs: float = -3.5, window_ms: float = 5.0
) -> np.ndarray:
    """Look-ahead peak limiter: the gain dips smoothly around each peak instead of clipping it.

    Needed gain per sample -> running minimum over +-window -> moving average over the same span.
    Each average covers only values no larger than the gain its peak needs, so no peak escapes.
    Peaks are true peaks (between samples too): those are what the phone's DAC reaches.
    """
    x = np.asarray(x, dtype=np.float64)
    ceiling = 10.0 ** (ceiling_dbfs / 20.0)
    magnitude = true_peak_envelope(x)
    if x.size == 0 or magnitude.max() <= ceiling:
        return x.copy()
    needed = np.minimum(1.0, ceiling / np.maximum(magnitude, 1e-12))
    span = 2 * max(1, int(window_ms / 1000.0 * rate)) + 1
    gain = uniform_filter1d(minimum_filter1d(needed, size=span), size=span)
    return x * np.minimum(gain, needed)


LIMITER_REACH = 256  # samples of context either side that make ``limit_peaks`` exact per block


def _block_levels_db(
    x: np.ndarray, rate: int, block_s: float, hop_s: float
) -> tuple[np.ndarray, np.ndarray]:
    centres, powers = block_powers(x, rate, block_s, hop_s)
    with np.errstate(divide="ignore"):
        return centres, 10.0 * np.log10(powers)


def level_passages(
    x: np.ndarray,
    rate: int,
    floor_dbov: float,
    ceiling_dbov: float,
) -> np.ndarray:
    """Slow two-way compression of music (``passage_gains_db``) applied to a whole signal."""
    x = np.asarray(x, dtype=np.float64)
    if x.size == 0:
        return x.copy()
    centres, levels = _block_levels_db(x, rate, 0.4, 0.1)
    change_db = passage_gains_db(levels, floor_dbov, ceiling_dbov)
    return x * 10.0 ** (np.interp(np.arange(x.size), centres, change_db) / 20.0)


def passage_gains_db(
    levels_db: np.ndarray,
    floor_dbov: float,
    ceiling_dbov: float,
    max_boost_db: float = 12.0,
    gap_dbov: float = -65.0,
) -> np.ndarray:
    """Gain per 400 ms block for slow two-way compression of music: lift passages under
    ``floor_dbov`` (phone networks' voice-activity detection mutes music below about -41 dBov)
    and pull passages over ``ceiling_dbov`` down (music must never swell above speech).
    Near-silent gaps stay silent rather than being pumped into hiss. Applied per sample by
    interpolating between block centres."""
    boost = np.clip(floor_dbov - levels_db, 0.0, max_boost_db)
    cut = np.minimum(ceiling_dbov - levels_db, 0.0)
    return np.where(levels_db > gap_dbov, boost + cut, 0.0)


def fade_gain(index: np.ndarray, total: int, rate: int, fade_ms: float = 15.0) -> np.ndarray:
    """Gain at sample ``index`` of ``total`` for raised-cosine fades in and out, starting and
    ending on exact zero (so looped beds and joined prompts do not click)."""
    n = min(int(rate * fade_ms / 1000.0), total // 2)
    gain = np.ones(np.shape(index))
    if n == 0:
        return gain
    index = np.asarray(index)
    head, tail = index < n, index >= total - n
    gain[head] = 0.5 - 0.5 * np.cos(math.pi * index[head] / n)
    gain[tail] = 0.5 - 0.5 * np.cos(math.pi * (total - 1 - index[tail]) / n)
    return gain


def fade_edges(x: np.ndarray, rate: int, fade_ms: float = 15.0) -> np.ndarray:
    """Raised-cosine fade-in and fade-out of a whole signal."""
    y = np.asarray(x, dtype=np.float64)
    return y * fade_gain(np.arange(y.size), y.size, rate, fade_ms)


def trim_bounds(
    frame_levels_db: np.ndarray, total: int, rate: int, threshold_dbov: float, pad_ms: float = 100.0
) -> tuple[int, int]:
    """Where a prompt's sound starts and ends, from its 10 ms frame levels, with a short pad.

    A frame counts as sound when its RMS is above ``threshold_dbov``; with no such frame the
    whole signal is kept (the caller decides what silence means).
    """
    frame = max(1, int(0.01 * rate))
    loud = np.flatnonzero(frame_levels_db > threshold_dbov)
    if threshold_dbov == SILENT_DB or loud.size == 0:
        return 0, total
    pad = int(pad_ms / 1000.0 * rate)
    return max(0, loud[0] * frame - pad), min(total, (loud[-1] + 1) * frame + pad)


def trim_silence(
    x: np.ndarray, rate: int, threshold_dbov: float, pad_ms: float = 100.0
) -> np.ndarray:
    """Cut leading and trailing silence, keeping a short pad: a prompt lasts as long as its
    speech."""
    x = np.asarray(x, dtype=np.float64)
    if x.size == 0:
        return x.copy()
    _, levels = _block_levels_db(x, rate, 0.01, 0.01)
    start, end = trim_bounds(levels, x.size, rate, threshold_dbov, pad_ms)
    return x[start:end].copy()
