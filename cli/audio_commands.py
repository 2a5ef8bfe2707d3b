"""``holdwell audio ...``: prepare, check and generate telephone-ready audio from the shell.

Thin wrappers over ``audio/``; every error an operator can fix arrives as one readable line.
"""

from __future__ import annotations

from pathlib import Path

import click
import numpy as np

from audio.check import SCAN_PASSES, TWILIO_MAX_DURATION_S, check_file, render
from audio.formats import AudioError
from audio.generate import comfort_noise, music_bed
from audio.kinds import DEFAULT_LEVEL_DBOV, PROMPT_LEVEL_DBOV, Kind
from audio.levels import decibels
from audio.prepare import (
    PREPARE_PASSES,
    PROMPT_RANGE_DBOV,
    Prepared,
    prepare_file,
    write_prepared,
)
from audio.speech import render_prompt
from cli.params import FiniteFloatRange, OutFile
from cli.progress import stderr_progress, stderr_steps

audio = click.Group("audio", help="Make hold audio sound right on a phone line.")

KIND = click.Choice([kind.value for kind in Kind])
MIN_BED_S = 10.0
"""The shortest bed generated: a wait document plays it once, so a bed of 0.1 s had Twilio
ask for the next document ten times a second for every caller (as the silence policy's
shortest segment, 10 s)."""
LEVEL = click.option(
    "--level",
    type=FiniteFloatRange(),
    default=None,
    help="Target level in dBov (default: -22 prompt, -30 music, -60 noise).",
)
PROMPT_LEVEL = click.option(
    "--prompt-level",
    type=FiniteFloatRange(*PROMPT_RANGE_DBOV),
    default=PROMPT_LEVEL_DBOV,
    show_default=True,
    help="The prompts' level; music stays 6 dB under.",
)
MULAW = click.option(
    "--mulaw",
    is_flag=True,
    help="Write 8-bit mu-law WAV instead of 16-bit PCM (check on a real call).",
)
SEED = click.option("--seed", type=click.IntRange(min=0), default=0, show_default=True,
                    help="The noise generator's seed (0 or more): the same seed, the same file.")
WPM = click.IntRange(80, 450)
"""espeak-ng's own range: below 80 it speaks at 80 anyway, and past 450 the words run
together (at 100,000 it wrote no sound at all, and the command failed unexpectedly)."""
LONG_INPUT_S = 60.0
"""Files of at least this much audio show their progress on stderr: on this machine 10 minutes
of 44.1 kHz stereo take over two minutes to prepare or check, and had run without a word."""


class FileProgress:
    """A long file's reading on stderr, as every long job's (a bar on a terminal, else a line
    each tenth and at least every 10 s): `hold.wav: seconds of audio read (2 passes over
    600 s): 30% (360 of 1,200)`. Files shorter than LONG_INPUT_S say nothing."""

    def __init__(self, path: Path, passes: int, doing: str = "") -> None:
        self.path, self.passes, self.doing = path, passes, doing
        self.bar, self.shown = None, 0

    def __call__(self, done_s: float, total_s: float) -> None:
        if self.bar is None:
            once_s = total_s / self.passes
            if once_s < LONG_INPUT_S:
                return
            self.bar = stderr_progress(round(total_s), f"{self.doing}{self.path}: seconds of "
                                       f"audio read ({self.passes} passes over {once_s:,.0f} s)")
            self.bar.__enter__()
        step = round(done_s) - self.shown
        if step > 0:
            self.shown += step
            self.bar.update(step)

    def __enter__(self) -> FileProgress:
        return self

    def __exit__(self, *exc: object) -> None:
        if self.bar is not None:
            self.bar.__exit__(*exc)


# Only WAV is written (the app serves NAME.wav): out.mp3 is refused, not filled with WAV data;
# and to a file only: the WAV is written beside it and moved over it (a device such as
# /dev/null, run as root, had been replaced by a file), then checked as the app would.
OUT = click.argument("out", type=OutFile(path_type=Path, suffixes=(".wav",), devices=False))


def _done(prepared: Prepared) -> None:
    """Say what was written, and whether the app will play it: the app checks every file in
    its audio folder as `audio check` does, at the prompts' standard level, and plays
    silence instead of one it refuses (a level asked for with --level, a file over Twilio's
    40 minutes, a source too short to level: each was written without a word). The file is
    kept to listen to, and the command exits 1: a script must not take it as ready."""
    click.echo(
        f"{prepared.path}: {prepared.kind.value}, {prepared.duration_s:.2f} s, "
        f"level {prepared.level_dbov:.1f} dBov, peak {decibels(prepared.peak_dbfs)} dBFS"
    )
    for warning in prepared.warnings:
        click.echo(f"warning: {prepared.path}: {warning}", err=True)
    with FileProgress(prepared.path, SCAN_PASSES, "checking ") as progress:
        report = check_file(prepared.path, prepared.kind, progress=progress)
    if not report.ok:
        click.echo(f"{prepared.path}: written, but the app will not play this file (it "
                   f"checks files as `holdwell audio check` does): {report.verdict}", err=True)
        raise SystemExit(1)


@audio.command("prepare")
@click.argument("source", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@OUT
@click.option(
    "--kind",
    type=KIND,
    default=None,
    help="What it is: spoken prompt, music bed or comfort noise (default: SOURCE's holdwell"
    " tag, else OUT's name as `check` and the app read it: 'music' or 'moh' in it is music,"
    " 'noise' or 'silence' noise, anything else a prompt).",
)
@LEVEL
@PROMPT_LEVEL
@MULAW
@click.option("--no-trim", is_flag=True, help="Keep leading and trailing silence of prompts.")
def prepare_command(
    source: Path,
    out: Path,
    kind: str | None,
    level: float | None,
    prompt_level: float,
    mulaw: bool,
    no_trim: bool,
) -> None:
    """Make SOURCE telephone-ready (8 kHz mono, telephone band, level, peaks, fades) as OUT.

    A SOURCE of a minute or more says on stderr how far its reading has got."""
    try:
        with FileProgress(source, PREPARE_PASSES) as progress:
            prepared = prepare_file(
                source,
                out,
                Kind(kind) if kind else None,
                level,
                prompt_level,
                "mulaw" if mulaw else "pcm16",
                trim=not no_trim,
                progress=progress,
            )
    except AudioError as error:
        raise click.ClickException(str(error)) from error
    _done(prepared)


@audio.command("check")
@click.argument("files", nargs=-1, required=True, type=click.Path(path_type=Path))
@click.option(
    "--kind",
    type=KIND,
    default=None,
    help="Judge every file as this kind (default: the file's tag, else its name).",
)
@PROMPT_LEVEL
def check_command(files: tuple[Path, ...], kind: str | None, prompt_level: float) -> None:
    """Measure FILES as a caller would hear them; exit 1 if any would sound wrong.

    With several FILES, a line `[3/40] FILE` on stderr says which one is being measured; a
    FILE of a minute or more says on stderr how far its reading has got."""
    failed = 0
    for path in stderr_steps(files):
        try:
            with FileProgress(path, SCAN_PASSES) as progress:
                report = check_file(path, Kind(kind) if kind else None, prompt_level, progress)
        except AudioError as error:
            click.echo(f"{path}: FAIL\n  verdict   {error}")
            failed += 1
            continue
        click.echo(render(report))
        failed += not report.ok
    if failed:
        click.echo(f"{failed} of {len(files)} files would not sound right on the phone.", err=True)
        raise SystemExit(1)


@audio.command("comfort-noise")
@OUT
@click.option(
    "--level",
    type=FiniteFloatRange(),
    default=DEFAULT_LEVEL_DBOV[Kind.NOISE],
    show_default=True,
    help="RMS level in dBov (-70..-50).",
)
@click.option("--duration", type=FiniteFloatRange(MIN_BED_S, TWILIO_MAX_DURATION_S),
              default=30.0, show_default=True,
              help="Seconds (each wait document plays it once: a short bed makes Twilio ask "
                   "again every few seconds).")
@SEED
@MULAW
def comfort_noise_command(out: Path, level: float, duration: float, seed: int, mulaw: bool) -> None:
    """Write a quiet noise bed for the silence policy, so the line never sounds dead."""
    try:
        samples = comfort_noise(duration, level, np.random.default_rng(seed))
    except AudioError as error:
        raise click.ClickException(str(error)) from error
    _done(write_prepared(out, samples, Kind.NOISE, "mulaw" if mulaw else "pcm16"))


@audio.command("music-bed")
@OUT
@click.option(
    "--level",
    type=FiniteFloatRange(),
    default=DEFAULT_LEVEL_DBOV[Kind.MUSIC],
    show_default=True,
    help="Gated RMS level in dBov; at least 6 dB under the prompts.",
)
@click.option(
    "--duration",
    type=FiniteFloatRange(MIN_BED_S, TWILIO_MAX_DURATION_S),
    default=32.0,
    show_default=True,
    help="Seconds, rounded up to whole 4 s chords.",
)
@SEED
def music_bed_command(out: Path, level: float, duration: float, seed: int) -> None:
    """Write soft synthesized chords for the legacy music_ads baseline."""
    try:
        samples = music_bed(duration, level, np.random.default_rng(seed))
    except AudioError as error:
        raise click.ClickException(str(error)) from error
    _done(write_prepared(out, samples, Kind.MUSIC))


@audio.command("prompt")
@click.argument("text")
@OUT
@click.option("--voice", default="en-us", show_default=True, help="espeak-ng voice.")
@click.option("--wpm", type=WPM, default=150, show_default=True,
              help="Words per minute (80-450; callers follow 140-170 best).")
@LEVEL
@MULAW
def prompt_command(
    text: str, out: Path, voice: str, wpm: int, level: float | None, mulaw: bool
) -> None:
    """Speak TEXT offline with espeak-ng into a prepared prompt OUT, to preview or to play."""
    try:
        prepared = render_prompt(text, out, voice, wpm, level, "mulaw" if mulaw else "pcm16")
    except AudioError as error:
        raise click.ClickException(str(error)) from error
    _done(prepared)
