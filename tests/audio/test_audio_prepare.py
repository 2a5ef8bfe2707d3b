"""prepare: any input -> mono 8 kHz 16-bit, levelled, peak-safe, faded, and stable on re-runs."""

import struct
import wave

import numpy as np
import pytest

from audio._pydub import AudioSegment
from audio.formats import AudioError, read_audio
from audio.kinds import Kind
from audio.levels import active_level, gated_rms_dbov, peak_dbfs
from audio.prepare import prepare_file, prepare_samples


def _pcm(path):
    with wave.open(str(path)) as stdlib:
        return np.frombuffer(stdlib.readframes(stdlib.getnframes()), dtype="<i2").astype(int)


def test_output_is_mono_8khz_16bit_pcm_wav(write_wav, speech, tmp_path):
    stereo = np.stack([speech(44100), 0.5 * speech(44100)], axis=1)
    source = write_wav(stereo, 44100)
    prepared = prepare_file(source, tmp_path / "out.wav", trim=False)
    data = prepared.path.read_bytes()
    assert data[:4] == b"RIFF" and data[8:12] == b"WAVE"
    assert struct.unpack_from("<HHIIHH", data, 20) == (1, 1, 8000, 16000, 2, 16)
    assert prepared.duration_s == pytest.approx(stereo.shape[0] / 44100, abs=0.01)


@pytest.mark.parametrize(
    ("rate", "amplitude", "target"),
    [(44100, 0.9, -22.0), (16000, 0.003, -22.0), (48000, 0.3, -26.0), (8000, 0.05, -22.0)],
)
def test_level_lands_within_1_5_db_of_target(write_wav, speech, tmp_path, rate, amplitude, target):
    source = write_wav(speech(rate, amplitude=amplitude), rate)
    prepare_file(source, tmp_path / "out.wav", level_dbov=target)
    out = read_audio(tmp_path / "out.wav").mono()
    assert abs(active_level(out, 8000).level_dbov - target) <= 1.5


def test_full_scale_square_wave_neither_clips_nor_wraps(write_wav, tmp_path):
    t = np.arange(3 * 44100) / 44100
    square = np.sign(np.sin(2 * np.pi * 440 * t)) * (32767 / 32768)  # the pydub wrap case
    prepare_file(write_wav(square, 44100), tmp_path / "out.wav")
    pcm = _pcm(tmp_path / "out.wav")
    assert not np.isin(pcm, [32767, -32767, -32768]).any()
    assert np.max(np.abs(np.diff(pcm))) < 30000  # a wrap would jump by ~65535
    with open(tmp_path / "out.wav", "rb") as handle:  # pydub leaks handles it opens itself
        assert AudioSegment.from_wav(handle).max_dBFS <= -3.0


def test_speech_with_hot_peaks_is_limited_not_clipped(write_wav, speech, tmp_path):
    x = speech(16000, amplitude=0.2)
    x[20000:20040] = 0.99  # a click 20+ dB above the speech
    prepare_file(write_wav(x, 16000), tmp_path / "out.wav")
    out = read_audio(tmp_path / "out.wav").mono()
    assert peak_dbfs(out) <= -3.0
    assert abs(active_level(out, 8000).level_dbov + 22.0) <= 1.5


def test_second_pass_changes_level_by_less_than_half_a_db(write_wav, speech, tmp_path):
    first, second = tmp_path / "once.wav", tmp_path / "twice.wav"
    prepare_file(write_wav(speech(44100, amplitude=0.7), 44100), first)
    prepare_file(first, second)
    once, twice = read_audio(first).mono(), read_audio(second).mono()
    assert abs(active_level(twice, 8000).level_dbov - active_level(once, 8000).level_dbov) < 0.5
    assert twice.size == pytest.approx(once.size, abs=80)  # trimming found nothing new
    assert peak_dbfs(twice) <= -3.0


def test_prepare_in_place_replaces_the_file(write_wav, speech):
    path = write_wav(speech(22050), 22050)
    prepare_file(path, path)
    assert read_audio(path).format.telephone_ready


def test_both_ends_fade_in_and_out_over_about_15_ms(write_wav, sine, tmp_path):
    prepare_file(write_wav(sine(1000, 8000, 2.0, 0.3), 8000), tmp_path / "out.wav")
    out = np.abs(read_audio(tmp_path / "out.wav").mono())
    assert out[0] == 0.0 and out[-1] < 2 / 32768
    blocks = out[:160].reshape(8, 20).max(axis=1)  # 2.5 ms blocks over the first 20 ms
    assert np.all(np.diff(blocks[:6]) > 0)  # rising through the fade
    assert blocks[0] < 0.1 * blocks[-1]
    tail = out[-160:].reshape(8, 20).max(axis=1)[::-1]
    assert np.all(np.diff(tail[:6]) > 0) and tail[0] < 0.1 * tail[-1]
    assert blocks[-1] == pytest.approx(out[4000:8000].max(), rel=0.02)  # full level by 20 ms


def test_music_sits_at_least_6_db_under_prompts_and_never_louder(write_wav, speech, tmp_path):
    source = write_wav(speech(16000, amplitude=0.5), 16000)
    prepare_file(source, tmp_path / "prompt.wav", Kind.PROMPT)
    prepare_file(source, tmp_path / "music.wav", Kind.MUSIC)
    prompt = active_level(read_audio(tmp_path / "prompt.wav").mono(), 8000).level_dbov
    music = read_audio(tmp_path / "music.wav").mono()
    assert abs(gated_rms_dbov(music, 8000) + 30.0) <= 1.5
    assert gated_rms_dbov(music, 8000) <= prompt - 6.0
    assert active_level(music, 8000).level_dbov <= prompt - 6.0


def test_music_target_closer_than_6_db_to_the_prompts_is_refused(speech):
    with pytest.raises(AudioError, match="at least 6 dB under"):
        prepare_samples(speech(8000), 8000, Kind.MUSIC, level_dbov=-20.0)


def test_prompts_lose_leading_silence_but_music_keeps_its_length(speech):
    x = np.concatenate([np.zeros(2 * 8000), speech(8000, lead_s=0.0)])
    assert prepare_samples(x, 8000, Kind.PROMPT).size < x.size - 1.8 * 8000
    assert prepare_samples(x, 8000, Kind.MUSIC).size == x.size


def test_silent_or_out_of_band_input_is_an_error_not_a_huge_gain(sine):
    with pytest.raises(AudioError, match="silent in the telephone band"):
        prepare_samples(np.zeros(8000), 8000)
    with pytest.raises(AudioError, match="silent in the telephone band"):
        prepare_samples(sine(40, 8000, amplitude=1e-3), 8000)


def test_mulaw_option_writes_tag_7_at_the_same_level(write_wav, speech, tmp_path):
    prepare_file(write_wav(speech(16000), 16000), tmp_path / "mu.wav", encoding="mulaw")
    sound = read_audio(tmp_path / "mu.wav")
    assert (sound.format.tag, sound.format.bits, sound.format.rate) == (7, 8, 8000)
    assert abs(active_level(sound.mono(), 8000).level_dbov + 22.0) <= 1.5


def test_preparing_a_prepared_clipped_file_again_keeps_saying_it_was_clipped(
        write_wav, speech, tmp_path):
    """The source's flat tops are gone after the first pass (band filter, resampling): only
    the first file's tag remembers them. Preparing that file again dropped the tag, and
    `check` then passed audio that was clipped once and for ever."""
    from audio.check import check_file

    clipped = np.clip(speech(8000, amplitude=0.8) * 8, -1, 1) / 8  # flat tops at -18 dBFS
    once, twice = tmp_path / "once.wav", tmp_path / "twice.wav"
    first = prepare_file(write_wav(clipped, 8000), once)
    assert any("clip" in warning for warning in first.warnings)
    second = prepare_file(once, twice)
    assert any("clip" in warning for warning in second.warnings)
    assert not check_file(twice).ok and "clip" in check_file(twice).verdict
