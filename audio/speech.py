"""Prompts rendered offline with espeak-ng, so every prompt has a known duration before a call,
the simulator can time check-ins, and operators can listen to exactly what callers will hear."""

from __future__ import annotations

import shutil
import subprocess
import tempfile
from functools import cache
from pathlib import Path

import numpy as np

from audio.formats import AudioError, read_audio
from audio.kinds import Kind
from audio.prepare import Prepared, prepare_samples, write_prepared

ESPEAK = "espeak-ng"


@cache
def espeak_voices() -> frozenset[str]:
    """The voice names this machine's espeak-ng has ("en-us", "de", "cmn"...); none without it."""
    program = shutil.which(ESPEAK)
    if program is None:
        return frozenset()
    try:
        listed = subprocess.run([program, "--voices"], capture_output=True, text=True,
                                timeout=30, check=False).stdout
    except (OSError, subprocess.TimeoutExpired):
        return frozenset()
    return frozenset(line.split()[1].lower() for line in listed.splitlines()[1:]
                     if len(line.split()) > 1)


def voice_for_language(language: str) -> str | None:
    """espeak-ng's voice for a BCP-47 tag: the tag itself ("en-gb"), else its language
    ("de" for "de-AT"); None when espeak-ng has neither (it would fail, or speak another
    language's sounds)."""
    tag = language.lower()
    voices = espeak_voices()
    return next((name for name in (tag, tag.split("-")[0]) if name in voices), None)


def synthesize(
    text: str, voice: str = "en-us", words_per_minute: int = 150
) -> tuple[np.ndarray, int]:
    """Speak ``text`` with espeak-ng; return mono float samples and their rate (22050 Hz)."""
    if not text.strip():
        raise AudioError("nothing to say: the prompt text is empty")
    program = shutil.which(ESPEAK)
    if program is None:
        raise AudioError(
            "rendering prompts needs espeak-ng, which is not on PATH: install it"
            " (apt-get install espeak-ng), or record the prompt and run"
            " `holdwell audio prepare`"
        )
    with tempfile.TemporaryDirectory(prefix="holdwell-tts-") as folder:
        wav = Path(folder) / "prompt.wav"
        command = [program, "-v", voice, "-s", str(words_per_minute), "-w", str(wav), "--stdin"]
        try:
            done = subprocess.run(
                command, input=text, text=True, capture_output=True, timeout=120, check=False
            )
        except subprocess.TimeoutExpired as error:
            raise AudioError("espeak-ng took over two minutes; is the text that long?") from error
        if done.returncode != 0 or not wav.exists():
            reason = (done.stderr or done.stdout).strip() or f"exit status {done.returncode}"
            if voice.lower() not in espeak_voices():  # its own words do not name the voice
                reason += (f" (voice {voice!r}: `espeak-ng --voices` lists the voices"
                           " installed, such as en-us, en-gb, es, de)")
            raise AudioError(f"espeak-ng failed: {reason}")
        sound = read_audio(wav)
    return sound.mono(), sound.rate


def render_prompt(
    text: str,
    target: Path | str,
    voice: str = "en-us",
    words_per_minute: int = 150,
    level_dbov: float | None = None,
    encoding: str = "pcm16",
) -> Prepared:
    """Speak, prepare (band, level, peaks, fades, trimmed silence) and write a prompt WAV."""
    samples, rate = synthesize(text, voice, words_per_minute)
    prepared = prepare_samples(samples, rate, Kind.PROMPT, level_dbov)
    return write_prepared(target, prepared, Kind.PROMPT, encoding)
