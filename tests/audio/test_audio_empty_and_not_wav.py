"""An empty file, and a text file named .wav, are named with what is wrong with them: both had
been "ffmpeg could not decode it (... Invalid data found when processing input)", and an empty
file on a machine without ffmpeg was said to need ffmpeg."""

import pytest
from click.testing import CliRunner

from audio.formats import AudioError, parse_wav
from cli.audio_commands import audio


@pytest.mark.parametrize("command", [["check"], ["prepare", "{out}"]])
def test_an_empty_file_is_called_empty(tmp_path, monkeypatch, command):
    empty = tmp_path / "hold_music.wav"
    empty.write_bytes(b"")
    monkeypatch.setenv("PATH", str(tmp_path))  # no ffmpeg: emptiness needs none to see
    args = [part.format(out=tmp_path / "out.wav") for part in command]
    result = CliRunner().invoke(audio, [args[0], str(empty), *args[1:]])
    assert result.exit_code == 1
    assert f"{empty}: the file is empty (0 bytes)" in result.output
    assert "ffmpeg" not in result.output


def test_the_app_library_calls_an_empty_clip_empty():
    with pytest.raises(AudioError, match=r"hold_music.wav: the file is empty \(0 bytes\)"):
        parse_wav(b"", name="hold_music.wav")


def test_a_text_file_named_wav_is_said_not_to_be_a_wav(tmp_path, ffmpeg_installed):
    text = tmp_path / "welcome.wav"
    text.write_text("this is not audio\n")
    result = CliRunner().invoke(audio, ["check", str(text)])
    assert result.exit_code == 1
    assert f"{text}: named .wav but not a WAV file" in result.output
