"""Audio holdwell makes itself: a comfort-noise bed for ``silence`` and a soft music bed for the
legacy ``music_ads`` baseline. Both go through ``prepare_samples``, so they meet the same targets
as anything an operator brings.
"""

from __future__ import annotations

import numpy as np

from audio.formats import TELEPHONE_RATE
from audio.kinds import DEFAULT_LEVEL_DBOV, Kind
from audio.prepare import prepare_samples

# I - vi - IV - V in C, every note at or above F4 (349 Hz) so the telephone band keeps it.
PROGRESSION = ((72, 76, 79), (69, 72, 76), (65, 69, 72), (67, 71, 74))  # MIDI note numbers
CHORD_S = 4.0


def comfort_noise(
    duration_s: float = 30.0,
    level_dbov: float = DEFAULT_LEVEL_DBOV[Kind.NOISE],
    rng: np.random.Generator | None = None,
) -> np.ndarray:
    """Pink-tilted noise in the telephone band at ``level_dbov`` (RMS), 8 kHz.

    Shaped in the frequency domain, so the noise is periodic and a looped bed has no seam beyond
    the 15 ms fades; the -3 dB/octave tilt sounds like a quiet room rather than a hiss.
    """
    rng = np.random.default_rng(0) if rng is None else rng
    n = max(int(duration_s * TELEPHONE_RATE), TELEPHONE_RATE // 10)
    spectrum = np.fft.rfft(rng.standard_normal(n))
    freqs = np.fft.rfftfreq(n, 1.0 / TELEPHONE_RATE)
    spectrum /= np.sqrt(np.maximum(freqs, 300.0) / 1000.0)  # tilt only inside the band

    noise = np.fft.irfft(spectrum, n)
    return prepare_samples(noise, TELEPHONE_RATE, Kind.NOISE, level_dbov)


def _midi_hz(note: float) -> float:
    return 440.0 * 2.0 ** ((note - 69.0) / 12.0)


def _pad_note(hz: float, t: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    """Two slightly detuned voices with soft harmonics: a warm pad rather than a bare sine."""
    voice = np.zeros_like(t)
    for detune_cents in (-4.0, 4.0):
        f = hz * 2.0 ** (detune_cents / 1200.0)
        for harmonic, weight in ((1, 1.0), (2, 0.3), (3, 0.12)):
            voice += weight * np.sin(2 * np.pi * f * harmonic * t + rng.uniform(0, 2 * np.pi))
    return voice


def _pluck(hz: float, t: np.ndarray) -> np.ndarray:
    """A soft bell-like note that decays, so the bed has a gentle pulse."""
    return np.sin(2 * np.pi * hz * t) * np.exp(-t / 0.35) * (1.0 - np.exp(-t / 0.005))


def music_bed(
    duration_s: float = 32.0,
    level_dbov: float = DEFAULT_LEVEL_DBOV[Kind.MUSIC],
    rng: np.random.Generator | None = None,
) -> np.ndarray:
    """Soft chords (I-vi-IV-V, 4 s each) with a slow arpeggio, prepared to the music target.

    The length rounds up to whole chords so the loop point falls on a chord change.
    """
    rng = np.random.default_rng(0) if rng is None else rng
    chords = max(1, int(np.ceil(duration_s / CHORD_S)))
    chord_n = int(CHORD_S * TELEPHONE_RATE)
    t = np.arange(chord_n) / TELEPHONE_RATE
    swell = np.sin(np.pi * t / CHORD_S) ** 0.5  # each chord breathes in and out
    step = chord_n // 8
    out = np.zeros(chords * chord_n)
    for index in range(chords):
        notes = PROGRESSION[index % len(PROGRESSION)]
        chord = sum(_pad_note(_midi_hz(note), t, rng) for note in notes) * swell
        for beat in range(8):
            hz = _midi_hz(notes[beat % 3] + 12)
            chord[beat * step :] += 1.5 * _pluck(hz, t[: chord_n - beat * step])
        out[index * chord_n : (index + 1) * chord_n] = chord
    return prepare_samples(out, TELEPHONE_RATE, Kind.MUSIC, level_dbov)
