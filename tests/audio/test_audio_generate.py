"""Generated audio: comfort noise at its level, a music bed under the prompts, espeak prompts."""

import numpy as np
import pytest

from audio.filters import out_of_band_db
from audio.formats import AudioError, parse_wav, wav_bytes
from audio.generate import comfort_noise, music_bed
from audio.kinds import PROMPT_LEVEL_DBOV
from audio.levels import block_powers, gated_rms_dbov, loudest_window_dbov, peak_dbfs, rms_dbov
from audio.speech import render_prompt, synthesize


def test_comfort_noise_sits_at_minus_60_dbov_in_the_band():
    noise = comfort_noise(10.0)
    assert rms_dbov(noise) == pytest.approx(-60.0, abs=0.5)
    assert noise.size == 80000 and noise[0] == 0.0
    low, high = out_of_band_db(noise, 8000)
    assert low <= -20 and high <= -40


def test_comfort_noise_level_is_configurable_and_survives_mu_law():
    noise = comfort_noise(5.0, level_dbov=-65.0, rng=np.random.default_rng(1))
    assert rms_dbov(noise) == pytest.approx(-65.0, abs=0.5)
    on_the_line = parse_wav(wav_bytes(noise, 8000, encoding="mulaw")).mono()
    assert rms_dbov(on_the_line) == pytest.approx(-65.0, abs=1.5)  # above the mu-law floor


def test_comfort_noise_out_of_range_is_refused():
    with pytest.raises(AudioError, match="audible hiss"):
        comfort_noise(1.0, level_dbov=-40.0)


def test_comfort_noise_depends_only_on_the_seed():
    assert np.array_equal(
        comfort_noise(1.0, rng=np.random.default_rng(4)),
        comfort_noise(1.0, rng=np.random.default_rng(4)),
    )
    assert not np.array_equal(
        comfort_noise(1.0, rng=np.random.default_rng(4)),
        comfort_noise(1.0, rng=np.random.default_rng(5)),
    )


def test_music_bed_is_at_least_6_db_under_prompts_and_never_swells_above_them():
    bed = music_bed(16.0)
    assert gated_rms_dbov(bed, 8000) == pytest.approx(-30.0, abs=1.5)
    assert gated_rms_dbov(bed, 8000) <= PROMPT_LEVEL_DBOV - 6.0
    assert loudest_window_dbov(bed, 8000) <= PROMPT_LEVEL_DBOV
    assert peak_dbfs(bed) <= -3.0
    assert bed.size == 16 * 8000  # whole 4 s chords


def test_music_bed_stays_above_voice_activity_detection():
    _, powers = block_powers(music_bed(8.0), 8000, 0.4, 0.4)
    assert (
        10 * np.log10(powers[1:-1].min()) > -42.0
    )  # Cisco's default VAD threshold is about -41 dBov


def test_prompt_without_espeak_names_espeak(no_ffmpeg, tmp_path):
    with pytest.raises(AudioError, match="espeak-ng"):
        synthesize("Thanks for holding.")


def test_espeak_prompt_is_prepared_and_has_a_known_duration(espeak_installed, tmp_path):
    prepared = render_prompt("Thanks for holding. You are number three.", tmp_path / "p.wav")
    sound = parse_wav((tmp_path / "p.wav").read_bytes())
    assert sound.format.telephone_ready
    assert prepared.duration_s == pytest.approx(sound.format.duration_s)
    assert 1.0 < prepared.duration_s < 6.0
    assert prepared.level_dbov == pytest.approx(-22.0, abs=1.5) and prepared.peak_dbfs <= -3.0


def test_longer_text_takes_longer(espeak_installed):
    short, _ = synthesize("Please hold.")
    long, _ = synthesize("Please hold. Someone will be with you in about five minutes.")
    assert long.size > 2 * short.size


def test_empty_prompt_text_is_refused():
    with pytest.raises(AudioError, match="empty"):
        synthesize("   ")
