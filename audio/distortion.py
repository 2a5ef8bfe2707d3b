"""Faults a level meter cannot hear: flat-topped (clipped) peaks at any level, DC offset, integer
wrap-around and peaks between the samples (true peak).

Callers complain about hold audio that crackles. Clipping is not only samples at full scale: a
file mixed too hot and then turned down is flat-topped at -14 dBFS, and every plateau is a crack.
A plateau is told from a smooth peak by its edges: a smooth peak rounded to the file's own
quantum can stay on one value for three samples only if it creeps onto and off it by less than
about one quantum, so a run of three or more equal samples, at a local extreme, entered and left
by a step of at least four quanta, can only be a flat top -- in a file without dither. Dither
and hiss of about a quantum move each sample by a quantum or two, enough for a quiet tone's
smooth crest to sit three samples on one value between steps of four or five (a 150 Hz tone
at -44 dBFS, dithered as sox does, showed ten such "flat tops"). So a run also has to be more
than the noise around it explains: the parabola through the two samples either side must reach
at least two quanta past it, plus three deviations of how far noise moves that fit (a clipped
peak lost that much; a smooth crest rounded onto one value lost about nothing); or, for a high
tone clipped so hard that its half-waves are too short for a parabola, its edges must be at
least eight quanta plus three deviations of the noise's steps. The noise is measured from the
third difference within 32 samples of the run's centre. Measured on 6,048 sox tones (100 Hz to
3 kHz, 8 to 48 kHz, -30 to -90 dBFS, TPDF, noise-shaped or no dither): 341 had shown two or
more flat tops, now 10 (noise-shaped dither at 48 kHz); of 2,016 tones clipped by 0.5-6 dB at
-1 to -60 dBFS (no dither, dither or -60 dBFS hiss before the clip), 21 of the 1,330 found
before are missed, all clipped at -50 or -60 dBFS.

Clipping that was smoothed afterwards (a low-pass filter, resampling, an MP3 encode) leaves no
runs of equal samples: the plateau comes out rounded, with a little ripple and overshoot. Its
shape survives, though, and so does its level: every clipped half-wave sits at the clip level,
near the file's peak, and stays near its own top far longer than a smooth peak does. A sine
spends 41 % of each half-wave within 20 % of its crest, the peaks of speech, noise and music
less; a half-wave near the peak that spends over 1.2 times that there is a rounded flat top.
These are the flat-topped segments near the peak that make the amplitude histogram pile up at
the clip level (Aleinik & Matveev, "Detection of clipped fragments in speech signals", 2014;
Eaton & Naylor, "Detection of clipping in coded speech signals", EUSIPCO 2013), seen in the
waveform, where a pure tone's own pile-up at its crest does not count. Measured on espeak-ng
prompts (eight voices, two pitches), tones, noise and music, clean at -3 or -1 dBFS, resampled,
MP3-encoded or prepared: at most 0.04 % of samples on rounded flat tops; the same prompts
overdriven by 6 dB, then resampled or MP3-encoded: 0.37 % or more. One sample in a thousand (the
fail fraction for runs of equal samples too) separates them. A high-pass or all-pass filter
after the clipping shifts the harmonics' phases and can round the tops away; a tone whose
clipping harmonics all lie above the band it was filtered to comes out a clean sine again.
The shape is judged in prompts only: a musical tone may be flat-topped by nature (a sine with
its third harmonic at a ninth, as an organ or a clarinet plays, or a synthesiser's square-ish
wave stays near its crest like a clipped one: 58 % and 87 % of such clean music's samples),
while speech never is.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
from scipy.signal import resample_poly

from audio.formats import ALAW, MULAW, PCM, TELEPHONE_RATE, AudioFormat
from audio.levels import decibels

_MIN_PLATEAU = 3  # samples; see the module docstring for why three
_EDGE_QUANTA = 4.0  # how steep a plateau's edges must be, in quanta
_CUT_QUANTA = 2.0  # how far beyond a flat top the curve around it must reach, in quanta
_STEEP_QUANTA = 8.0  # ... or how steep its edges, where half-waves are too short for a curve
_NOISE_SPAN = 32  # samples either side of a plateau whose roughness tells the noise there
_NOISE_REACH = 3.0  # deviations of the noise that a clean peak's figures may stray
_CUT_NOISE_CAP = 2.0  # quanta: rougher than dither, equal runs are themselves rare
_STEEP_NOISE_CAP = 16.0  # quanta: noise-shaped dither (sox's `dither -s`) reaches about 12
_NEAR_PEAK = 0.5  # plateaus under half the channel's peak swing are not its extremes
_TRUE_PEAK_OVERSAMPLING = 4  # ITU-R BS.1770-4 Annex 2
_WRAP_JUMP = 1.5  # a step over 75 % of the range (full range is 2.0)
_WRAP_CONTEXT = 16  # samples either side that show how rough the signal is there
CLIPPED_FAIL_FRACTION = 0.001  # one sample in a thousand on a flat top: audible crackle
_CLIPPED_WARN_PLATEAUS = 2
_CREST = 0.2  # a half-wave's top: within 20 % of its own peak
_SINE_DWELL = 2.0 * math.acos(1.0 - _CREST) / math.pi  # 0.41: a sine's share of that
_ROUNDED_DWELL = 1.2 * _SINE_DWELL  # rounded flat top: 1.2 times as long at its top as a sine
_ROUNDED_NEAR_PEAK = 0.8  # clipped half-waves sit at the clip level, near the channel's peak
_ROUNDED_RATE = 64_000  # oversampled to at least this, so short half-waves have a shape
_ROUNDED_MIN_S = 0.25e-3  # shorter half-waves (tones over 2 kHz) have too few samples to judge
_ROUNDED_MIN_QUANTA = 16  # crests of a few quanta are steps of the rounding, not a shape


@dataclass(frozen=True)
class Quantum:
    """The file's rounding step: fixed for PCM, a share of the value for G.711 (mu-law, A-law)."""

    absolute: float = 2.0**-15
    relative: float = 0.0

    def at(self, value: np.ndarray) -> np.ndarray:
        return np.maximum(self.absolute, self.relative * np.abs(value))


G711_QUANTUM = Quantum(8 / 32768, 1 / 16)  # 16 steps per doubling at the top of each segment


@dataclass(frozen=True)
class Clipping:
    """Flat tops found in one signal (all channels together)."""

    samples: int  # samples sitting on flat tops
    plateaus: int
    total: int  # samples examined
    level_dbfs: float  # the highest flat top, -inf when there is none
    flat_factor_db: float  # sox ``stats``' flat factor, worst channel (0 dB: no runs at extremes)
    rounded: bool = False  # the flat tops were smoothed after clipping (found by their shape)

    @property
    def fraction(self) -> float:
        return self.samples / self.total if self.total else 0.0

    def __add__(self, other: Clipping) -> Clipping:
        return Clipping(
            self.samples + other.samples,
            self.plateaus + other.plateaus,
            self.total + other.total,
            max(self.level_dbfs, other.level_dbfs),
            max(self.flat_factor_db, other.flat_factor_db),
            self.rounded or other.rounded,
        )


NO_CLIPPING = Clipping(0, 0, 0, -math.inf, 0.0)


def _runs(x: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Start and end (exclusive) of every run of equal consecutive samples."""
    change = np.flatnonzero(np.diff(x) != 0) + 1
    return np.concatenate(([0], change)), np.concatenate((change, [x.size]))


@dataclass(frozen=True)
class Extremes:
    """A channel's mean, highest and lowest sample: what a flat top is judged against."""

    centre: float
    top: float
    bottom: float

    @classmethod
    def of(cls, x: np.ndarray) -> Extremes:
        return cls(float(np.mean(x)), float(np.max(x)), float(np.min(x)))

    @property
    def swing(self) -> float:
        return max(self.top - self.centre, self.centre - self.bottom)


def _rounded_tops(
    x: np.ndarray, core: slice, e: Extremes, rate: int, floor: float
) -> tuple[int, int, float]:
    """Half-waves of ``x`` starting inside ``core`` that crest near the channel's peak (and
    above ``floor``) and stay near their crest far longer than a sine: their samples within
    ``_CREST`` of it, counted at the oversampled rate, how many they are, and the highest crest.
    """
    k = math.ceil(_ROUNDED_RATE / rate)
    y = resample_poly(x - e.centre, k, 1)
    if y.size == 0:
        return 0, 0, 0.0
    negative = np.signbit(y)
    starts = np.concatenate(([0], np.flatnonzero(negative[1:] != negative[:-1]) + 1))
    lengths = np.diff(np.append(starts, y.size))
    magnitude = np.abs(y)
    crests = np.maximum.reduceat(magnitude, starts)
    near = magnitude >= (1.0 - _CREST) * np.repeat(crests, lengths)
    dwell = np.add.reduceat(near.astype(np.int64), starts)
    flat = (
        (starts >= k * core.start)
        & (starts < k * core.stop)
        & (lengths >= _ROUNDED_MIN_S * rate * k)
        & (crests >= max(_ROUNDED_NEAR_PEAK * e.swing, floor))
        & (dwell > _ROUNDED_DWELL * lengths)
    )
    highest = float(np.max(crests[flat], initial=0.0))
    return int(np.sum(dwell[flat])), int(np.count_nonzero(flat)), highest


class ClipTally:
    """Flat tops and sox's flat-factor sums for one channel, a window at a time: each run is
    counted in the window where it starts, seen whole thanks to the window's context.

    Rounded flat tops (clipping smoothed afterwards) count only in bulk, and only where runs of
    equal samples found too few: one may be a natural peak, a thousandth of the samples on them
    is clipping."""

    def __init__(
        self, extremes: Extremes, quantum: Quantum = Quantum(), rate: int = TELEPHONE_RATE,
        by_shape: bool = True,
    ) -> None:
        self.extremes, self.quantum, self.rate = extremes, quantum, rate
        self.by_shape = by_shape  # look for rounded flat tops too (speech: see the module)
        self.samples = self.plateaus = self.total = 0
        self.highest = 0.0
        self._squares = self._lengths = 0.0
        self._rounded = self._rounded_tops = 0
        self._rounded_highest = 0.0

    def feed(self, buffer: np.ndarray, core: slice) -> None:
        """Count the runs of ``buffer`` that start inside ``core``."""
        x, e = buffer, self.extremes
        self.total += core.stop - core.start
        starts, ends = _runs(x)
        mine = (starts >= core.start) & (starts < core.stop)
        starts, ends = starts[mine], ends[mine]
        lengths = (ends - starts).astype(np.float64)
        at_extreme = (x[starts] == e.top) | (x[starts] == e.bottom)
        self._squares += float(np.sum(lengths[at_extreme] ** 2))
        self._lengths += float(np.sum(lengths[at_extreme]))
        inner = (lengths >= _MIN_PLATEAU) & (starts > 0) & (ends < x.size)
        starts, ends = starts[inner], ends[inner]
        value, before, after = x[starts], x[starts - 1], x[np.minimum(ends, x.size - 1)]
        extreme = ((before < value) & (after < value) & (value > e.centre)) | (
            (before > value) & (after > value) & (value < e.centre)
        )
        edge = np.minimum(np.abs(value - before), np.abs(value - after))
        steep = edge >= _EDGE_QUANTA * self.quantum.at(value)
        flat = extreme & steep & (np.abs(value - e.centre) >= _NEAR_PEAK * e.swing)
        starts, ends, value, edge = starts[flat], ends[flat], value[flat], edge[flat]
        flat = _beyond_noise(x, starts, ends, edge, self.quantum.at(value), value > e.centre)
        self.samples += int(np.sum(ends[flat] - starts[flat]))
        self.plateaus += int(np.count_nonzero(flat))
        if flat.any():
            self.highest = max(self.highest, float(np.max(np.abs(value[flat]))))
        if not self.by_shape:
            return
        floor = _ROUNDED_MIN_QUANTA * self.quantum.absolute
        samples, tops, highest = _rounded_tops(x, core, e, self.rate, floor)
        self._rounded += samples
        self._rounded_tops += tops
        self._rounded_highest = max(self._rounded_highest, highest)

    def result(self) -> Clipping:
        constant = self.extremes.top == self.extremes.bottom  # no peaks to be flat
        ratio = self._squares / self._lengths if self._lengths and not constant else 1.0
        hard = Clipping(
            self.samples, self.plateaus, self.total, _dbfs(self.highest), 20.0 * math.log10(ratio)
        )
        oversampled = math.ceil(_ROUNDED_RATE / self.rate)
        rounded = Clipping(
            round(self._rounded / oversampled),
            self._rounded_tops,
            self.total,
            _dbfs(self._rounded_highest),
            hard.flat_factor_db,
            rounded=True,
        )
        return rounded if hard.fraction < CLIPPED_FAIL_FRACTION <= rounded.fraction else hard


def _beyond_noise(
    x: np.ndarray, starts: np.ndarray, ends: np.ndarray, edge: np.ndarray,
    quantum: np.ndarray, top: np.ndarray,
) -> np.ndarray:
    """Which steep-edged runs no dither or hiss explains: the curve around the run would have
    gone clearly beyond it (a peak was cut off), or, where half-waves are too short for a curve
    (a high tone, clipped hard), the edges are far steeper than the noise's steps."""
    noise = _local_noise(x, starts, ends)
    lengths = ends - starts
    cut = _cut_off(x, starts, ends) * np.where(top, 1.0, -1.0)
    reach = _NOISE_REACH * _cut_noise_gain(lengths) * np.minimum(noise, _CUT_NOISE_CAP * quantum)
    steep_reach = _NOISE_REACH * math.sqrt(2.0) * np.minimum(noise, _STEEP_NOISE_CAP * quantum)
    return (cut >= _CUT_QUANTA * quantum + reach) | (edge >= _STEEP_QUANTA * quantum + steep_reach)


def _fit_weights(lengths: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Weights of the two samples either side of a run of ``lengths`` equal samples (nearer,
    then farther) in the height, at the run's centre, of the parabola through all four."""
    near, far = (lengths + 1) / 2.0, (lengths + 3) / 2.0
    span = 2.0 * (far**2 - near**2)
    return far**2 / span, -(near**2) / span


def _cut_off(x: np.ndarray, starts: np.ndarray, ends: np.ndarray) -> np.ndarray:
    """How far the curve around each run would have gone past it: the parabola through the two
    samples either side, at the run's centre, less the run's value (signed: up is positive)."""
    near, far = _fit_weights(ends - starts)
    last = x.size - 1
    nearer = x[np.maximum(starts - 1, 0)] + x[np.minimum(ends, last)]
    farther = x[np.maximum(starts - 2, 0)] + x[np.minimum(ends + 1, last)]
    return near * nearer + far * farther - x[starts]


def _cut_noise_gain(lengths: np.ndarray) -> np.ndarray:
    """How far that fitted height strays, in deviations of the noise on each sample."""
    near, far = _fit_weights(lengths)
    return np.sqrt(2.0 * (near**2 + far**2))


def _local_noise(x: np.ndarray, starts: np.ndarray, ends: np.ndarray) -> np.ndarray:
    """The noise's standard deviation around each run: the median size of the third difference
    within ``_NOISE_SPAN`` samples of the run's centre, scaled as for white noise (whose third
    difference has 20 times its variance, and whose median size is 0.6745 deviations). Near a
    smooth crest the signal's own third difference is small, so this is dither and hiss."""
    third = np.abs(np.diff(x, 3))
    width = 2 * _NOISE_SPAN + 1
    scale = 0.6745 * math.sqrt(20.0)
    if third.size < width:
        return np.full(starts.size, float(np.median(third)) / scale if third.size else 0.0)
    first = np.clip((starts + ends) // 2 - _NOISE_SPAN, 0, third.size - width)
    around = np.lib.stride_tricks.sliding_window_view(third, width)[first]
    return np.median(around, axis=1) / scale


def _dbfs(magnitude: float) -> float:
    return 20.0 * math.log10(magnitude) if magnitude > 0 else -math.inf


def flat_factor_db(x: np.ndarray) -> float:
    """sox ``stats``' flat factor: 20 log10(sum of squared run lengths / samples) over the runs
    at the channel's minimum and maximum; 0 dB when each extreme value stands alone."""
    return find_clipping(x).flat_factor_db


def find_clipping(
    channel: np.ndarray, quantum: Quantum = Quantum(), rate: int = TELEPHONE_RATE
) -> Clipping:
    """Flat tops in one whole channel sampled at ``rate``, at whatever level they sit."""
    x = np.asarray(channel, dtype=np.float64)
    if x.size == 0:
        return NO_CLIPPING
    tally = ClipTally(Extremes.of(x), quantum, rate)
    tally.feed(x, slice(0, x.size))
    return tally.result()


def clipping_of(
    frames: np.ndarray, quantum: Quantum = Quantum(), rate: int = TELEPHONE_RATE
) -> Clipping:
    """Flat tops in every channel of (n, channels) frames."""
    found = NO_CLIPPING
    for channel in np.asarray(frames).T:
        found = found + find_clipping(channel, quantum, rate)
    return found


def dc_offsets(frames: np.ndarray) -> tuple[float, ...]:
    """Mean of each channel, in full-scale units (sox ``stats``' DC offset)."""
    frames = np.asarray(frames, dtype=np.float64)
    if frames.shape[0] == 0:
        return tuple(0.0 for _ in range(frames.shape[1]))
    return tuple(float(mean) for mean in frames.mean(axis=0))


def true_peak_envelope(x: np.ndarray) -> np.ndarray:
    """Per sample, the highest magnitude on it or within one sample either side of it, found
    by 4x oversampling (ITU-R BS.1770-4 Annex 2): what a DAC or codec will actually reach."""
    x = np.asarray(x, dtype=np.float64)
    if x.size == 0:
        return np.abs(x)
    k = _TRUE_PEAK_OVERSAMPLING
    up = np.abs(resample_poly(x, k, 1, axis=0)).reshape(x.shape[0], k, *x.shape[1:])
    following = np.maximum(np.abs(x), up.max(axis=1))  # on the sample and up to the next one
    preceding = np.concatenate((following[:1], following[:-1]))
    return np.maximum(following, preceding)


def true_peak(x: np.ndarray, core: slice | None = None) -> float:
    """Highest magnitude between the samples as well as on them (4x oversampled), linear, over
    every channel; with ``core``, only within it (the rest of ``x`` is context)."""
    x = np.asarray(x, dtype=np.float64)
    core = slice(0, x.shape[0]) if core is None else core
    highest = 0.0
    for channel in x.reshape(x.shape[0], -1).T:
        if core.stop <= core.start:
            continue
        k = _TRUE_PEAK_OVERSAMPLING
        up = resample_poly(np.ascontiguousarray(channel), k, 1)[k * core.start : k * core.stop]
        highest = max(highest, float(np.max(np.abs(up))), float(np.max(np.abs(channel[core]))))
    return highest


def wrap_jumps(channel: np.ndarray, core: slice | None = None) -> int:
    """Steps that are integer wrap-around rather than sound: nearly the whole range, where the
    signal around them moves in small steps, and where adding back the range makes them small.
    With ``core``, only jumps landing inside it count (the rest of ``channel`` is context).

    A loud tone near 4 kHz or clipped noise also jumps by most of the range, but there most
    neighbouring steps are big too (and clipped noise jumps from or onto the rails, where a wrap
    never lands: its true value lay beyond them), so neither is mistaken for a wrap.
    """
    x = np.asarray(channel, dtype=np.float64)
    d = np.diff(x)
    jumps = np.flatnonzero(np.abs(d) > _WRAP_JUMP)
    if core is not None:  # a jump belongs to the window holding the sample it lands on
        jumps = jumps[(jumps + 1 >= core.start) & (jumps + 1 < core.stop)]
    if jumps.size == 0:
        return 0
    padded = np.pad(np.abs(d), _WRAP_CONTEXT, constant_values=np.nan)  # no context past the ends
    window = jumps[:, None] + np.arange(2 * _WRAP_CONTEXT + 1)
    typical = np.nanpercentile(padded[window], 75, axis=1)
    size = np.abs(d[jumps])
    rail = 1.0 - 2.0**-15
    inside = (np.abs(x[jumps]) < rail) & (np.abs(x[jumps + 1]) < rail)
    wraps = (typical < size / 4.0) & (np.abs(size - 2.0) < 0.5) & inside
    return int(np.count_nonzero(wraps))


def quantum_of(fmt: AudioFormat) -> Quantum:
    """The rounding step of the file's encoding (float and ffmpeg-decoded files: 16-bit's)."""
    if fmt.tag in (MULAW, ALAW):
        return G711_QUANTUM
    if fmt.tag == PCM and fmt.bits > 1:
        return Quantum(2.0 ** -(fmt.bits - 1))
    return Quantum()


def clipping_problems(clipping: Clipping, prefix: str = "clipped: ") -> list[str]:
    """Flat tops on one sample in a thousand or more fail: callers hear that as crackle."""
    if clipping.fraction < CLIPPED_FAIL_FRACTION:
        return []
    rounded = " rounded off by later filtering or encoding" if clipping.rounded else ""
    music = (" (judged as speech; if this is music, whose tones may be flat-topped by nature,"
             " check it with --kind music)") if clipping.rounded else ""
    return [
        f"{prefix}{clipping.fraction:.1%} of samples sit on {clipping.plateaus} flat tops"
        f"{rounded} at up to {decibels(clipping.level_dbfs)} dBFS (sox flat factor"
        f" {clipping.flat_factor_db:.0f} dB); callers hear it as crackle and no level change"
        f" can undo it: get a recording that was never clipped{music}"
    ]


def clipping_warnings(clipping: Clipping, prefix: str = "") -> list[str]:
    """A few flat tops are a few crackles: usable, worth replacing."""
    if clipping.fraction >= CLIPPED_FAIL_FRACTION or clipping.plateaus < _CLIPPED_WARN_PLATEAUS:
        return []
    return [
        f"{prefix}{clipping.plateaus} clipped flat tops at up to "
        f"{decibels(clipping.level_dbfs)} dBFS"
        f" ({clipping.fraction:.2%} of samples): a few crackles; an unclipped recording"
        " would be cleaner"
    ]
