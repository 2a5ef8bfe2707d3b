"""check: measurements and verdicts in words, pass for prepared audio, fail with the reason."""

import numpy as np
import pytest

from audio.check import check_file, render
from audio.formats import write_wav
from audio.kinds import Kind
from audio.levels import active_level, peak_dbfs, rms_dbov
from audio.prepare import prepare_samples, write_prepared


@pytest.fixture
def prompt_samples(speech):
    return prepare_samples(speech(16000), 16000)


def test_prepared_prompt_passes_with_its_measurements(prompt_samples, tmp_path):
    write_prepared(tmp_path / "greeting.wav", prompt_samples, Kind.PROMPT)
    report = check_file(tmp_path / "greeting.wav")
    assert report.ok and not report.warnings
    assert report.kind is Kind.PROMPT and report.kind_source == "from the file's tag"
    assert report.level_dbov == pytest.approx(-22.0, abs=0.5)
    assert report.peak_dbfs <= -3.0 and report.high_band_db <= -40
    text = render(report)
    assert "PASS" in text and "WAV PCM 16-bit, mono, 8000 Hz" in text and "P.56" in text


def _at_level(x: np.ndarray, level_dbov: float) -> np.ndarray:
    return x * 10 ** ((level_dbov - active_level(x, 8000).level_dbov) / 20)


def test_9_db_too_loud_says_callers_will_pull_the_phone_away(speech, tmp_path):
    write_wav(tmp_path / "loud.wav", _at_level(speech(8000), -13.0), 8000)
    report = check_file(tmp_path / "loud.wav")
    assert not report.ok
    assert "9 dB louder than the prompts" in report.verdict
    assert "callers will pull the phone away" in report.verdict


def test_quiet_prompt_fails_as_hard_to_hear(prompt_samples, tmp_path):
    write_wav(tmp_path / "quiet.wav", prompt_samples * 10 ** (-6 / 20), 8000)
    assert "6 dB quieter" in check_file(tmp_path / "quiet.wav").verdict


def test_music_tagged_file_is_judged_against_the_prompts(prompt_samples, tmp_path):
    write_prepared(tmp_path / "bed.wav", prompt_samples * 10 ** (-3 / 20), Kind.MUSIC)
    report = check_file(tmp_path / "bed.wav")
    assert report.kind is Kind.MUSIC and not report.ok
    assert "only 3 dB under the prompts" in report.verdict


def test_wideband_clipped_file_fails_on_format_and_peaks(speech, tmp_path):
    x = np.clip(speech(44100, amplitude=1.5), -1, 32767 / 32768)
    write_wav(tmp_path / "raw.wav", x, 44100)
    report = check_file(tmp_path / "raw.wav")
    assert not report.ok
    assert "44100 Hz is not telephone audio" in report.verdict
    assert "above the -3 dBFS ceiling" in report.verdict
    assert "clipped" in report.verdict


def test_abrupt_edges_and_rumble_are_warnings_not_failures(sine, tmp_path):
    hum = sine(1000, 8000, 2.0, 0.1) + sine(60, 8000, 2.0, 0.1) + 0.02  # hum and DC: a click
    write_wav(tmp_path / "hum.wav", _at_level(hum, -22.0), 8000)
    report = check_file(tmp_path / "hum.wav", kind=Kind.PROMPT)
    assert report.ok
    assert any("below 150 Hz" in warning for warning in report.warnings)
    assert any("click" in warning for warning in report.warnings)
    assert report.verdict.startswith("usable, but")


def test_kind_is_guessed_from_the_name_for_untagged_files(tmp_path, sine):
    write_wav(tmp_path / "hold_music.wav", sine(440, 8000, 1.0, 0.04), 8000)
    report = check_file(tmp_path / "hold_music.wav")
    assert report.kind is Kind.MUSIC and report.kind_source == "guessed from the file name"


@pytest.mark.parametrize("seconds", [0.002, 0.05, 0.09])
def test_a_clip_too_short_for_p56_is_never_measured_above_its_own_peak(seconds):
    """A 50 ms beep peaking at -20 dBFS read +2.5 dBov, 0% active: the P.56 envelope never
    settled, and the top threshold's few samples were taken for the active part."""
    t = np.arange(int(8000 * seconds)) / 8000
    beep = 0.1 * np.sin(2 * np.pi * 1000 * t)  # peak -20 dBFS
    measured = active_level(beep, 8000)
    assert measured.level_dbov <= peak_dbfs(beep) + 0.01
    assert measured.level_dbov >= rms_dbov(beep) - 0.01  # active parts are never quieter
    assert measured.activity > 0
