"""With no ffmpeg, WAV still works end to end and other formats get a clear error naming ffmpeg;
with ffmpeg (CI installs it), an MP3 goes in and telephone WAV comes out."""

import subprocess
import sys
from pathlib import Path

from click.testing import CliRunner

from audio import _pydub
from audio._pydub import AudioSegment
from audio.check import check_file
from audio.prepare import prepare_file
from cli.audio_commands import audio

REPO = Path(__file__).resolve().parents[2]


def test_without_ffmpeg_wav_is_prepared_and_checked(no_ffmpeg, write_wav, speech, tmp_path):
    assert set(_pydub.missing_tools()) == {"ffmpeg", "ffprobe"}
    prepare_file(write_wav(speech(44100), 44100), tmp_path / "out.wav")
    assert check_file(tmp_path / "out.wav").ok


def test_without_ffmpeg_mp3_input_names_ffmpeg(no_ffmpeg, tmp_path):
    mp3 = tmp_path / "hold.mp3"
    mp3.write_bytes(b"ID3\x03\x00\x00\x00\x00\x00\x00" + bytes(500))
    result = CliRunner().invoke(audio, ["prepare", str(mp3), str(tmp_path / "out.wav")])
    assert result.exit_code == 1
    assert "needs ffmpeg" in result.output and "apt-get install ffmpeg" in result.output
    assert "Traceback" not in result.output


def test_without_the_converter_pydub_names_is_also_missing(monkeypatch):
    monkeypatch.setattr(AudioSegment, "converter", "no-such-ffmpeg-build")
    assert "no-such-ffmpeg-build" in _pydub.missing_tools()


def test_importing_audio_without_ffmpeg_prints_no_warnings(tmp_path):
    modules = "audio.prepare, audio.check, audio.library, audio.generate, audio.speech"
    done = subprocess.run(
        [sys.executable, "-W", "error", "-c", f"import {modules}"],
        cwd=REPO,
        env={"PATH": str(tmp_path)},
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert done.returncode == 0, done.stderr
    assert done.stderr == ""


def test_mp3_round_trip(ffmpeg_installed, write_wav, speech, tmp_path):
    wav = write_wav(speech(44100, amplitude=0.5), 44100)
    mp3 = tmp_path / "greeting.mp3"
    with open(wav, "rb") as source, open(mp3, "wb") as target:  # pydub leaks its own handles
        AudioSegment.from_wav(source).export(target, format="mp3", bitrate="128k")
    assert not check_file(mp3).ok  # an MP3 is not telephone audio as it stands
    prepared = prepare_file(mp3, tmp_path / "greeting.wav")
    report = check_file(prepared.path)
    assert report.ok, report.verdict
    assert report.format.telephone_ready
    assert abs(prepared.duration_s - 3.0) < 0.5


def test_an_mp3_saved_as_wav_is_named_for_what_it_holds(ffmpeg_installed, write_wav, speech,
                                                       tmp_path):
    """It had been described as "WAV format tag 0"."""
    wav = write_wav(speech(44100, amplitude=0.5), 44100)
    misnamed = tmp_path / "hold_music.wav"
    with open(wav, "rb") as source, open(misnamed, "wb") as target:
        AudioSegment.from_wav(source).export(target, format="mp3", bitrate="128k")
    report = check_file(misnamed)
    assert report.format.describe().startswith("MP3 (decoded by ffmpeg; the file is named .wav)")
    assert not report.format.telephone_ready
    named = tmp_path / "greeting.mp3"
    named.write_bytes(misnamed.read_bytes())
    assert check_file(named).format.describe().startswith("MP3 (decoded by ffmpeg), ")


def test_a_file_named_for_its_format_is_never_called_misnamed(ffmpeg_installed, tmp_path):
    """ffprobe names demuxers, not file types (an .m4a is "mov", an .opus "ogg"): the
    reviewer's .m4a had been called "MOV (...; the file is named .m4a)"."""
    import subprocess

    m4a = tmp_path / "greeting.m4a"
    subprocess.run(["ffmpeg", "-loglevel", "error", "-f", "lavfi", "-i",
                    "sine=frequency=440:duration=1", "-c:a", "aac", str(m4a)], check=True)
    assert check_file(m4a).format.describe().startswith("M4A (decoded by ffmpeg), ")
