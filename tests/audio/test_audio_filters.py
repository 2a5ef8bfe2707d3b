"""Band-limiting before resampling: what lies above 4 kHz disappears instead of folding down."""

import numpy as np

from audio._pydub import AudioSegment
from audio.filters import out_of_band_db, to_telephone
from audio.formats import read_audio
from audio.prepare import prepare_file


def _db_at(x: np.ndarray, rate: int, hz: float) -> float:
    spectrum = np.abs(np.fft.rfft(x * np.hanning(x.size)))
    freqs = np.fft.rfftfreq(x.size, 1 / rate)
    near = np.abs(freqs - hz) < 20
    return 20 * np.log10(spectrum[near].max() + 1e-20)


def test_5khz_tone_is_removed_not_folded_to_3khz(write_wav, sine, tmp_path):
    mix = sine(1000, 44100, 2.0, 0.3) + sine(5000, 44100, 2.0, 0.3)
    prepare_file(write_wav(mix, 44100), tmp_path / "out.wav", trim=False)
    out = read_audio(tmp_path / "out.wav").mono()
    assert _db_at(out, 8000, 3000) - _db_at(out, 8000, 1000) <= -40


def test_control_pydub_set_frame_rate_does_fold_it(sine):
    # why band-limiting comes first: audioop.ratecv aliases 5 kHz to 3 kHz at nearly full level
    mix = sine(1000, 44100, 2.0, 0.3) + sine(5000, 44100, 2.0, 0.3)
    pcm = np.round(mix * 32768).astype("<i2").tobytes()
    naive = AudioSegment(pcm, sample_width=2, frame_rate=44100, channels=1).set_frame_rate(8000)
    out = np.array(naive.get_array_of_samples(), dtype=float) / 32768
    assert _db_at(out, 8000, 3000) - _db_at(out, 8000, 1000) > -10


def test_white_noise_comes_out_in_the_telephone_band(write_wav, tmp_path):
    noise = np.random.default_rng(5).normal(0, 0.1, 3 * 48000)
    prepare_file(write_wav(noise, 48000), tmp_path / "out.wav")
    out = read_audio(tmp_path / "out.wav").mono()
    power = np.abs(np.fft.rfft(out)) ** 2
    freqs = np.fft.rfftfreq(out.size, 1 / 8000)
    in_band = power[(freqs >= 300) & (freqs <= 3400)].sum()
    assert 10 * np.log10(power[freqs > 3600].sum() / in_band) <= -40
    assert 10 * np.log10(power[freqs < 150].sum() / in_band) <= -20
    low, high = out_of_band_db(out, 8000)  # the check's meter agrees
    assert high <= -40 and low <= -20


def test_passband_is_kept_to_300_hz_and_200_hz_is_gone(sine):
    def gain_db(hz: float) -> float:
        out = to_telephone(sine(hz, 44100, 1.0, 0.5), 44100)[2000:6000]
        return 20 * np.log10(np.sqrt(2 * np.mean(out**2)) / 0.5)

    assert abs(gain_db(1000)) < 0.3 and abs(gain_db(3000)) < 0.3
    assert abs(gain_db(310)) < 0.3  # the elliptic high-pass edge
    assert gain_db(200) < -45 and gain_db(150) < -60
