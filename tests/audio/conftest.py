"""Generated test signals: speech-like bursts, tones and noise, written as WAVs on demand."""

from __future__ import annotations

import shutil
import struct
from collections.abc import Callable
from pathlib import Path

import numpy as np
import pytest

from audio.filters import band_limit
from audio.formats import wav_bytes
from audio.levels import active_level


def speech_like(
    rate: int = 8000, seconds: float = 3.0, amplitude: float = 0.3, lead_s: float = 0.5
) -> np.ndarray:
    """Voiced 'syllables' (150 Hz harmonics to 3 kHz, 4 per second) with a 0.6 s pause in the
    middle and silence around: pauses longer than P.56's hangover, like real prompts."""
    t = np.arange(int(seconds * rate)) / rate
    harmonics = sum(np.sin(2 * np.pi * 150 * k * t + k) / k for k in range(1, 20))
    syllables = np.clip(np.sin(2 * np.pi * 4 * t), 0, None) ** 0.7
    pause = (np.abs(t - seconds / 2) > 0.3).astype(float)
    voiced = amplitude * harmonics / np.max(np.abs(harmonics)) * syllables * pause
    silence = np.zeros(int(lead_s * rate))
    return np.concatenate([silence, voiced, silence])


def at_line_level(x: np.ndarray, level_dbov: float, rate: int = 8000) -> np.ndarray:
    """`x` scaled so its active speech level on the line (in 300-3400 Hz, as `check` and
    `prepare` measure it) is `level_dbov`: the synthetic speech's 150 Hz fundamental, which
    the phone drops, no longer counts."""
    on_line = active_level(band_limit(x, rate), rate).level_dbov
    return x * 10 ** ((level_dbov - on_line) / 20)


def tone(hz: float, rate: int, seconds: float = 1.0, amplitude: float = 0.5) -> np.ndarray:
    return amplitude * np.sin(2 * np.pi * hz * np.arange(int(seconds * rate)) / rate)


@pytest.fixture
def write_wav(tmp_path: Path) -> Callable[..., Path]:
    """Write float samples (mono, or frames x channels) as 16-bit PCM; return the path."""

    def write(samples: np.ndarray, rate: int, name: str = "in.wav") -> Path:
        path = tmp_path / name
        samples = np.asarray(samples, dtype=np.float64)
        if samples.ndim == 1:
            path.write_bytes(wav_bytes(samples, rate))
        else:  # interleave channels by hand: wav_bytes writes mono only
            pcm = np.clip(np.round(samples * 32768), -32768, 32767).astype("<i2")
            channels = samples.shape[1]
            fmt = struct.pack("<HHIIHH", 1, channels, rate, rate * 2 * channels, 2 * channels, 16)
            body = b"fmt " + struct.pack("<I", 16) + fmt
            body += b"data" + struct.pack("<I", pcm.nbytes) + pcm.tobytes()
            path.write_bytes(b"RIFF" + struct.pack("<I", 4 + len(body)) + b"WAVE" + body)
        return path

    return write


@pytest.fixture
def no_ffmpeg(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """A PATH with no programs at all: no ffmpeg, ffprobe or espeak-ng."""
    empty = tmp_path / "empty-bin"
    empty.mkdir()
    monkeypatch.setenv("PATH", str(empty))


@pytest.fixture
def speech() -> Callable[..., np.ndarray]:
    return speech_like


@pytest.fixture
def sine() -> Callable[..., np.ndarray]:
    return tone


@pytest.fixture
def ffmpeg_installed() -> None:
    if shutil.which("ffmpeg") is None or shutil.which("ffprobe") is None:
        pytest.skip("ffmpeg/ffprobe not on PATH (CI installs them: apt-get install ffmpeg)")


@pytest.fixture
def espeak_installed() -> None:
    if shutil.which("espeak-ng") is None:
        pytest.skip("espeak-ng not on PATH (CI installs it: apt-get install espeak-ng)")
