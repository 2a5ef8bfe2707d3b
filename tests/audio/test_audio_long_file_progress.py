"""A long file shows its progress on stderr while `audio check` or `audio prepare` reads it:
10 minutes of 44.1 kHz stereo take minutes, and the commands had run without a word."""

import re

import numpy as np
import pytest
from click.testing import CliRunner

from cli.audio_commands import audio

LONG_S = 61.0  # over a minute of audio: long enough to say how far it has got


def _music(seconds: float, rate: int = 8000) -> np.ndarray:
    t = np.arange(int(seconds * rate)) / rate
    return 0.05 * (np.sin(2 * np.pi * 440 * t) + np.sin(2 * np.pi * 660 * t))


@pytest.fixture
def long_music(write_wav):
    return write_wav(_music(LONG_S), 8000, name="long_music.wav")


def _percentages(stderr: str, label: str) -> list[int]:
    return [int(share) for share in re.findall(rf"{re.escape(label)}: (\d+)% \(", stderr)]


def test_check_of_a_long_file_says_how_far_it_has_read(long_music):
    result = CliRunner().invoke(audio, ["check", "--kind", "music", str(long_music)])
    once = round(LONG_S)
    label = f"{long_music}: seconds of audio read (2 passes over {once} s)"
    shares = _percentages(result.stderr, label)
    assert len(shares) >= 5 and shares == sorted(shares) and shares[-1] == 100, result.stderr
    assert f"100% ({2 * once} of {2 * once})" in result.stderr
    assert label not in result.stdout  # stdout stays the report alone


def test_prepare_of_a_long_file_says_how_far_it_has_read_and_checked(long_music, tmp_path):
    out = tmp_path / "hold_music.wav"
    result = CliRunner().invoke(audio, ["prepare", "--kind", "music", str(long_music),
                                        str(out)])
    assert result.exit_code == 0, result.output
    once = round(LONG_S)
    read = _percentages(result.stderr, f"{long_music}: seconds of audio read (3 passes over "
                                       f"{once} s)")
    checked = _percentages(result.stderr, f"checking {out}: seconds of audio read (2 passes "
                                          f"over {once} s)")
    assert read and read[-1] == 100 and checked and checked[-1] == 100, result.stderr


def test_a_short_file_says_nothing_of_its_progress(write_wav):
    short = write_wav(_music(30.0), 8000, name="short_music.wav")
    result = CliRunner().invoke(audio, ["check", "--kind", "music", str(short)])
    assert "seconds of audio read" not in result.stderr
