"""Clipping smoothed afterwards (low-pass, resampling, MP3) leaves no runs of equal samples, but
callers still hear it: check finds it by the rounded flat tops near the peak, and still passes
clean loud audio (a sine at -1 dBFS, espeak-ng speech peaking at -3 dBFS, comfort noise)."""

import shutil
import subprocess
from pathlib import Path

import numpy as np
import pytest
from scipy.signal import butter, resample_poly, sosfilt

from audio.check import check_file, check_sound
from audio.distortion import CLIPPED_FAIL_FRACTION, Clipping, find_clipping
from audio.formats import parse_wav, wav_bytes
from audio.generate import comfort_noise
from audio.kinds import Kind
from audio.levels import active_level
from audio.speech import synthesize

SENTENCE = (
    "Thank you for holding. You are number three in line. We expect to answer within five"
    " minutes. Press one to keep waiting, or press two and we will call you back."
)


def _peak_at(x: np.ndarray, dbfs: float) -> np.ndarray:
    return x * 10 ** (dbfs / 20) / np.max(np.abs(x))


def _low_pass(x: np.ndarray, rate: int) -> np.ndarray:
    return sosfilt(butter(5, 3400, fs=rate, output="sos"), x)


def _to_8k(x: np.ndarray, rate: int) -> np.ndarray:
    return resample_poly(x, 8000, rate)


def _pcm16(x: np.ndarray) -> np.ndarray:
    return np.round(np.clip(x, -1, 32767 / 32768) * 32768) / 32768


def _mp3(x: np.ndarray, rate: int, folder: Path) -> Path:
    """``x`` encoded by ffmpeg's LAME at 64 kbit/s, as operators' MP3s often are."""
    source, mp3 = folder / "source.wav", folder / "greeting.mp3"
    source.write_bytes(wav_bytes(x, rate))
    command = ["ffmpeg", "-nostdin", "-v", "error", "-y", "-i", str(source)]
    subprocess.run([*command, "-c:a", "libmp3lame", "-b:a", "64k", str(mp3)], check=True)
    return mp3


def _overdriven(x: np.ndarray, db: float) -> np.ndarray:
    """Hard-clipped at full scale after ``db`` of gain, then turned down to peak at -1 dBFS."""
    return np.clip(_peak_at(x, 0.0) * 10 ** (db / 20), -1, 1) * 10 ** (-1 / 20)


@pytest.fixture(scope="module")
def voice() -> tuple[np.ndarray, int]:
    if shutil.which("espeak-ng") is None:
        pytest.skip("espeak-ng not on PATH (CI installs it: apt-get install espeak-ng)")
    return synthesize(SENTENCE)


def _flags_rounded_clipping(path: Path) -> Clipping:
    report = check_file(path)
    assert report.clipping.fraction >= CLIPPED_FAIL_FRACTION and not report.ok
    assert any("flat tops rounded off by later filtering or encoding" in p for p in report.problems)
    assert report.clipping.rounded
    return report.clipping


@pytest.mark.parametrize("smoothing", ["low-pass", "resampled"])
def test_flags_smoothed_clipping_of_a_tone(sine, smoothing, tmp_path):
    clipped = _overdriven(sine(440, 44100, 2.0), 6.0)
    if smoothing == "low-pass":
        x, rate = _low_pass(clipped, 44100), 44100
    else:
        x, rate = _to_8k(clipped, 44100), 8000
    path = tmp_path / "tone.wav"  # judged as a prompt: see the music test below
    path.write_bytes(wav_bytes(x, rate))
    assert _flags_rounded_clipping(path).plateaus > 800  # every half-wave is flat on top


def _flat_topped_by_nature(kind: str, rate: int = 8000) -> np.ndarray:
    """Clean music whose tones stay near their crests: a sine with its third harmonic at a
    ninth (an organ, a clarinet), or a synthesiser's band-limited square wave (odd harmonics
    to 3.4 kHz), a melody of four notes with gentle edges, peaking at -26 dBFS."""
    t = np.arange(int(rate * 4.0)) / rate
    notes = np.repeat([262.0, 330.0, 392.0, 330.0], t.size // 4 + 1)[: t.size]
    phase = 2 * np.pi * np.cumsum(notes) / rate
    harmonics = [1, 3] if kind == "woodwind" else [n for n in range(1, 40, 2)]
    x = sum(np.sin(n * phase) / n ** (2 if kind == "woodwind" else 1) for n in harmonics
            if n * notes.max() < 3400)
    return _peak_at(x * np.minimum(1, np.minimum(t, t[::-1]) / 0.05), -26.0)


@pytest.mark.parametrize("kind", ["woodwind", "square"])
def test_music_flat_topped_by_nature_is_not_taken_for_clipping(kind, tmp_path):
    """Judged by shape such music read 58 % (woodwind) and 87 % (square) clipped: music is
    judged by runs of equal samples only, and a prompt that fails by shape says to check it
    as music if it is music."""
    path = tmp_path / "hold_music.wav"
    path.write_bytes(wav_bytes(_flat_topped_by_nature(kind), 8000))
    report = check_file(path)
    assert report.ok and report.clipping.fraction < CLIPPED_FAIL_FRACTION, report.problems
    as_prompt = check_file(path, kind=Kind.PROMPT)
    if not as_prompt.ok:
        assert any("check it with --kind music" in p for p in as_prompt.problems)


@pytest.mark.parametrize("smoothing", ["low-pass", "resampled"])
def test_flags_smoothed_clipping_of_speech_at_the_prompt_level(voice, smoothing, tmp_path):
    """Overdriven by 6 dB, smoothed, then levelled like a prompt: everything else passes."""
    samples, rate = voice
    clipped = _overdriven(samples, 6.0)
    x = _low_pass(clipped, rate) if smoothing == "low-pass" else clipped
    x = _to_8k(x, rate)
    x *= 10 ** ((-22.0 - active_level(x, 8000).level_dbov) / 20)
    path = tmp_path / "greeting.wav"
    path.write_bytes(wav_bytes(x, 8000))
    assert [problem[:9] for problem in check_file(path).problems] == ["clipped: "]
    _flags_rounded_clipping(path)


def test_flags_smoothed_clipping_of_speech_through_mp3(voice, ffmpeg_installed, tmp_path):
    samples, rate = voice
    assert _flags_rounded_clipping(_mp3(_overdriven(samples, 6.0), rate, tmp_path)).plateaus > 50


@pytest.mark.parametrize(("hz", "rate"), [(1000, 8000), (440, 44100), (1900, 8000)])
def test_a_clean_sine_at_minus_1_dbfs_has_no_flat_tops(sine, hz, rate):
    x = _pcm16(sine(hz, rate, 2.0, 10 ** (-1 / 20)))
    assert find_clipping(x, rate=rate).plateaus == 0


@pytest.mark.parametrize("at_8k", [False, True])
def test_clean_espeak_speech_at_minus_3_dbfs_passes(voice, at_8k):
    samples, rate = voice
    if at_8k:
        samples, rate = _to_8k(samples, rate), 8000
    x = _pcm16(_peak_at(samples, -3.0))
    clipping = find_clipping(x, rate=rate)
    assert clipping.fraction < CLIPPED_FAIL_FRACTION / 4 and not clipping.rounded


def test_clean_speech_through_mp3_passes(voice, ffmpeg_installed, tmp_path):
    samples, rate = voice
    clipping = check_file(_mp3(_peak_at(samples, -1.0), rate, tmp_path)).clipping
    assert clipping.fraction < CLIPPED_FAIL_FRACTION / 4 and not clipping.rounded


def test_comfort_noise_passes():
    sound = parse_wav(wav_bytes(comfort_noise(), 8000))
    report = check_sound(sound, "comfort_noise.wav", Kind.NOISE)
    assert report.ok and not report.warnings and report.clipping.plateaus == 0
