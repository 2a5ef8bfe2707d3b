"""A short clip (a chime, a word) is levelled as it is written, fades included: the 15 ms fades
had taken up to 7 dB off clips under a tenth of a second after levelling, so `prepare` wrote
a 50 ms chime at -29 dBov and then refused it as "quieter than the prompts should be"."""

import pytest

from audio.check import check_file
from audio.formats import read_audio
from audio.kinds import Kind, measure_level
from audio.prepare import prepare_file


@pytest.mark.parametrize("seconds", [0.05, 0.1, 0.3])
def test_a_short_prompt_is_written_at_the_prompt_level(write_wav, sine, tmp_path, seconds):
    source = write_wav(sine(1000, 16000, seconds=seconds, amplitude=0.1), 16000,
                       name="chime.wav")
    out = tmp_path / "chime_ready.wav"
    prepared = prepare_file(source, out, Kind.PROMPT)
    written = measure_level(read_audio(out).mono(), 8000, Kind.PROMPT)
    assert written == pytest.approx(-22.0, abs=0.5)
    assert prepared.level_dbov == pytest.approx(written, abs=0.1)  # what it says it wrote
    report = check_file(out)
    assert report.ok, report.verdict
