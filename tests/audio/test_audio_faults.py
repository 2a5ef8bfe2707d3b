"""Issue 17: a trap file per fault callers hear, made here, each with its verdict and its words.

1 clipping at any level and true peak, 2 DC offset, 3 truncated files, 4 files with nothing
usable, 5 no false wrap-around alarms.
"""

import struct

import numpy as np
import pytest
from click.testing import CliRunner

from audio.check import check_file, render
from audio.distortion import find_clipping, true_peak
from audio.filters import band_limit
from audio.formats import AudioError, parse_wav, read_audio, wav_bytes
from audio.kinds import Kind
from audio.levels import gated_rms_dbov
from audio.prepare import prepare_file
from cli.audio_commands import audio
from tests.audio.conftest import at_line_level


def _chords(rate: int, seconds: float, amplitude: float) -> np.ndarray:
    t = np.arange(int(seconds * rate)) / rate
    return amplitude * sum(np.sin(2 * np.pi * hz * t) for hz in (220, 277, 330, 440))


# 1. Clipping at any level, and peaks between samples


def test_speech_flat_topped_at_minus_14_dbfs_fails_as_clipped(speech, write_wav):
    path = write_wav(np.clip(speech(8000, amplitude=0.5), -0.2, 0.2), 8000, "greeting.wav")
    report = check_file(path)
    assert not report.ok
    assert report.clipping.level_dbfs == pytest.approx(-14.0, abs=0.05)
    assert 0.05 < report.clipping.fraction < 0.15
    assert "clipped: 9.7% of samples sit on 261 flat tops at up to -14.0 dBFS" in report.verdict
    assert "callers hear it as crackle" in report.verdict
    assert "261 flat tops (9.70% of samples)" in render(report)


def test_music_clipped_at_full_scale_is_named_by_prepare_and_by_check_of_its_output(
    write_wav, tmp_path
):
    music = np.clip(_chords(44100, 4.0, 0.45), -1, 1)
    source = write_wav(np.stack([music, 0.95 * music], axis=1), 44100, "hold_music.wav")
    out = tmp_path / "bed.wav"
    result = CliRunner().invoke(audio, ["prepare", str(source), str(out), "--kind", "music"])
    assert result.exit_code == 1, result.output  # written, but never in silence:
    assert f"warning: {out}: clipped: " in result.output
    assert f"{out}: written, but the app will not play this file" in result.output
    report = check_file(out)
    assert not report.ok and "clean peaks" not in report.verdict
    assert report.verdict.startswith("prepared from a clipped source: ")
    assert "at up to 0.0 dBFS" in report.verdict


def test_a_few_flat_tops_are_a_warning(speech, write_wav):
    x = speech(8000, amplitude=0.3)
    for start in (5000, 9000, 15000):  # three short flat tops in 32000 samples
        x[start : start + 4] = 0.3
        x[start - 1] = x[start + 4] = 0.2
    report = check_file(write_wav(at_line_level(x, -22.0), 8000))
    assert report.ok
    assert "3 clipped flat tops" in report.verdict and "a few crackles" in report.verdict


@pytest.mark.parametrize(
    ("signal", "rate"),
    [
        ("speech", 8000),
        ("speech", 44100),
        ("bass", 44100),  # a 30 Hz tone rests on its peaks for several samples: not clipping
    ],
)
def test_smooth_peaks_are_not_called_clipped(signal, rate, speech, sine):
    x = speech(rate, amplitude=0.9) if signal == "speech" else sine(30, rate, 2.0, 0.9)
    pcm16 = np.round(x * 32767) / 32768
    assert find_clipping(pcm16).plateaus == 0


def test_mu_law_steps_are_not_flat_tops(sine, tmp_path):
    path = tmp_path / "tone.wav"
    path.write_bytes(wav_bytes(sine(100, 8000, 2.0, 0.3), 8000, encoding="mulaw"))
    assert check_file(path, kind=Kind.MUSIC).clipping.plateaus == 0


def test_true_peak_between_samples_is_caught(write_wav):
    t = np.arange(8000) / 8000  # 2 kHz at 8 kHz, sampled 45 degrees off its crests
    fades = np.clip(np.minimum(t, 1 - t) / 0.02, 0, 1)
    x = 0.85 * np.sin(2 * np.pi * 2000 * t + np.pi / 4) * fades
    report = check_file(write_wav(x, 8000, "tone_music.wav"))
    assert report.peak_dbfs == pytest.approx(-4.4, abs=0.1)
    assert report.true_peak_dbfs == pytest.approx(-1.4, abs=0.1)
    assert "peaks at -1.4 dBFS between samples (on them -4.4)" in report.verdict


def test_prepare_keeps_true_peaks_under_the_ceiling(write_wav, speech, tmp_path):
    x = speech(44100, amplitude=0.2)
    x[40000:40030] = 0.99
    prepare_file(write_wav(x, 44100), tmp_path / "out.wav")
    out = read_audio(tmp_path / "out.wav").mono()
    assert 20 * np.log10(true_peak(out)) <= -3.0


# 2. DC offset


def test_dc_offset_is_reported_and_does_not_make_quiet_speech_loud(speech, write_wav, tmp_path):
    path = write_wav(at_line_level(speech(8000), -25.0) + 0.08, 8000, "sorry.wav")
    report = check_file(path)
    assert report.dc_offset == (pytest.approx(0.08, abs=1e-4),)
    assert report.level_dbov == pytest.approx(-25.0, abs=0.1)
    assert "3 dB quieter than the prompts should be" in report.verdict
    assert "also: DC offset of +0.080 (-22 dBFS)" in report.verdict
    assert "dc        +0.0800" in render(report)
    prepared = prepare_file(path, tmp_path / "out.wav")
    again = check_file(prepared.path)
    assert again.ok and abs(again.dc_offset[0]) < 1e-3


# 3. Truncated files


def _truncated(speech) -> bytes:
    data = bytearray(wav_bytes(speech(8000, lead_s=0.0), 8000))
    data[40:44] = struct.pack("<I", 20 * 16000)  # the header promises 20 s
    return bytes(data[: 44 + int(0.17 * 16000)])  # the copy stopped after 0.17 s


def test_truncated_file_fails_check_and_prepare_naming_the_file(speech, tmp_path):
    path = tmp_path / "welcome.wav"
    path.write_bytes(_truncated(speech))
    message = (
        f"{path} is truncated: its header promises 20.00 s of audio but the file holds"
        " only 0.17 s"
    )
    report = check_file(path)
    assert not report.ok and report.verdict.startswith(message)
    with pytest.raises(AudioError) as refused:
        prepare_file(path, tmp_path / "out.wav")
    assert str(refused.value).startswith(message)
    assert not (tmp_path / "out.wav").exists()


def test_streamed_header_is_not_called_truncated(sine):
    data = bytearray(wav_bytes(sine(440, 8000, 0.1), 8000))
    data[40:44] = struct.pack("<I", 0xFFFFFFFF)
    assert parse_wav(bytes(data)).format.truncation("x.wav") is None


# 4. Nothing usable: refused, naming the file and the cause


@pytest.mark.parametrize(
    ("hz", "rate"),
    [(60, 8000), (5000, 44100)],  # rumble only; only above the band
)
def test_nothing_in_the_band_is_refused_not_amplified(hz, rate, sine, write_wav, tmp_path):
    path = write_wav(sine(hz, rate, 3.0, 0.5), rate, "hum.wav")  # abrupt edges: clicks
    result = CliRunner().invoke(audio, ["prepare", str(path), str(tmp_path / "out.wav")])
    assert result.exit_code == 1
    assert f"Error: {path} has nothing in the telephone band" in result.output
    assert not (tmp_path / "out.wav").exists()
    assert f"{path} has nothing in the telephone band" in check_file(path).verdict


def test_empty_data_chunk_is_refused_naming_the_file(tmp_path):
    path = tmp_path / "checkin.wav"
    path.write_bytes(wav_bytes(np.zeros(0), 8000))
    with pytest.raises(AudioError, match=f"^{path} holds no audio: its data chunk is empty$"):
        prepare_file(path, tmp_path / "out.wav")
    assert check_file(path).verdict_lines[0] == f"{path} holds no audio: its data chunk is empty"


def test_stereo_channels_that_cancel_are_refused_naming_the_file(speech, write_wav, tmp_path):
    x = speech(8000)
    path = write_wav(np.stack([x, -x], axis=1), 8000, "announce.wav")
    cause = f"{path}: its 2 channels cancel when mixed to mono"
    with pytest.raises(AudioError, match=cause):
        prepare_file(path, tmp_path / "out.wav")
    assert cause in check_file(path).verdict


# 5. No false alarms of wrap-around


def test_clipped_noise_is_clipping_not_wrap_around(write_wav):
    noise = np.clip(np.random.default_rng(1).normal(0, 0.7, 4 * 8000), -1, 32767 / 32768)
    report = check_file(write_wav(noise, 8000, "noise_burst.wav"), kind=Kind.MUSIC)
    assert "wrap-around" not in report.verdict
    assert "clipped: " in report.verdict


def test_full_scale_tone_burst_is_not_wrap_around(write_wav, sine):
    burst = np.concatenate([np.zeros(4000), sine(3000, 8000, 0.5, 0.999), np.zeros(4000)])
    report = check_file(write_wav(burst, 8000, "beep_music.wav"))
    assert "wrap-around" not in report.verdict


def test_real_wrap_around_is_still_caught(sine, write_wav):
    pcm = np.round(sine(200, 8000, 1.0, 1.2) * 32768).astype(np.int64)
    wrapped = ((pcm + 32768) % 65536 - 32768) / 32768
    report = check_file(write_wav(wrapped, 8000, "broken_music.wav"))
    assert "integer wrap-around, it will crack loudly" in report.verdict


# 6. The level prepare reports is the level on the line


def test_music_level_is_its_level_in_the_telephone_band(write_wav, tmp_path):
    t = np.arange(4 * 16000) / 16000
    bass_heavy = sum(np.sin(2 * np.pi * hz * t) / k for k, hz in enumerate((220, 247, 440), 1))
    prepared = prepare_file(write_wav(0.3 * bass_heavy, 16000), tmp_path / "m.wav", Kind.MUSIC)
    out = read_audio(prepared.path).mono()
    on_the_line = band_limit(out, 8000)  # 300-3400 Hz, what G.712 passes
    assert prepared.level_dbov == pytest.approx(-30.0, abs=0.1)
    assert gated_rms_dbov(on_the_line, 8000) == pytest.approx(prepared.level_dbov, abs=0.3)


# 8. comfort-noise --mulaw passes its own check


def test_mulaw_comfort_noise_passes_its_own_check_without_warnings(tmp_path):
    path = tmp_path / "comfort_noise.wav"
    runner = CliRunner()
    made = runner.invoke(audio, ["comfort-noise", str(path), "--mulaw", "--duration", "10"])
    assert made.exit_code == 0, made.output
    checked = runner.invoke(audio, ["check", str(path)])
    assert checked.exit_code == 0, checked.output
    assert "WAV mu-law 8-bit" in checked.output
    assert "verdict   ready: a quiet comfort-noise bed at -60 dBov" in checked.output


def test_mulaw_file_with_real_out_of_band_energy_still_warns(sine, tmp_path):
    x = at_line_level(sine(1000, 8000, 2.0, 0.1) + sine(3800, 8000, 2.0, 0.01), -22.0)
    path = tmp_path / "beep.wav"
    path.write_bytes(wav_bytes(x * np.hanning(x.size) ** 0.1, 8000, encoding="mulaw"))
    report = check_file(path, kind=Kind.PROMPT)
    assert "energy above 3.6 kHz only 20 dB under the speech band" in report.verdict
