"""The meters every other audio test relies on, checked against levels known by construction."""

import math

import numpy as np
import pytest

from audio._pydub import AudioSegment
from audio.levels import (
    ActiveLevelMeter,
    active_level,
    gated_rms_dbov,
    loudest_window_dbov,
    peak_dbfs,
    rms_dbov,
)

from .conftest import speech_like, tone


@pytest.mark.parametrize("rate", [8000, 16000, 44100])
def test_sine_at_half_scale_is_minus_9_dbov_active(sine, rate):
    level = active_level(sine(1000, rate, seconds=2.0, amplitude=0.5), rate)
    assert level.level_dbov == pytest.approx(-9.03, abs=0.15)
    assert level.activity > 0.95


def test_appending_silence_leaves_active_level_but_lowers_rms(speech):
    prompt = speech(8000)
    padded = np.concatenate([prompt, np.zeros(3 * 8000)])
    before, after = active_level(prompt, 8000), active_level(padded, 8000)
    assert after.level_dbov == pytest.approx(before.level_dbov, abs=0.1)
    assert rms_dbov(padded) < rms_dbov(prompt) - 1.5
    assert after.activity < before.activity


def test_active_level_ignores_pauses_that_plain_rms_counts(speech):
    prompt = speech(8000)
    level = active_level(prompt, 8000)
    assert level.level_dbov > level.rms_dbov + 1.0
    assert level.rms_dbov == pytest.approx(rms_dbov(prompt))
    # energy is shared out over the active part only
    assert level.level_dbov - level.rms_dbov == pytest.approx(-10 * math.log10(level.activity))


def test_active_level_follows_gain_exactly(speech):
    prompt = speech(8000)
    quieter = active_level(prompt * 0.1, 8000).level_dbov
    assert quieter == pytest.approx(active_level(prompt, 8000).level_dbov - 20.0, abs=0.05)


def test_steady_noise_active_level_equals_rms():
    noise = np.random.default_rng(3).normal(0.0, 0.01, 5 * 8000)
    assert active_level(noise, 8000).level_dbov == pytest.approx(rms_dbov(noise), abs=0.2)


def test_digital_silence_has_no_level():
    silent = active_level(np.zeros(8000), 8000)
    assert silent.level_dbov == -math.inf and silent.activity == 0.0
    assert rms_dbov(np.zeros(10)) == -math.inf and gated_rms_dbov(np.zeros(8000), 8000) == -math.inf


def test_gated_rms_ignores_gaps_that_plain_rms_counts(sine):
    music = sine(440, 8000, seconds=4.0, amplitude=0.1)
    with_gap = np.concatenate([music, np.zeros(8 * 8000), music])
    # blocks straddling the edges pass the relative gate and cost a fraction of a dB
    assert gated_rms_dbov(with_gap, 8000) == pytest.approx(rms_dbov(music), abs=0.3)
    assert rms_dbov(with_gap) < rms_dbov(music) - 2.5


def test_loudest_window_finds_a_swell(sine):
    quiet, loud = sine(440, 8000, 6.0, 0.05), sine(440, 8000, 3.0, 0.5)
    assert loudest_window_dbov(np.concatenate([quiet, loud, quiet]), 8000) == pytest.approx(
        rms_dbov(loud), abs=0.2
    )


def test_peak_matches_pydub_max_dbfs(sine):
    samples = sine(700, 8000, amplitude=0.25)
    pcm = np.round(samples * 32768).astype("<i2")
    segment = AudioSegment(pcm.tobytes(), sample_width=2, frame_rate=8000, channels=1)
    assert peak_dbfs(pcm / 32768) == pytest.approx(segment.max_dBFS, abs=0.01)
    assert rms_dbov(pcm / 32768) == pytest.approx(segment.dBFS, abs=0.01)


# Figures from the ITU-T STL's own P.56 meter (openitu/STL src/sv56/actlevel.c, built from the
# repository at 139db49, run as `actlevel -sf RATE -q FILE.raw` on these exact 16-bit signals):
# an independent implementation, so these catch any drift in ours.
SV56_ACTLEVEL = [
    ("speech 8 kHz", lambda: (speech_like(8000), 8000), -22.332, 0.68687),
    ("quiet speech 16 kHz", lambda: (speech_like(16000, amplitude=0.05), 16000), -38.010, 0.68975),
    (
        "speech + 3 s silence",
        lambda: (np.concatenate([speech_like(8000), np.zeros(3 * 8000)]), 8000),
        -22.332,
        0.39250,
    ),
    ("1 kHz sine at half scale", lambda: (tone(1000, 8000, 2.0, 0.5), 8000), -8.978, 0.98794),
]


@pytest.mark.parametrize(("name", "make", "level", "activity"), SV56_ACTLEVEL)
def test_active_level_matches_itu_stl_actlevel(name, make, level, activity):
    x, rate = make()
    pcm16 = np.clip(np.round(x * 32768), -32768, 32767) / 32768
    measured = active_level(pcm16, rate)
    assert measured.level_dbov == pytest.approx(level, abs=0.03)
    assert measured.activity == pytest.approx(activity, abs=0.005)


def test_meter_fed_in_blocks_gives_the_whole_signal_figures():
    x = np.concatenate([speech_like(8000), np.zeros(8000), speech_like(8000, amplitude=0.1)])
    meter = ActiveLevelMeter(8000)
    for start in range(0, x.size, 777):  # blocks shorter than the 0.2 s hangover
        meter.feed(x[start : start + 777])
    assert meter.result() == active_level(x, 8000)
