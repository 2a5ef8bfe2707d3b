"""Issue 17 item 7: long files are processed a block at a time with the same results as whole.

The memory bound itself is measured by benchmarks/bench_audio.py, not timed here; these tests
make sure block-wise processing changes no figure: files longer than one block (16 s at 8 kHz)
give the levels, flat tops and output a whole-signal computation gives.
"""

import numpy as np
import pytest

import audio.prepare
from audio.check import check_file
from audio.distortion import find_clipping, true_peak
from audio.filters import BandLimiter, band_limit, band_powers, resample_to
from audio.formats import read_audio
from audio.kinds import Kind
from audio.levels import active_level, gated_rms_dbov
from audio.prepare import prepare_file
from audio.stream import BLOCK


@pytest.fixture
def long_speech(speech):
    x = np.concatenate([speech(8000, seconds=6.0, amplitude=0.3)] * 4)  # 28 s: two blocks
    assert x.size > BLOCK
    return x


def test_check_of_a_long_file_matches_whole_signal_meters(long_speech, write_wav):
    x = np.clip(long_speech, -0.2, 0.2)  # flat tops on both sides of the block boundary
    path = write_wav(x, 8000, "long_prompt.wav")
    pcm = read_audio(path).mono()
    report = check_file(path)
    on_line = band_limit(pcm, 8000)  # levels are of what callers hear
    assert report.level_dbov == pytest.approx(active_level(on_line, 8000).level_dbov, abs=1e-9)
    assert report.clipping == find_clipping(pcm)
    assert report.true_peak_dbfs == pytest.approx(20 * np.log10(true_peak(pcm)), abs=1e-9)
    low, in_band, high, _ = band_powers(pcm, 8000)
    assert report.low_band_db == pytest.approx(10 * np.log10(low / in_band), abs=1e-9)
    music = check_file(path, kind=Kind.MUSIC)
    assert music.level_dbov == pytest.approx(gated_rms_dbov(on_line, 8000), abs=1e-6)


def test_filters_in_blocks_equal_filters_on_the_whole(long_speech):
    x = np.concatenate([long_speech] * 2)
    limiter = BandLimiter(8000)
    pieces = np.concatenate([limiter(x[i : i + 10007]) for i in range(0, x.size, 10007)])
    assert np.allclose(pieces, BandLimiter(8000)(x), atol=1e-12)
    from scipy.signal import resample_poly

    assert np.allclose(resample_to(x, 44100, 8000), resample_poly(x, 80, 441), atol=1e-12)


@pytest.mark.parametrize("kind", [Kind.PROMPT, Kind.MUSIC])
def test_prepare_through_scratch_files_writes_the_same_file(
    kind, long_speech, write_wav, tmp_path, monkeypatch
):
    source = write_wav(long_speech, 8000, "long.wav")
    in_memory = prepare_file(source, tmp_path / "memory.wav", kind)
    monkeypatch.setattr(audio.prepare, "_SPILL_AFTER_S", 0.0)
    on_disk = prepare_file(source, tmp_path / "disk.wav", kind)
    assert (tmp_path / "memory.wav").read_bytes() == (tmp_path / "disk.wav").read_bytes()
    assert (in_memory.level_dbov, in_memory.duration_s) == (on_disk.level_dbov, on_disk.duration_s)
