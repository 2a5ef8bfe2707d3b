"""AudioLibrary: names -> checked files with content-hashed URLs; bad files play as silence."""

import re

import pytest

from audio.formats import write_wav
from audio.generate import comfort_noise
from audio.kinds import Kind
from audio.library import AudioLibrary
from audio.prepare import prepare_samples, write_prepared


@pytest.fixture
def folder(tmp_path, speech):
    audio = tmp_path / "audio"
    audio.mkdir()
    write_prepared(audio / "comfort_noise.wav", comfort_noise(2.0), Kind.NOISE)
    prompt = prepare_samples(speech(16000), 16000)
    write_prepared(audio / "checkin_sorry.wav", prompt, Kind.PROMPT)
    write_wav(audio / "too_loud.wav", prompt * 4, 8000, comment="holdwell kind=prompt")
    (audio / "hold_music.mp3").write_bytes(b"ID3\x03" + bytes(64))
    (audio / "notes.txt").write_text("not audio")
    return audio


def test_good_files_get_hashed_urls_and_durations(folder):
    library = AudioLibrary.from_dir(folder)
    url = library.url_path("comfort_noise")
    assert re.fullmatch(r"/audio/comfort_noise-[0-9a-f]{12}\.wav", url)
    assert library.duration_s("comfort_noise") == pytest.approx(2.0)
    assert library.duration_s("checkin_sorry") > 1.0
    assert library.names() == ["checkin_sorry", "comfort_noise"]


def test_failing_missing_and_non_wav_files_are_problems_and_play_as_silence(folder):
    library = AudioLibrary.from_dir(folder, required=["comfort_noise", "hold_music", "goodbye"])
    problems = "\n".join(library.problems())
    assert "too_loud" in problems and "louder than the prompts" in problems
    assert "hold_music.mp3: holdwell serves WAV only" in problems
    assert "goodbye: no goodbye.wav" in problems
    assert "notes" not in problems and "comfort_noise" not in problems
    assert library.url_path("too_loud") is None and library.duration_s("too_loud") is None
    assert library.url_path("goodbye") is None


def test_url_changes_when_the_content_changes(folder):
    before = AudioLibrary.from_dir(folder).url_path("comfort_noise")
    write_prepared(folder / "comfort_noise.wav", comfort_noise(3.0), Kind.NOISE)
    after = AudioLibrary.from_dir(folder)
    assert after.url_path("comfort_noise") != before
    assert after.entry_for_filename(before.rsplit("/", 1)[1]) is None  # stale names find nothing


def test_missing_folder_is_one_problem_not_a_crash(tmp_path):
    library = AudioLibrary.from_dir(tmp_path / "nope", required=["comfort_noise"])
    assert library.url_path("comfort_noise") is None
    assert library.problems() == [f"audio folder {tmp_path / 'nope'} does not exist"]


def test_url_prefix_is_configurable(folder):
    library = AudioLibrary.from_dir(folder, url_prefix="/static/hold/")
    assert library.url_path("comfort_noise").startswith("/static/hold/comfort_noise-")
