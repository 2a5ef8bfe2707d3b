"""`holdwell audio ...` through click's runner: the commands operators and CI will type."""

import numpy as np
import pytest
from click.testing import CliRunner

from audio.formats import read_audio
from audio.kinds import Kind, kind_from_comment, measure_level
from audio.levels import gated_rms_dbov
from cli.audio_commands import audio


@pytest.fixture
def runner():
    return CliRunner()


def test_prepare_then_check_passes(runner, write_wav, speech, tmp_path):
    source = write_wav(speech(44100, amplitude=0.8), 44100, name="raw greeting.wav")
    out = tmp_path / "greeting.wav"
    prepared = runner.invoke(audio, ["prepare", str(source), str(out)])
    assert prepared.exit_code == 0, prepared.output
    assert "level -22.0 dBov" in prepared.output
    checked = runner.invoke(audio, ["check", str(out)])
    assert checked.exit_code == 0, checked.output
    assert "PASS" in checked.output and "ready for the phone" in checked.output


def test_check_on_a_too_loud_file_fails_with_the_verdict(runner, write_wav, speech):
    loud = write_wav(speech(8000, amplitude=0.95), 8000, name="loud.wav")
    result = runner.invoke(audio, ["check", str(loud)])
    assert result.exit_code == 1
    assert "FAIL" in result.output
    assert "louder than the prompts" in result.output
    assert "callers will pull the phone away" in result.output


def test_check_fails_if_any_of_several_files_fails(runner, write_wav, speech, tmp_path):
    good = tmp_path / "good.wav"
    runner.invoke(audio, ["prepare", str(write_wav(speech(16000), 16000)), str(good)])
    missing = tmp_path / "missing.wav"
    result = runner.invoke(audio, ["check", str(good), str(missing)])
    assert result.exit_code == 1
    assert "good.wav: PASS" in result.output and "missing.wav: FAIL" in result.output


def test_prepare_music_and_mulaw_options(runner, write_wav, speech, tmp_path):
    source = str(write_wav(speech(16000), 16000))
    music = tmp_path / "music.wav"
    result = runner.invoke(audio, ["prepare", source, str(music), "--kind", "music", "--mulaw"])
    assert result.exit_code == 0, result.output
    sound = read_audio(music)
    assert sound.format.tag == 7 and sound.format.comment.startswith("holdwell kind=music")
    assert runner.invoke(audio, ["check", str(music)]).exit_code == 0


def test_music_level_too_close_to_prompts_is_a_clean_error(runner, write_wav, speech, tmp_path):
    source = str(write_wav(speech(16000), 16000))
    result = runner.invoke(
        audio, ["prepare", source, str(tmp_path / "m.wav"), "--kind", "music", "--level", "-20"]
    )
    assert result.exit_code == 1
    assert "Error: music level -20 dBov is 2 dB louder than the prompts" in result.output
    assert "Traceback" not in result.output


def test_comfort_noise_and_music_bed_commands_write_passing_files(runner, tmp_path):
    noise, bed = tmp_path / "comfort_noise.wav", tmp_path / "hold_music.wav"
    assert runner.invoke(audio, ["comfort-noise", str(noise), "--duration", "10"]).exit_code == 0
    assert runner.invoke(audio, ["music-bed", str(bed), "--duration", "12"]).exit_code == 0
    result = runner.invoke(audio, ["check", str(noise), str(bed)])
    assert result.exit_code == 0, result.output
    assert "-60.0 dBov RMS" in result.output
    assert gated_rms_dbov(read_audio(bed).mono(), 8000) <= -22.0 - 6.0


def test_comfort_noise_level_option(runner, tmp_path):
    noise = tmp_path / "cn.wav"
    runner.invoke(audio, ["comfort-noise", str(noise), "--level", "-64", "--duration", "10"])
    samples = read_audio(noise).mono()
    assert 10 * np.log10(np.mean(samples**2)) == pytest.approx(-64.0, abs=0.5)


def test_prompt_command_renders_speech(runner, espeak_installed, tmp_path):
    out = tmp_path / "sorry.wav"
    result = runner.invoke(audio, ["prompt", "Sorry for the wait.", str(out)])
    assert result.exit_code == 0, result.output
    assert runner.invoke(audio, ["check", str(out)]).exit_code == 0


def _kind_and_level(path):
    """What a prepared file's own tag says it is, and its level measured as that kind."""
    sound = read_audio(path)
    kind = kind_from_comment(sound.format.comment)
    return kind, measure_level(sound.mono(), sound.rate, kind)


@pytest.mark.parametrize(
    ("made_by", "kind"),
    [
        (["music-bed", "--duration", "12"], Kind.MUSIC),
        (["comfort-noise", "--duration", "10"], Kind.NOISE),
    ],
)
def test_preparing_a_tagged_file_again_keeps_its_kind_and_level(
    runner, tmp_path, made_by, kind
):
    made, again = tmp_path / "made.wav", tmp_path / "again.wav"
    assert runner.invoke(audio, [*made_by[:1], str(made), *made_by[1:]]).exit_code == 0
    result = runner.invoke(audio, ["prepare", str(made), str(again)])
    assert result.exit_code == 0, result.output
    assert f"again.wav: {kind.value}," in result.output
    (made_kind, made_level), (again_kind, again_level) = map(_kind_and_level, (made, again))
    assert made_kind is again_kind is kind
    assert again_level == pytest.approx(made_level, abs=0.3)


def test_a_prepared_prompt_prepared_again_stays_a_prompt(runner, write_wav, speech, tmp_path):
    first, second = tmp_path / "first.wav", tmp_path / "second.wav"
    source = str(write_wav(speech(16000), 16000, name="raw music.wav"))  # untagged: a prompt
    assert runner.invoke(audio, ["prepare", source, str(first)]).exit_code == 0
    assert runner.invoke(audio, ["prepare", str(first), str(second)]).exit_code == 0
    assert _kind_and_level(first)[0] is _kind_and_level(second)[0] is Kind.PROMPT
    assert _kind_and_level(second)[1] == pytest.approx(-22.0, abs=0.3)


def test_an_explicit_kind_wins_over_the_tag(runner, tmp_path):
    bed, spoken = tmp_path / "bed.wav", tmp_path / "spoken.wav"
    assert runner.invoke(audio, ["music-bed", str(bed), "--duration", "12"]).exit_code == 0
    result = runner.invoke(audio, ["prepare", str(bed), str(spoken), "--kind", "prompt"])
    assert result.exit_code == 0, result.output
    assert _kind_and_level(spoken)[0] is Kind.PROMPT


@pytest.mark.parametrize(
    "command",
    [["prepare", "{source}"], ["music-bed"], ["comfort-noise"], ["prompt", "Hello."]],
)
@pytest.mark.parametrize("name", ["out.mp3", "out.MP3", "out"])
def test_an_output_name_that_is_not_wav_is_refused(runner, write_wav, speech, tmp_path,
                                                   command, name):
    source = write_wav(speech(8000), 8000)
    out = tmp_path / name
    args = [part.format(source=source) for part in command]
    result = runner.invoke(audio, [*args, str(out)])
    assert result.exit_code == 2
    assert isinstance(result.exception, SystemExit)
    assert f"Invalid value for 'OUT': '{name}': this command writes .wav files only" in (
        result.output
    )
    assert "Traceback" not in result.output
    assert not out.exists()


def test_an_upper_case_wav_name_is_written(runner, tmp_path):
    out = tmp_path / "BED.WAV"
    assert runner.invoke(audio, ["music-bed", str(out), "--duration", "12"]).exit_code == 0
    assert read_audio(out).format.telephone_ready


def test_check_of_several_files_says_on_stderr_which_one_it_is_on(runner, tmp_path):
    names = ["hold_music.wav", "comfort_noise.wav", "missing.wav"]
    paths = [str(tmp_path / name) for name in names]
    runner.invoke(audio, ["music-bed", paths[0], "--duration", "12"])
    runner.invoke(audio, ["comfort-noise", paths[1], "--duration", "10"])
    result = runner.invoke(audio, ["check", *paths])
    lines = [f"[{n}/3] {path}" for n, path in enumerate(paths, 1)]
    assert result.stderr.splitlines()[:3] == lines
    assert "[1/3]" not in result.stdout  # stdout stays the reports alone
    # each line comes before that file's report, not all at the end
    expected = [lines[0], f"{paths[0]}: PASS", lines[1], f"{paths[1]}: PASS", lines[2]]
    order = [result.output.index(text) for text in expected]
    assert order == sorted(order)


def test_check_of_one_file_prints_no_progress(runner, tmp_path):
    bed = tmp_path / "hold_music.wav"
    runner.invoke(audio, ["music-bed", str(bed), "--duration", "12"])
    result = runner.invoke(audio, ["check", str(bed)])
    assert result.exit_code == 0 and result.stderr == ""


def test_a_file_the_app_would_refuse_is_said_when_it_is_written(runner, write_wav, speech,
                                                                tmp_path):
    """--level -26 writes a prompt the app's own check refuses (-22 dBov ± 1.5): callers
    would hear silence, and prepare said nothing. It is kept to listen to, and the command
    fails (exit 1): a script had taken the exit 0 as a file ready for the line."""
    source = write_wav(speech(8000, amplitude=0.5), 8000, name="quiet.wav")
    quiet = runner.invoke(audio, ["prepare", str(source), str(tmp_path / "q.wav"),
                                  "--level", "-26"])
    assert quiet.exit_code == 1 and "written, but the app will not play" in quiet.stderr
    assert (tmp_path / "q.wav").exists()
    fine = runner.invoke(audio, ["prepare", str(source), str(tmp_path / "f.wav")])
    assert fine.exit_code == 0 and "will not play" not in fine.stderr


@pytest.mark.parametrize("command", ["comfort-noise", "music-bed"])
@pytest.mark.parametrize("duration", ["0", "-5", "1e9", "nan"])
def test_a_bed_of_no_length_or_of_ages_is_refused_naming_the_flag(runner, tmp_path, command,
                                                                  duration):
    """0 and -5 wrote a 0.1 s bed (Twilio asking again ten times a second); 1e9 ran out of
    memory ("unexpected error")."""
    result = runner.invoke(audio, [command, str(tmp_path / "bed.wav"), "--duration", duration])
    assert result.exit_code == 2 and "'--duration'" in result.output
    assert not (tmp_path / "bed.wav").exists()


@pytest.mark.parametrize(("args", "flag"), [
    (["music-bed", "{out}", "--level", "nan"], "--level"),  # wrote a silent bed
    (["comfort-noise", "{out}", "--level", "inf"], "--level"),
    (["prepare", "{source}", "{out}", "--prompt-level", "nan"], "--prompt-level"),  # taken
    (["prepare", "{source}", "{out}", "--prompt-level", "5"], "--prompt-level"),
    (["check", "{source}", "--prompt-level", "nan"], "--prompt-level"),
    (["comfort-noise", "{out}", "--seed", "-1"], "--seed"),  # "unexpected error"
    (["music-bed", "{out}", "--seed", "-1"], "--seed"),
    (["prompt", "Hello.", "{out}", "--wpm", "100000"], "--wpm"),  # "unexpected error"
    (["prompt", "Hello.", "{out}", "--wpm", "0"], "--wpm"),  # spoken at 80, silently
])
def test_a_level_seed_or_speed_no_file_could_have_is_refused_naming_the_flag(
        runner, write_wav, speech, tmp_path, args, flag):
    source = write_wav(speech(8000, amplitude=0.3), 8000, name="source.wav")
    out = tmp_path / "out.wav"
    result = runner.invoke(audio, [a.format(out=out, source=source) for a in args])
    assert result.exit_code == 2, result.output
    assert f"'{flag}'" in result.output
    assert not out.exists()


@pytest.mark.parametrize(("level", "prompt_level"), [(float("nan"), -22.0),
                                                     (-30.0, float("nan"))])
def test_the_library_refuses_a_level_that_is_no_number(level, prompt_level):
    """nan passed every comparison of `check_target`, and a music bed came out silent."""
    from audio.formats import AudioError
    from audio.prepare import check_target

    with pytest.raises(AudioError, match="not a finite number"):
        check_target(Kind.MUSIC, level, prompt_level)
