"""check: measurements and verdicts in words, pass for prepared audio, fail with the reason."""

import numpy as np
import pytest

from audio.check import check_file, render
from audio.formats import write_wav
from audio.kinds import Kind
from audio.levels import active_level, peak_dbfs, rms_dbov
from audio.prepare import prepare_samples, write_prepared
from tests.audio.conftest import at_line_level


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



def test_7_db_too_loud_says_callers_will_pull_the_phone_away(speech, tmp_path):
    write_wav(tmp_path / "loud.wav", at_line_level(speech(8000), -15.0), 8000)
    report = check_file(tmp_path / "loud.wav")
    assert not report.ok
    assert "7 dB louder than the prompts" in report.verdict
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
    write_wav(tmp_path / "hum.wav", at_line_level(hum, -22.0), 8000)
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


def test_bass_the_phone_drops_does_not_make_a_quiet_prompt_pass(speech, sine, tmp_path):
    """An 80 Hz hum had lifted a prompt 8 dB too quiet to "PASS at -20.5 dBov": the level is
    now the level on the line (300-3400 Hz), where the hum is gone."""
    quiet = at_line_level(speech(8000, seconds=4.0), -30.0)
    hum = sine(80, 8000, quiet.size / 8000, 0.1)
    write_wav(tmp_path / "hum.wav", quiet + hum, 8000)
    report = check_file(tmp_path / "hum.wav", kind=Kind.PROMPT)
    assert not report.ok and "8 dB quieter than the prompts" in report.verdict
    assert report.level_dbov == pytest.approx(-30.0, abs=0.3)
    assert any("below 150 Hz" in w and "dB over the speech band" in w for w in report.warnings)
    assert "(300-3400 Hz, as on the line)" in render(report)


def test_bass_does_not_lift_music_over_the_floor(sine, tmp_path):
    chords = sum(sine(hz, 8000, 6.0, 0.1) for hz in (440, 554, 659))
    chords *= 10 ** ((-44.0 - rms_dbov(chords)) / 20)
    write_prepared(tmp_path / "bed.wav", chords + sine(70, 8000, 6.0, 0.05), Kind.MUSIC)
    report = check_file(tmp_path / "bed.wav")
    assert report.kind is Kind.MUSIC and not report.ok
    assert "so quiet that voice-activity detection" in report.verdict


@pytest.mark.parametrize(("lead_s", "gap_s", "said"), [
    (20.0, 0.0, "starts with 20.0 s of silence"),
    (0.5, 6.0, "a pause of 6.1 s inside it"),  # 100 ms windows: the syllables fade
])
def test_dead_air_in_a_prompt_is_named_in_seconds(speech, tmp_path, lead_s, gap_s, said):
    """A prompt that was mostly silence passed as "ready for the phone"."""
    words = speech(8000, seconds=3.0, lead_s=0.0)
    x = np.concatenate([np.zeros(int(lead_s * 8000)), words, np.zeros(int(gap_s * 8000)),
                        words, np.zeros(4000)])
    write_wav(tmp_path / "dead.wav", at_line_level(x, -22.0), 8000)
    report = check_file(tmp_path / "dead.wav", kind=Kind.PROMPT)
    assert report.ok and report.verdict.startswith("usable, but")
    assert said in report.verdict and "callers" in report.verdict
    assert "silence   " in render(report)


def test_a_prompt_with_ordinary_pauses_has_no_dead_air(speech, tmp_path):
    write_wav(tmp_path / "fine.wav", at_line_level(speech(8000), -22.0), 8000)
    report = check_file(tmp_path / "fine.wav", kind=Kind.PROMPT)
    assert not any("silence" in w or "pause" in w for w in report.warnings)
    leading, trailing, pause = report.silences_s
    assert leading == pytest.approx(0.5, abs=0.1) and pause == pytest.approx(0.6, abs=0.15)


def test_comfort_noise_says_its_level_is_of_the_whole_band(sine, tmp_path):
    """Noise is judged on its samples as sent, hum and all (README); its line had said
    "(300-3400 Hz, as on the line)" over a whole-band figure (walk-through F7)."""
    hum = sine(100, 8000, 10.0, 1.0)
    hum *= 10 ** ((-55.0 - rms_dbov(hum)) / 20)
    write_wav(tmp_path / "hum_noise.wav", hum, 8000)
    report = check_file(tmp_path / "hum_noise.wav", kind=Kind.NOISE)
    assert report.level_dbov == pytest.approx(-55.0, abs=0.3)  # the hum counts
    shown = render(report)
    assert "(whole band" in shown and "300-3400 Hz, as on the line" not in shown
