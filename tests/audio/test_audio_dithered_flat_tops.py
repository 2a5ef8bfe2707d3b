"""A quiet tone with dither is not clipped: dither moves its smooth crest onto one value for
three samples between steps of four or five quanta, which the plain run test took for flat tops
(a 150 Hz tone at -44 dBFS, dithered, showed ten and the "crackles" line). Hard clipping, at
full scale or far below it, and a high tone clipped so hard its half-waves are a few samples,
must still be found (a 2 kHz tone at 8 kHz has two samples a
half-wave: no run of three, for the old test or the new)."""

import numpy as np
import pytest

from audio.check import check_file
from audio.distortion import ClipTally, Extremes, Quantum
from audio.formats import write_wav
from audio.kinds import Kind

RATE = 8000
QUANTUM = 2.0**-15


def _tone(freq_hz: float, dbfs: float, seed: int, clip_dbfs: float | None = None,
          dither: bool = True) -> np.ndarray:
    """One second of a sine peaking at ``dbfs``, clipped at ``clip_dbfs`` (if given), then
    written to 16 bits with TPDF dither of one quantum either way, as sox does by default."""
    rng = np.random.default_rng(seed)
    t = np.arange(RATE) / RATE
    x = 10 ** (dbfs / 20) * np.sin(2 * np.pi * freq_hz * t + rng.uniform(0, 2 * np.pi))
    if dither:
        x = x + (rng.uniform(-0.5, 0.5, x.size) + rng.uniform(-0.5, 0.5, x.size)) * QUANTUM
    if clip_dbfs is not None:
        limit = 10 ** (clip_dbfs / 20)
        x = np.clip(x, -limit, limit)
    return np.round(x / QUANTUM) * QUANTUM


def _flat_tops(x: np.ndarray) -> int:
    tally = ClipTally(Extremes.of(x), Quantum(), RATE, by_shape=False)
    tally.feed(x, slice(0, x.size))
    return tally.result().plateaus


# On the diagonal where a crest's curvature is about a quantum a sample: the tones the old
# test flagged (sox's dither; here the same TPDF dither from numpy, seeded).
QUIET_TONES = [(150, -44), (200, -50), (300, -56), (440, -62), (600, -70)]


@pytest.mark.parametrize(("freq_hz", "dbfs"), QUIET_TONES)
def test_dithered_quiet_tones_show_no_flat_tops(freq_hz, dbfs):
    found = [_flat_tops(_tone(freq_hz, dbfs, seed)) for seed in range(6)]
    assert max(found) < 2, found


def test_a_dithered_quiet_tone_checks_without_crackles(tmp_path):
    path = tmp_path / "tone.wav"
    write_wav(path, _tone(150, -44, seed=3), RATE)
    report = check_file(path, kind=Kind.MUSIC)
    assert report.clipping.plateaus < 2
    assert not any("flat tops" in line for line in report.problems + report.warnings)


@pytest.mark.parametrize(
    ("freq_hz", "dbfs", "clip_dbfs", "dither"),
    [
        (150, -47, -50, False),  # clipped 3 dB at -50 dBFS
        (150, -47, -50, True),  # the same with dither before the clip (a recording)
        (440, -1, -4, True),  # 3 dB over, near full scale
        (1000, -14, -20, False),  # 1 kHz at 8 kHz clipped 6 dB: three samples a plateau,
        (1000, -14, -20, True),  # one between: too short a half-wave for a parabola
    ],
)
def test_hard_clipping_is_still_found(freq_hz, dbfs, clip_dbfs, dither):
    x = _tone(freq_hz, dbfs, seed=1, clip_dbfs=clip_dbfs, dither=dither)
    assert _flat_tops(x) >= 50
