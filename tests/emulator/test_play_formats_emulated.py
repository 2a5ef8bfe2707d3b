"""Operators upload 8 kHz mu-law WAVs (G.711, Twilio's own telephone format) and A-law ones; the
emulated callers hear them as they would the PCM original. A cut-short or garbled file is an
error naming it, not a traceback (the emulator read <Play> files with the PCM-only `wave`)."""

from __future__ import annotations

import hashlib
import shutil
import subprocess
from collections.abc import Callable
from pathlib import Path

import numpy as np
import pytest
from flask import Flask

from audio.formats import ALAW, MULAW, PCM, parse_wav, wav_bytes
from audio.generate import music_bed
from audio.levels import rms_dbov
from audio.library import AudioEntry, AudioLibrary
from emulator.run import EmulatedRun, emulate
from hold_policies.config import parse_config
from simulator.scenario import simple_scenario

CONFIG = parse_config({"queues": {"support": {
    "policy": "silence", "silence": {"comfort_noise": "comfort_noise", "segment_s": 20}}}})
ORIGINAL = music_bed(duration_s=20.0)
ENCODINGS = {"pcm": ("signed-integer", PCM), "mu-law": ("u-law", MULAW), "A-law": ("a-law", ALAW)}


@pytest.fixture(scope="module")
def encoded(tmp_path_factory: pytest.TempPathFactory) -> dict[str, bytes]:
    """The original as 16-bit PCM, and as sox's mu-law and A-law WAVs of it."""
    if shutil.which("sox") is None:
        pytest.skip("sox not on PATH (CI installs it: apt-get install sox)")
    folder = tmp_path_factory.mktemp("play")
    source = folder / "pcm.wav"
    source.write_bytes(wav_bytes(ORIGINAL, 8000))
    files = {}
    for name, (encoding, tag) in ENCODINGS.items():
        target = folder / f"{tag}.wav"
        subprocess.run(["sox", str(source), "-e", encoding, str(target)], check=True)
        files[name] = target.read_bytes()
        assert parse_wav(files[name]).format.tag == tag
    return files


def serving(data: bytes) -> Callable[[Flask], None]:
    """Make the app play `data` as its comfort noise. The library is built by hand because its
    start-up check refuses A-law (not telephone-ready); Twilio would play it all the same."""

    def customize(app: Flask) -> None:
        entry = AudioEntry("comfort_noise", Path("comfort_noise.wav"), data,
                           hashlib.sha256(data).hexdigest(), len(ORIGINAL) / 8000)
        library = AudioLibrary([entry])
        app.extensions["holdwell"].audio = library
        app.extensions["holdwell_audio"] = library

    return customize


def run_with(data: bytes, sqlite_url: str) -> EmulatedRun:
    scenario = simple_scenario(calls=5, agents=1, arrivals_per_min=2.0, service_mean_min=3.0,
                               patience_mean_min=2.0)
    return emulate(scenario, "silence", np.random.default_rng(3), database_url=sqlite_url,
                   config=CONFIG, record=True, customize=serving(data))


@pytest.mark.parametrize("encoding", list(ENCODINGS))
def test_callers_hear_pcm_mu_law_and_a_law_alike(encoding, encoded, sqlite_url):
    run = run_with(encoded[encoding], sqlite_url)
    assert run.errors == []
    [(url, clip)] = run.clips.items()
    assert any(f"[play {url}]" in line for caller in run.callers for line in caller.heard)
    assert clip.duration_s == pytest.approx(len(ORIGINAL) / 8000, abs=1e-3)
    assert clip.level_dbov == pytest.approx(rms_dbov(ORIGINAL), abs=0.5)  # G.711 rounding


@pytest.mark.parametrize(
    ("damage", "words"),
    [
        (lambda data: data[: len(data) // 2], "is truncated: its header promises 20.00 s"),
        (lambda data: data[:12] + bytes(range(256)) * 4, "without a fmt or data chunk"),
        (lambda data: b"<html>Service unavailable</html>", "not a RIFF/WAVE file"),
    ],
    ids=["truncated", "garbled", "not-a-wav"],
)
def test_a_damaged_file_is_an_error_naming_it(damage, words, encoded, sqlite_url):
    run = run_with(damage(encoded["mu-law"]), sqlite_url)
    [(url, clip)] = run.clips.items()
    assert run.errors == [clip.problem]
    assert clip.problem.startswith(f"<Play> {url}") and words in clip.problem
    assert "/audio/comfort_noise-" in url
