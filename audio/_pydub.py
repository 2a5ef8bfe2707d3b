"""The one place that imports pydub, so its import-time noise never reaches the CLI or tests.

pydub 0.25.1 warns at import when ffmpeg is absent (RuntimeWarning), imports the deprecated
``audioop`` (DeprecationWarning on 3.11/3.12) and carries invalid escape sequences that warn when
compiled. None of that is actionable for us, so the import runs with warnings silenced; everything
else in ``audio/`` uses pydub through this module. On Python 3.13+ ``audioop`` comes from the
``audioop-lts`` package.
"""

from __future__ import annotations

import shutil
import subprocess
import warnings
from pathlib import Path

import numpy as np

with warnings.catch_warnings():
    warnings.simplefilter("ignore")
    from pydub import AudioSegment  # noqa: F401  (re-exported)
    from pydub.exceptions import CouldntDecodeError

__all__ = ["AudioSegment", "convert_with_ffmpeg", "decode_with_ffmpeg", "missing_tools"]


def missing_tools() -> list[str]:
    """Name the ffmpeg programs pydub would need but cannot find on PATH right now."""
    wanted = [AudioSegment.converter, "ffprobe"]
    return [name for name in wanted if shutil.which(name) is None]


def decode_with_ffmpeg(path: Path) -> tuple[np.ndarray, int]:
    """Decode any format ffmpeg knows (MP3, OGG, FLAC...) to float frames in [-1, 1) and a rate.

    Raises ``FileNotFoundError`` naming the missing program when ffmpeg is not installed and
    ``ValueError`` when ffmpeg cannot decode the file.
    """
    missing = missing_tools()
    if missing:
        raise FileNotFoundError(", ".join(missing))
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", RuntimeWarning)
            segment = AudioSegment.from_file(str(path))
    except CouldntDecodeError as error:
        raise ValueError(str(error).splitlines()[0]) from error
    width = segment.sample_width
    samples = np.asarray(segment.get_array_of_samples(), dtype=np.float64)
    frames = samples.reshape(-1, segment.channels) / float(2 ** (8 * width - 1))
    return frames, int(segment.frame_rate)


def format_name(path: Path) -> str:
    """What ffprobe says the file is ("mp3", "ogg", "wav" for an RF64...), its first name when it
    gives several; "" when it cannot say (or is not installed)."""
    if shutil.which("ffprobe") is None:
        return ""
    done = subprocess.run(["ffprobe", "-v", "error", "-show_entries", "format=format_name",
                           "-of", "default=noprint_wrappers=1:nokey=1", str(path)],
                          capture_output=True, text=True)
    names = done.stdout.strip().split(",") if done.returncode == 0 else [""]
    return names[0].strip().lower()


def convert_with_ffmpeg(path: Path, wav: Path) -> None:
    """Have ffmpeg write any format it knows as 16-bit PCM WAV, without holding it in memory
    (pydub's ``from_file`` would load all of it). Raises like ``decode_with_ffmpeg``."""
    missing = missing_tools()
    if missing:
        raise FileNotFoundError(", ".join(missing))
    command = [AudioSegment.converter, "-nostdin", "-v", "error", "-y", "-i", str(path)]
    done = subprocess.run(
        [*command, "-f", "wav", "-c:a", "pcm_s16le", str(wav)], capture_output=True, text=True
    )
    if done.returncode != 0:
        reason = (done.stderr.strip().splitlines() or [f"exit status {done.returncode}"])[-1]
        raise ValueError(reason)
