"""Turn any recording into Twilio-ready audio: mono, 8 kHz, band-limited, levelled, peak-safe.

Order matters and is fixed here: decode -> mono -> band-limit at the input rate -> resample to
8 kHz -> trim (prompts) -> level to the kind's target -> limit peaks -> fade the edges -> write.
Processing is float64 throughout and only the final write rounds to integers, so nothing wraps.
Running it on its own output changes the level by far less than 0.5 dB.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import numpy as np

from audio.content import content_problem
from audio.distortion import (
    NO_CLIPPING,
    Clipping,
    clipping_of,
    clipping_problems,
    clipping_warnings,
    quantum_of,
)
from audio.dynamics import fade_edges, level_passages, limit_peaks, trim_silence
from audio.filters import to_telephone
from audio.formats import TELEPHONE_RATE, AudioError, read_audio, write_wav
from audio.kinds import (
    DEFAULT_LEVEL_DBOV,
    MUSIC_FLOOR_DBOV,
    MUSIC_HEADROOM_DB,
    NOISE_RANGE_DBOV,
    PROMPT_LEVEL_DBOV,
    Kind,
    measure_level,
    tag_comment,
)
from audio.levels import peak_dbfs

PEAK_CEILING_DBFS = -3.0  # the promise: no sample above this
_LIMITER_CEILING_DBFS = -3.5  # what the limiter aims at, leaving room for rounding and mu-law
_SILENT_INPUT_DBOV = -85.0
_PROMPT_RANGE_DBOV = (-35.0, -12.0)


@dataclass(frozen=True)
class Prepared:
    """What was written, so the CLI can say it and callers can know a prompt's duration."""

    path: Path
    kind: Kind
    level_dbov: float
    peak_dbfs: float
    duration_s: float
    warnings: tuple[str, ...] = ()  # what is wrong with the source that preparing cannot fix


def check_target(
    kind: Kind, level_dbov: float, prompt_level_dbov: float = PROMPT_LEVEL_DBOV
) -> None:
    """Refuse targets that would make the audio wrong on the phone, saying what to use instead."""
    if kind is Kind.PROMPT and not _PROMPT_RANGE_DBOV[0] <= level_dbov <= _PROMPT_RANGE_DBOV[1]:
        low, high = _PROMPT_RANGE_DBOV
        raise AudioError(
            f"prompt level {level_dbov:g} dBov is outside {low:g}..{high:g} dBov; "
            f"the telephone speech level is {PROMPT_LEVEL_DBOV:g}"
        )
    if kind is Kind.MUSIC:
        highest = prompt_level_dbov - MUSIC_HEADROOM_DB
        if level_dbov > highest:
            gap = prompt_level_dbov - level_dbov
            relation = f"only {gap:g} dB under" if gap >= 0 else f"{-gap:g} dB louder than"
            raise AudioError(
                f"music level {level_dbov:g} dBov is {relation} the prompts "
                f"({prompt_level_dbov:g} dBov); music must sit at least "
                f"{MUSIC_HEADROOM_DB:g} dB under them (use {highest:g} or lower)"
            )
        if level_dbov < MUSIC_FLOOR_DBOV:
            raise AudioError(
                f"music level {level_dbov:g} dBov is below {MUSIC_FLOOR_DBOV:g}: "
                "phone networks' voice-activity detection would mute it"
            )
    if kind is Kind.NOISE and not NOISE_RANGE_DBOV[0] <= level_dbov <= NOISE_RANGE_DBOV[1]:
        low, high = NOISE_RANGE_DBOV
        raise AudioError(
            f"comfort-noise level {level_dbov:g} dBov is outside {low:g}..{high:g}: "
            "quieter is lost in mu-law, louder is an audible hiss"
        )


def prepare_samples(
    x: np.ndarray,
    rate: int,
    kind: Kind = Kind.PROMPT,
    level_dbov: float | None = None,
    prompt_level_dbov: float = PROMPT_LEVEL_DBOV,
    trim: bool = True,
) -> np.ndarray:
    """Mono float samples at any rate -> float samples at 8 kHz, ready to write."""
    target = DEFAULT_LEVEL_DBOV[kind] if level_dbov is None else float(level_dbov)
    check_target(kind, target, prompt_level_dbov)
    y = to_telephone(np.asarray(x, dtype=np.float64), rate)
    rate = TELEPHONE_RATE
    measured = measure_level(y, rate, kind)
    if measured < _SILENT_INPUT_DBOV:
        raise AudioError(
            "nothing to level: the input is silent in the telephone band "
            "(300-3400 Hz), or all its sound lies outside it"
        )
    if kind is Kind.PROMPT and trim:
        y = trim_silence(y, rate, threshold_dbov=measured - 40.0)
    if kind is Kind.MUSIC:
        y = y * 10.0 ** ((target - measured) / 20.0)
        y = level_passages(
            y,
            rate,
            floor_dbov=min(MUSIC_FLOOR_DBOV + 2.0, target - 4.0),
            ceiling_dbov=prompt_level_dbov - 3.0,
        )
    for _ in range(6):  # gain and limiter pull against each other briefly, then agree
        y = y * 10.0 ** ((target - measure_level(y, rate, kind)) / 20.0)
        y = limit_peaks(y, rate, _LIMITER_CEILING_DBFS)
        if abs(measure_level(y, rate, kind) - target) < 0.05:
            break
    ceiling = 10.0 ** (_LIMITER_CEILING_DBFS / 20.0)
    return np.clip(fade_edges(y, rate), -ceiling, ceiling)


def prepare_file(
    source: Path | str,
    target: Path | str,
    kind: Kind = Kind.PROMPT,
    level_dbov: float | None = None,
    prompt_level_dbov: float = PROMPT_LEVEL_DBOV,
    encoding: str = "pcm16",
    trim: bool = True,
) -> Prepared:
    """Read ``source`` (WAV, or anything ffmpeg reads), prepare it, write ``target`` atomically.

    Refuses, naming the file, what cannot become good audio (cut short, empty, cancelling
    channels, nothing in the band); warns about clipping, which no processing can undo, and
    tags the output with it so ``check`` keeps saying so. ``target`` may be ``source``: the file
    is only replaced once the new one is complete.
    """
    check_target(
        kind, DEFAULT_LEVEL_DBOV[kind] if level_dbov is None else level_dbov, prompt_level_dbov
    )
    sound = read_audio(source)
    name = str(source)
    refusal = sound.format.truncation(name) or content_problem(sound, name)
    if refusal is not None:
        raise AudioError(refusal)
    clipping = clipping_of(sound.frames, quantum_of(sound.format))
    mono = sound.mono()
    try:
        samples = prepare_samples(
            mono - np.mean(mono), sound.rate, kind, level_dbov, prompt_level_dbov, trim
        )
    except AudioError as error:
        raise AudioError(f"{name}: {error}") from error
    warnings = clipping_problems(clipping) + clipping_warnings(clipping)
    return write_prepared(target, samples, kind, encoding, clipping, tuple(warnings))


def write_prepared(
    target: Path | str,
    samples: np.ndarray,
    kind: Kind,
    encoding: str = "pcm16",
    source_clipping: Clipping = NO_CLIPPING,
    warnings: tuple[str, ...] = (),
) -> Prepared:
    """Write 8 kHz samples with the tag ``check`` reads back, and describe the result."""
    level = measure_level(samples, TELEPHONE_RATE, kind)
    target = Path(target)
    comment = tag_comment(kind, level, source_clipping)
    write_wav(target, samples, TELEPHONE_RATE, encoding, comment)
    return Prepared(
        target, kind, level, peak_dbfs(samples), samples.size / TELEPHONE_RATE, warnings
    )
