"""Level meters in dBov (0 dBov = full-scale square wave, so a full-scale sine is -3.01 dBov).

``active_level`` follows ITU-T P.56 method B as published (Kabal, "Measuring Speech Activity";
the STL ``sv56`` description): plain RMS counts the pauses, so a prompt with more silence would
be levelled louder; the active level does not move when silence is added.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
from scipy.signal import lfilter

SILENT_DB = -math.inf
_TIME_CONSTANT_S = 0.03  # P.56 envelope smoothing
_HANGOVER_S = 0.2  # P.56 hangover: activity continues this long after the envelope drops
_MARGIN_DB = 15.9  # P.56 margin between active level and activity threshold
_LOWEST_THRESHOLD_DB = -100.0


def power_db(power: float) -> float:
    """10 log10 of a mean-square value, -inf for exact silence."""
    return 10.0 * math.log10(power) if power > 0 else SILENT_DB


def rms_dbov(x: np.ndarray) -> float:
    """Long-term RMS level, pauses included."""
    x = np.asarray(x, dtype=np.float64)
    return power_db(float(np.mean(x * x))) if x.size else SILENT_DB


def peak_dbfs(x: np.ndarray) -> float:
    """Sample peak re full scale (pydub's ``max_dBFS``)."""
    x = np.asarray(x, dtype=np.float64)
    peak = float(np.max(np.abs(x))) if x.size else 0.0
    return 20.0 * math.log10(peak) if peak > 0 else SILENT_DB


@dataclass(frozen=True)
class ActiveLevel:
    """P.56 result: level over the active part only, and how much of the signal was active."""

    level_dbov: float
    activity: float  # 0..1
    rms_dbov: float


def active_level(x: np.ndarray, rate: int) -> ActiveLevel:
    """ITU-T P.56 method B active speech level.

    Envelope: two cascaded one-pole smoothers of |x| (time constant 0.03 s). For a threshold c,
    a sample is active when the envelope is >= c or was within the last 0.2 s (hangover). The
    active level A(c) is the total energy over the active samples only; the answer is the lowest
    threshold where A(c) - c falls to the 15.9 dB margin. sv56 interpolates between thresholds
    2^j apart; we bracket on a 6 dB grid and bisect, which is finer and needs no interpolation.
    """
    x = np.asarray(x, dtype=np.float64)
    energy = float(np.sum(x * x))
    if energy == 0.0:
        return ActiveLevel(SILENT_DB, 0.0, SILENT_DB)
    g = math.exp(-1.0 / (rate * _TIME_CONSTANT_S))
    envelope = lfilter([1.0 - g], [1.0, -g], lfilter([1.0 - g], [1.0, -g], np.abs(x)))
    count = _activity_counter(envelope, math.ceil(_HANGOVER_S * rate))

    def excess_db(threshold_db: float) -> float:
        active = count(threshold_db)
        return power_db(energy / active) - threshold_db - _MARGIN_DB if active else -math.inf

    grid = np.arange(_LOWEST_THRESHOLD_DB, 0.1, 6.0)
    low = grid[0]
    if excess_db(low) <= 0.0:  # no quiet floor to stand on: take everything as active
        return ActiveLevel(power_db(energy / x.size), 1.0, power_db(energy / x.size))
    for high in grid[1:]:
        if excess_db(high) <= 0.0:
            break
        low = high
    else:
        high = low
    for _ in range(10):  # 6 dB / 2^10: well under 0.01 dB
        middle = (low + high) / 2.0
        low, high = (middle, high) if excess_db(middle) > 0.0 else (low, middle)
    threshold = low if count(high) == 0 else high
    active = count(threshold)
    return ActiveLevel(power_db(energy / active), active / x.size, power_db(energy / x.size))


def _activity_counter(envelope: np.ndarray, hangover: int) -> Callable[[float], int]:
    """Return threshold_db -> number of active samples, hangover included (vectorised)."""
    index = np.arange(envelope.size)

    def count(threshold_db: float) -> int:
        above = envelope >= 10.0 ** (threshold_db / 20.0)
        last_above = np.maximum.accumulate(np.where(above, index, -hangover - 1))
        return int(np.count_nonzero(index - last_above <= hangover))

    return count


def block_powers(
    x: np.ndarray, rate: int, block_s: float, hop_s: float
) -> tuple[np.ndarray, np.ndarray]:
    """Mean square of each block (one every ``hop_s``, ``block_s`` long) and its centre sample.

    A signal shorter than one block is one block, so short clips still get a level.
    """
    x = np.asarray(x, dtype=np.float64)
    block, hop = max(int(block_s * rate), 1), max(int(hop_s * rate), 1)
    starts = np.arange(0, max(x.size - block, 0) + 1, hop)
    ends = np.minimum(starts + block, x.size)
    squares = np.concatenate(([0.0], np.cumsum(x * x)))
    powers = (squares[ends] - squares[starts]) / np.maximum(ends - starts, 1)
    return (starts + ends) / 2.0, powers


def gated_rms_dbov(x: np.ndarray, rate: int) -> float:
    """Long-term level of music the BS.1770 way without K-weighting: 400 ms blocks, 75 % overlap,
    absolute gate -70 dBov, relative gate 10 dB under the mean, so fade-outs and gaps don't count.
    """
    _, powers = block_powers(x, rate, 0.4, 0.1)
    powers = powers[powers > 1e-7]
    if powers.size == 0:
        return SILENT_DB
    powers = powers[powers > np.mean(powers) / 10.0]
    return power_db(float(np.mean(powers)))


def loudest_window_dbov(x: np.ndarray, rate: int, window_s: float = 3.0) -> float:
    """RMS of the loudest few seconds: music must not swell above speech even briefly."""
    _, powers = block_powers(x, rate, window_s, 0.5)
    return power_db(float(np.max(powers))) if np.size(x) else SILENT_DB
