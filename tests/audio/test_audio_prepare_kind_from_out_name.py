"""`prepare` without --kind reads an untagged source's kind from OUT's name, as `check` and the
app's library read an untagged file's: music prepared as `hold_music.wav` had been taken for a
prompt, cut to its first notes, levelled as loud as speech and tagged so the app played it."""

import numpy as np
import pytest
from click.testing import CliRunner

from audio.formats import read_audio
from audio.kinds import Kind, kind_from_comment, measure_level
from cli.audio_commands import audio


def _music(rate: int = 16000, seconds: float = 14.0) -> np.ndarray:
    """Decaying plucked notes with long quiet tails: a prompt's trim would cut the tails."""
    t = np.arange(int(rate * seconds)) / rate
    notes = np.zeros_like(t)
    for start in np.arange(0.0, seconds, 3.5):
        after = np.clip(t - start, 0, None)
        notes += (t >= start) * np.sin(2 * np.pi * 440 * after) * np.exp(-after * 1.5)
    return 0.3 * notes


@pytest.mark.parametrize("name, kind", [("hold_music.wav", Kind.MUSIC),
                                        ("moh-spring.wav", Kind.MUSIC),
                                        ("comfort_noise.wav", Kind.NOISE),
                                        ("welcome.wav", Kind.PROMPT)])
def test_an_untagged_source_takes_its_kind_from_the_output_name(write_wav, tmp_path, name,
                                                                 kind):
    rng = np.random.default_rng(1)
    samples = (rng.normal(0, 10 ** (-60 / 20), 8000 * 12) if kind is Kind.NOISE
               else _music())
    source = write_wav(samples, 8000 if kind is Kind.NOISE else 16000, name="take 3.wav")
    out = tmp_path / name
    result = CliRunner().invoke(audio, ["prepare", str(source), str(out)])
    written = read_audio(out)
    assert kind_from_comment(written.format.comment) is kind, result.output
    assert f"{out}: {kind.value}," in result.output


def test_music_prepared_as_hold_music_keeps_its_length_and_sits_under_the_prompts(
        write_wav, tmp_path):
    source = write_wav(_music(), 16000, name="take 3.wav")
    out = tmp_path / "hold_music.wav"
    result = CliRunner().invoke(audio, ["prepare", str(source), str(out)])
    assert result.exit_code == 0, result.output
    written = read_audio(out)
    assert written.format.duration_s == pytest.approx(14.0, abs=0.05)  # not trimmed
    assert measure_level(written.mono(), 8000, Kind.MUSIC) == pytest.approx(-30.0, abs=1.0)


def test_the_tag_still_wins_over_the_output_name(write_wav, speech, tmp_path):
    runner = CliRunner()
    spoken = tmp_path / "spoken.wav"
    source = write_wav(speech(16000), 16000)
    assert runner.invoke(audio, ["prepare", str(source), str(spoken)]).exit_code == 0
    again = tmp_path / "hold_music.wav"
    runner.invoke(audio, ["prepare", str(spoken), str(again)])
    assert kind_from_comment(read_audio(again).format.comment) is Kind.PROMPT
