"""Turn any recording into Twilio-ready audio: mono, 8 kHz, band-limited, levelled, peak-safe.

Decode -> refuse what cannot become good audio -> mono without DC -> ``pipeline.process``
(band-limit, resample, trim, level, limit) -> fade -> write. Processing is float64 throughout
and only the final write rounds to integers, so nothing wraps.
Running it on its own output changes the level by far less than 0.5 dB (and keeps the kind,
which the output's tag says).
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from audio.content import content_problem
from audio.distortion import NO_CLIPPING, Clipping, clipping_problems, clipping_warnings
from audio.formats import (
    TELEPHONE_RATE,
    AudioError,
    open_audio,
    write_wav_blocks,
)
from audio.kinds import (
    DEFAULT_LEVEL_DBOV,
    MUSIC_FLOOR_DBOV,
    MUSIC_HEADROOM_DB,
    NOISE_RANGE_DBOV,
    PROMPT_LEVEL_DBOV,
    Kind,
    KindMeter,
    kind_from_comment,
    kind_from_name,
    source_clipping_from_comment,
    tag_comment,
)
from audio.pipeline import finished, process
from audio.scan import scan
from audio.stream import Progress, counted

PEAK_CEILING_DBFS = -3.0  # the promise: no sample above this
_SPILL_AFTER_S = 120.0  # longer inputs keep their 8 kHz intermediates in scratch files
PROMPT_RANGE_DBOV = (-35.0, -12.0)
PREPARE_PASSES = 3  # the source is read to scan it (twice) and once more to process it


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
    for name, value in (("level", level_dbov), ("prompt level", prompt_level_dbov)):
        if not math.isfinite(value):  # nan passes every comparison below
            raise AudioError(f"{name} {value:g} dBov is not a finite number")
    if kind is Kind.PROMPT and not PROMPT_RANGE_DBOV[0] <= level_dbov <= PROMPT_RANGE_DBOV[1]:
        low, high = PROMPT_RANGE_DBOV
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


def _target(kind: Kind, level_dbov: float | None, prompt_level_dbov: float) -> float:
    """The level to aim at: the one asked for, else the kind's default; refused if wrong."""
    target = DEFAULT_LEVEL_DBOV[kind] if level_dbov is None else float(level_dbov)
    check_target(kind, target, prompt_level_dbov)
    return target


def prepare_samples(
    x: np.ndarray,
    rate: int,
    kind: Kind = Kind.PROMPT,
    level_dbov: float | None = None,
    prompt_level_dbov: float = PROMPT_LEVEL_DBOV,
    trim: bool = True,
) -> np.ndarray:
    """Mono float samples at any rate -> float samples at 8 kHz, ready to write."""
    target = _target(kind, level_dbov, prompt_level_dbov)
    x = np.asarray(x, dtype=np.float64)
    with process([x], rate, kind, target, prompt_level_dbov, trim) as track:
        return np.concatenate([np.zeros(0), *finished(track)])


def prepare_file(
    source: Path | str,
    target: Path | str,
    kind: Kind | None = None,
    level_dbov: float | None = None,
    prompt_level_dbov: float = PROMPT_LEVEL_DBOV,
    encoding: str = "pcm16",
    trim: bool = True,
    progress: Progress | None = None,
) -> Prepared:
    """Read ``source`` (WAV, or anything ffmpeg reads), prepare it, write ``target`` atomically.

    Refuses, naming the file, what cannot become good audio (cut short, empty, cancelling
    channels, nothing in the band); warns about clipping, which no processing can undo, and
    tags the output with it so ``check`` keeps saying so. The file is read a block at a time
    (other formats through a scratch WAV from ffmpeg) and long ones are processed through
    scratch files, so memory stays bounded at any length.
    ``target`` may be ``source``: the file is only replaced once the new one is complete.
    ``progress`` hears how far the reading has got (three passes: two to scan, one to process).
    Without a ``kind``, the source's tag says it (a music bed prepared again stays a music bed
    at the same target level), else ``target``'s name, as ``check`` and the app's library guess
    an untagged file's kind: ``hold_music.wav`` is music, ``comfort_noise.wav`` noise, anything
    else a prompt. (It had been a prompt always: music prepared as ``hold_music.wav`` was cut to
    its first notes, levelled as loud as speech and tagged a prompt, so the app played it.)
    """
    if kind is not None:  # a wrong target is refused before any decoding
        goal = _target(kind, level_dbov, prompt_level_dbov)
    name = str(source)
    with open_audio(source) as (fmt, blocks):
        blocks = counted(blocks, fmt.rate, PREPARE_PASSES, fmt.duration_s, progress)
        if kind is None:
            kind = kind_from_comment(fmt.comment) or kind_from_name(Path(target).stem)
            goal = _target(kind, level_dbov, prompt_level_dbov)
        if (cut := fmt.truncation(name)) is not None:
            raise AudioError(cut)
        measured = scan(blocks, fmt, kind, full=False)
        if (empty := content_problem(measured, name)) is not None:
            raise AudioError(empty)
        dc = float(np.mean(measured.dc_offset))
        mono = (frames.mean(axis=1) - dc for frames in blocks())
        spill = fmt.duration_s > _SPILL_AFTER_S
        try:
            track = process(mono, fmt.rate, kind, goal, prompt_level_dbov, trim, spill)
        except AudioError as error:
            raise AudioError(f"{name}: {error}") from error
    # A file prepared before keeps its source's flat tops only in its tag (filtering and
    # resampling rounded them off): the worse of the two goes on, or clipping is forgotten.
    clipping = max(measured.clipping, source_clipping_from_comment(fmt.comment),
                   key=lambda found: found.fraction)
    warnings = tuple(clipping_problems(clipping) + clipping_warnings(clipping))
    with track:
        return write_prepared_blocks(target, finished(track), kind, encoding, clipping, warnings)


def write_prepared(
    target: Path | str,
    samples: np.ndarray,
    kind: Kind,
    encoding: str = "pcm16",
    source_clipping: Clipping = NO_CLIPPING,
    warnings: tuple[str, ...] = (),
) -> Prepared:
    """Write 8 kHz samples with the tag ``check`` reads back, and describe the result."""
    return write_prepared_blocks(target, [samples], kind, encoding, source_clipping, warnings)


def write_prepared_blocks(
    target: Path | str,
    blocks: Iterable[np.ndarray],
    kind: Kind,
    encoding: str = "pcm16",
    source_clipping: Clipping = NO_CLIPPING,
    warnings: tuple[str, ...] = (),
) -> Prepared:
    """``write_prepared`` for samples given a block at a time; the level in the tag is measured
    on the way through."""
    meter = KindMeter(TELEPHONE_RATE, kind)
    peak = 0.0

    def measured() -> Iterator[np.ndarray]:
        nonlocal peak
        for block in blocks:
            meter.feed(block)
            peak = max(peak, float(np.max(np.abs(block)))) if np.size(block) else peak
            yield block

    target = Path(target)
    comment = lambda: tag_comment(kind, meter.level_dbov(), source_clipping)  # noqa: E731
    write_wav_blocks(target, measured(), TELEPHONE_RATE, encoding, comment)
    return Prepared(
        target,
        kind,
        meter.level_dbov(),
        20.0 * np.log10(peak) if peak > 0 else -np.inf,
        meter.samples / TELEPHONE_RATE,
        warnings,
    )
