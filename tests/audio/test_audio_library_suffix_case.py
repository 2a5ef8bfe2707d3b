"""A clip saved as NAME.WAV (as some Windows tools name it) plays, and is not also listed as
missing: the start-up log had said "no hold_music.wav ...; callers will hear silence instead"
of a file the app was serving."""

from audio.generate import music_bed
from audio.kinds import Kind
from audio.library import AudioLibrary
from audio.prepare import write_prepared


def test_an_upper_case_wav_suffix_is_present_not_missing(tmp_path):
    write_prepared(tmp_path / "hold_music.WAV", music_bed(12.0), Kind.MUSIC)
    library = AudioLibrary.from_dir(tmp_path, required=["hold_music", "welcome"])
    assert library.url_path("hold_music") is not None
    problems = library.problems()
    assert not [problem for problem in problems if problem.startswith("hold_music")], problems
    assert any(problem.startswith("welcome: no welcome.wav") for problem in problems)
