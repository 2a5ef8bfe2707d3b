"""`audio prompt --voice` with a voice espeak-ng lacks names that voice: the error had been
espeak-ng's own "The specified espeak-ng voice does not exist", naming none."""

from click.testing import CliRunner

from cli.audio_commands import audio


def test_an_unknown_voice_is_named(espeak_installed, tmp_path):
    out = tmp_path / "p.wav"
    result = CliRunner().invoke(audio, ["prompt", "Hello.", str(out), "--voice", "xx-nope"])
    assert result.exit_code == 1
    assert "voice 'xx-nope'" in result.output and "espeak-ng --voices" in result.output
    assert not out.exists()
