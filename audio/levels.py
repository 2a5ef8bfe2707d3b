"""Level meters in dBov (0 dBov = full-scale square wave, so a full-scale sine is -3.01 dBov).

``active_level`` follows ITU-T P.56 method B as published (Kabal, "Measuring Speech Activity";
the STL ``sv56`` description): plain RMS counts the pauses, so a prompt with more silence would
be levelled louder; the active level does not move when silence is added.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
from scipy.ndimage import maximum_filter1d
from scipy.signal import lfilter

SILENT_DB = -math.inf
_TIME_CONSTANT_S = 0.03  # P.56 envelope smoothing
_HANGOVER_S = 0.2  # P.56 hangover: activity continues this long after the envelope drops
_MARGIN_DB = 15.9  # P.56 margin between active level and activity threshold
_LOWEST_THRESHOLD_DB = -100.0
_GRID_STEP_DB = 0.01
_GRID = np.arange(_LOWEST_THRESHOLD_DB, 0.0 + _GRID_STEP_DB / 2, _GRID_STEP_DB)


def decibels(value: float, decimals: int = 1) -> str:
    """A level as read, e.g. "-3.5": a peak a hair under full scale reads "0.0", not "-0.0"."""
    text = f"{value:.{decimals}f}"
    return text.removeprefix("-") if math.isfinite(value) and float(text) == 0 else text


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
    """ITU-T P.56 method B active speech level of a whole signal (``ActiveLevelMeter``, one
    block). Matches the ITU-T STL's own ``actlevel`` (sv56) to a few hundredths of a dB."""
    meter = ActiveLevelMeter(rate)
    meter.feed(x)
    return meter.result()


class ActiveLevelMeter:
    """ITU-T P.56 method B, fed a block at a time.

    Envelope: two cascaded one-pole smoothers of |x| (time constant 0.03 s). For a threshold c,
    a sample is active when the envelope is >= c or was within the last 0.2 s (hangover). The
    active level A(c) is the total energy over the active samples only; the answer is the lowest
    threshold where A(c) - c falls to the 15.9 dB margin. sv56 interpolates between thresholds
    2^j apart; here each sample's highest envelope within its hangover goes into a histogram on
    a 0.01 dB grid, so every threshold's activity is known without keeping the signal.
    """

    def __init__(self, rate: int) -> None:
        self._g = math.exp(-1.0 / (rate * _TIME_CONSTANT_S))
        self._hangover = math.ceil(_HANGOVER_S * rate)
        self._states = (np.zeros(1), np.zeros(1))
        self._history = np.zeros(0)
        self._counts = np.zeros(_GRID.size, dtype=np.int64)
        self.energy = 0.0
        self.samples = 0

    def feed(self, x: np.ndarray) -> None:
        x = np.asarray(x, dtype=np.float64)
        if x.size == 0:
            return
        self.energy += float(np.sum(x * x))
        self.samples += x.size
        taps, poles = [1.0 - self._g], [1.0, -self._g]
        smooth, first = lfilter(taps, poles, np.abs(x), zi=self._states[0])
        envelope, second = lfilter(taps, poles, smooth, zi=self._states[1])
        self._states = (first, second)
        window = self._hangover + 1  # the sample itself and the hangover before it
        joined = np.concatenate((self._history, envelope))
        held = maximum_filter1d(joined, window, mode="constant", origin=(window - 1) // 2)
        held = held[self._history.size :]
        self._history = joined[-self._hangover :] if self._hangover else joined[:0]
        with np.errstate(divide="ignore"):
            steps = np.floor((20.0 * np.log10(held) - _LOWEST_THRESHOLD_DB) / _GRID_STEP_DB)
        steps = steps[steps >= 0].astype(np.int64)
        self._counts += np.bincount(np.minimum(steps, _GRID.size - 1), minlength=_GRID.size)

    def result(self) -> ActiveLevel:
        if self.energy == 0.0:
            return ActiveLevel(SILENT_DB, 0.0, SILENT_DB)
        rms = power_db(self.energy / self.samples)
        active = np.cumsum(self._counts[::-1])[::-1]  # samples active at each threshold
        with np.errstate(divide="ignore"):
            excess = 10.0 * np.log10(self.energy / active) - _GRID - _MARGIN_DB
        settled = np.flatnonzero((excess <= 0.0) | (active == 0))
        if settled.size == 0 or settled[0] == 0:  # no quiet floor to stand on: all is active
            return ActiveLevel(rms, 1.0, rms)
        if not active[settled[0]]:
            # The envelope never reached a threshold the level settles at: too short a
            # signal for P.56 (a 50 ms beep read 22 dB above its own peak). Its RMS, all
            # of it counted active, is the honest figure.
            return ActiveLevel(rms, 1.0, rms)
        k = settled[0]
        return ActiveLevel(power_db(self.energy / active[k]), active[k] / self.samples, rms)


def block_powers(
    x: np.ndarray, rate: int, block_s: float, hop_s: float
) -> tuple[np.ndarray, np.ndarray]:
    """Mean square of each block (one every ``hop_s``, ``block_s`` long) and its centre sample.

    A signal shorter than one block is one block, so short clips still get a level.
    """
    windows = WindowPowers(rate, block_s, hop_s)
    windows.feed(x)
    return windows.result()


class WindowPowers:
    """``block_powers`` fed a block at a time: the running energy is noted at every block's
    start and end as they go by, so only two numbers per hop are kept, never the signal."""

    def __init__(self, rate: int, block_s: float, hop_s: float) -> None:
        self.block = max(int(block_s * rate), 1)
        self.hop = max(int(hop_s * rate), 1)
        self._starts: list[np.ndarray] = [np.zeros(1)]  # energy before sample k * hop
        self._ends: list[np.ndarray] = []  # energy before sample k * hop + block
        self.energy = 0.0
        self.samples = 0

    def feed(self, x: np.ndarray) -> None:
        x = np.asarray(x, dtype=np.float64)
        if x.size == 0:
            return
        first, last = self.samples, self.samples + x.size
        running = self.energy + np.cumsum(x * x)  # energy before sample first + i + 1
        hop, block = self.hop, self.block
        starts = np.arange(-(-(first + 1) // hop), last // hop + 1) * hop
        ends = np.arange(-(-(first + 1 - block) // hop), (last - block) // hop + 1)
        ends = ends[ends >= 0] * hop + block
        self._starts.append(running[starts - first - 1])
        self._ends.append(running[ends - first - 1])
        self.energy, self.samples = float(running[-1]), last

    def result(self) -> tuple[np.ndarray, np.ndarray]:
        n = self.samples
        if n < self.block:  # one short block: the whole signal
            return np.array([n / 2.0]), np.array([self.energy / max(n, 1)])
        count = (n - self.block) // self.hop + 1
        before = np.concatenate(self._starts)[:count]
        after = np.concatenate(self._ends)[:count]
        starts = np.arange(count) * self.hop
        return starts + self.block / 2.0, (after - before) / self.block


def gated_rms_of(powers: np.ndarray) -> float:
    """Gated mean of 400 ms block powers: absolute gate -70 dBov, relative gate 10 dB under."""
    powers = powers[powers > 1e-7]
    if powers.size == 0:
        return SILENT_DB
    powers = powers[powers > np.mean(powers) / 10.0]
    return power_db(float(np.mean(powers)))


def gated_rms_dbov(x: np.ndarray, rate: int) -> float:
    """Long-term level of music the BS.1770 way without K-weighting: 400 ms blocks, 75 % overlap,
    absolute gate -70 dBov, relative gate 10 dB under the mean, so fade-outs and gaps don't count.
    """
    return gated_rms_of(block_powers(x, rate, 0.4, 0.1)[1])


def loudest_window_dbov(x: np.ndarray, rate: int, window_s: float = 3.0) -> float:
    """RMS of the loudest few seconds: music must not swell above speech even briefly."""
    _, powers = block_powers(x, rate, window_s, 0.5)
    return power_db(float(np.max(powers))) if np.size(x) else SILENT_DB
