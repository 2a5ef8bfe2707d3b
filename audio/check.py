"""Measure a file the way a caller's ear and the phone network will meet it, and say so in words.

A report holds the measurements (format, duration, level by the kind's own meter, peak, energy
outside the telephone band) plus problems (the file fails: exit non-zero in CI) and warnings
(usable, but worth fixing).
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from audio.content import content_problem
from audio.distortion import Clipping, clipping_problems, clipping_warnings
from audio.filters import LOW_GUARD_HZ, STOP_HZ, ratio_db
from audio.formats import AudioFormat, Sound, open_audio
from audio.kinds import (
    LEVEL_MEASURE,
    LEVEL_TOLERANCE_DB,
    MUSIC_FLOOR_DBOV,
    MUSIC_HEADROOM_DB,
    NOISE_RANGE_DBOV,
    PROMPT_LEVEL_DBOV,
    SILENCE_BELOW_DB,
    Kind,
    kind_from_comment,
    kind_from_name,
    source_clipping_from_comment,
)
from audio.levels import decibels
from audio.prepare import PEAK_CEILING_DBFS
from audio.scan import Scan, scan
from audio.stream import Blocks, Progress, counted

TWILIO_MAX_DURATION_S = 40 * 60  # Twilio: longer files can drop the call
_EDGE_LIMIT = 0.01  # a first/last sample above -40 dBFS clicks when looped
_CODEC_MARGIN = 4.0  # 6 dB: the estimate of G.711's noise is good to about 3 dB
_DC_WARN = 0.01  # -40 dBFS: below this an offset costs nothing audible


@dataclass(frozen=True)
class Report:
    """Everything ``check`` measured about one file, and what it thinks of it."""

    name: str
    format: AudioFormat
    kind: Kind
    kind_source: str
    level_dbov: float
    activity: float
    peak_dbfs: float
    true_peak_dbfs: float
    clipping: Clipping
    dc_offset: tuple[float, ...]
    low_band_db: float
    high_band_db: float
    prompt_level_dbov: float
    problems: tuple[str, ...]
    warnings: tuple[str, ...]
    silences_s: tuple[float, float, float] = (0.0, 0.0, 0.0)  # before, after, longest pause

    @property
    def ok(self) -> bool:
        return not self.problems

    @property
    def verdict_lines(self) -> list[str]:
        """Each problem, then each warning (for a passing file, "usable, but ..."); praise when
        clean."""
        if self.problems:
            return [*self.problems, *(f"also: {warning}" for warning in self.warnings)]
        if self.warnings:
            return ["usable, but " + self.warnings[0], *self.warnings[1:]]
        return [_praise(self)]

    @property
    def verdict(self) -> str:
        return "; ".join(self.verdict_lines)


SCAN_PASSES = 2  # ``scan`` reads a file twice: extremes and DC, then everything else


def check_file(
    path: Path | str,
    kind: Kind | None = None,
    prompt_level_dbov: float = PROMPT_LEVEL_DBOV,
    progress: Progress | None = None,
) -> Report:
    """Check one file; the kind comes from the option, else the file's tag, else its name.

    The file is read a block at a time (other formats through a scratch WAV from ffmpeg), so
    checking an hour of audio costs a few blocks of memory; ``progress`` hears how far the
    reading has got (minutes, for a long file).
    """
    with open_audio(path) as (fmt, blocks):
        blocks = counted(blocks, fmt.rate, SCAN_PASSES, fmt.duration_s, progress)
        if kind is not None:
            source = "as asked"
        elif (tagged := kind_from_comment(fmt.comment)) is not None:
            kind, source = tagged, "from the file's tag"
        else:
            kind, source = kind_from_name(Path(path).stem), "guessed from the file name"
        return judge(scan(blocks, fmt, kind), str(path), kind, source, prompt_level_dbov)


def _one_block(frames: np.ndarray) -> Blocks:
    return lambda: iter([frames])


def check_sound(
    sound: Sound,
    name: str,
    kind: Kind,
    kind_source: str = "as asked",
    prompt_level_dbov: float = PROMPT_LEVEL_DBOV,
) -> Report:
    """Judge decoded audio as ``kind`` against the prompt level."""
    measured = scan(_one_block(sound.frames), sound.format, kind)
    return judge(measured, name, kind, kind_source, prompt_level_dbov)


def judge(
    measured: Scan,
    name: str,
    kind: Kind,
    kind_source: str = "as asked",
    prompt_level_dbov: float = PROMPT_LEVEL_DBOV,
) -> Report:
    """Turn a scan into problems and warnings in words.

    Levels are measured with any DC offset removed: an offset is not sound, and counting it
    would call a quiet prompt loud.
    """
    fmt = measured.format
    peak, highest = _db(measured.peak), _db(measured.true_peak)
    low_power, in_band, high_power, _ = measured.bands
    problems = _format_problems(fmt, name)
    if fmt.frames and (empty := content_problem(measured, name)) is not None:
        problems.append(empty)
    problems += _level_problems(measured, kind, prompt_level_dbov)
    problems += _peak_problems(peak, highest, measured.wraps)
    problems += clipping_problems(measured.clipping)
    source = source_clipping_from_comment(fmt.comment)
    problems += clipping_problems(source, "prepared from a clipped source: ")
    warnings = clipping_warnings(measured.clipping)
    warnings += clipping_warnings(source, "its source was clipped: ")
    warnings += _dc_warnings(measured.dc_offset)
    warnings += _band_warnings(measured.bands, fmt.rate, measured.codec_noise)
    warnings += _edge_warnings(measured.edges)
    if kind is Kind.PROMPT and measured.level_dbov != -math.inf:
        warnings += _dead_air_warnings(measured.silences_s)
    return Report(
        name=name,
        format=fmt,
        kind=kind,
        kind_source=kind_source,
        level_dbov=measured.level_dbov,
        activity=measured.activity,
        peak_dbfs=peak,
        true_peak_dbfs=highest,
        clipping=measured.clipping,
        dc_offset=measured.dc_offset,
        low_band_db=ratio_db(low_power, in_band),
        high_band_db=ratio_db(high_power, in_band),
        prompt_level_dbov=prompt_level_dbov,
        silences_s=measured.silences_s,
        problems=tuple(problems),
        warnings=tuple(warnings),
    )


def _db(linear: float) -> float:
    return 20.0 * math.log10(linear) if linear > 0 else -math.inf


def _format_problems(fmt: AudioFormat, name: str) -> list[str]:
    problems = []
    if (cut := fmt.truncation(name)) is not None:
        problems.append(cut)
    if fmt.frames == 0:
        return problems + [f"{name} holds no audio: its data chunk is empty"]
    if not fmt.telephone_ready:
        problems.append(
            f"{fmt.describe()} is not telephone audio (mono 8000 Hz 16-bit PCM WAV):"
            " Twilio would transcode it its own way; run `holdwell audio prepare`"
        )
    if fmt.duration_s > TWILIO_MAX_DURATION_S:
        problems.append(
            f"{fmt.duration_s / 60:.0f} minutes long: Twilio may drop calls playing"
            " files over 40 minutes"
        )
    return problems


def _level_problems(measured: Scan, kind: Kind, prompt: float) -> list[str]:
    level = measured.level_dbov
    if kind is Kind.NOISE:
        return _noise_problems(level)
    if level == -math.inf:
        return [f"silent: a {kind.value} with nothing in it"]
    if kind is Kind.PROMPT:
        over = level - prompt
        if over > LEVEL_TOLERANCE_DB:
            return [
                f"{over:.0f} dB louder than the prompts should be ({prompt:g} dBov):"
                " callers will pull the phone away"
            ]
        if over < -LEVEL_TOLERANCE_DB:
            return [
                f"{-over:.0f} dB quieter than the prompts should be ({prompt:g} dBov):"
                " callers will strain to hear it"
            ]
        return []
    under = prompt - level
    if under < 0:
        return [f"{-under:.0f} dB louder than the prompts: callers will pull the phone away"]
    if under < MUSIC_HEADROOM_DB - 0.5:
        return [
            f"only {under:.0f} dB under the prompts: music must sit at least"
            f" {MUSIC_HEADROOM_DB:g} dB under speech or it drowns the check-ins"
        ]
    loudest = measured.loudest_dbov
    if loudest > prompt:
        return [
            f"its loudest passage is {loudest - prompt:.0f} dB louder than the prompts:"
            " callers will pull the phone away"
        ]
    if level < MUSIC_FLOOR_DBOV:
        return [
            f"music at {level:.0f} dBov is so quiet that voice-activity detection on phone"
            " networks may mute it"
        ]
    return []


def _noise_problems(level: float) -> list[str]:
    low, high = NOISE_RANGE_DBOV
    if level == -math.inf:
        return []  # true digital silence is a legitimate choice for the silence policy
    if level > high:
        return [
            f"comfort noise at {level:.0f} dBov is an audible hiss: keep it between"
            f" {low:g} and {high:g} dBov (about -60)"
        ]
    if level < low:
        return [
            f"comfort noise at {level:.0f} dBov is below what mu-law keeps: the line will"
            f" sound dead anyway; keep it between {low:g} and {high:g} dBov"
        ]
    return []


def _peak_problems(peak: float, true_peak_dbfs: float, wraps: int) -> list[str]:
    problems = []
    if true_peak_dbfs > PEAK_CEILING_DBFS + 1e-6:
        # as many decimals as tell the peak from the ceiling and from the sample peak: "peaks
        # at -3.0 dBFS, above the -3 dBFS ceiling" and "-2.0 between samples (on them -2.0)"
        # had read as contradictions
        decimals = next(d for d in (1, 2, 3, 4) if
                        float(decibels(true_peak_dbfs, d)) > PEAK_CEILING_DBFS or d == 4)
        highest, on_them = decibels(true_peak_dbfs, decimals), decibels(peak, decimals)
        between = ("" if true_peak_dbfs - peak < 0.05 or highest == on_them
                   else f" between samples (on them {on_them})")
        problems.append(
            f"peaks at {highest} dBFS{between}, above the "
            f"{PEAK_CEILING_DBFS:g} dBFS ceiling: the line will distort them"
        )
    if wraps:
        problems.append(
            f"{wraps} jumps across the whole range where the sound around them moves smoothly:"
            " integer wrap-around, it will crack loudly"
        )
    return problems


def _dc_warnings(dc: tuple[float, ...]) -> list[str]:
    worst = max(dc, key=abs, default=0.0)
    if abs(worst) < _DC_WARN:
        return []
    return [
        f"DC offset of {worst:+.3f} ({_dbfs(worst):.0f} dBFS): not heard as sound, but it"
        " thumps when the file starts, stops or loops and wastes headroom;"
        " `prepare` removes it"
    ]


def _dbfs(value: float) -> float:
    return 20.0 * math.log10(abs(value)) if value else -math.inf


def _codec_explains(power: float, codec_noise: float, share: float) -> bool:
    return power <= _CODEC_MARGIN * codec_noise * share


def _band_warnings(
    bands: tuple[float, float, float, float], rate: int, codec_noise: float
) -> list[str]:
    low_power, in_band, high_power, _ = bands
    low, high = ratio_db(low_power, in_band), ratio_db(high_power, in_band)
    nyquist, warnings = rate / 2.0, []
    if low > -20.0 and not _codec_explains(low_power, codec_noise, LOW_GUARD_HZ / nyquist):
        warnings.append(
            f"energy below 150 Hz {_against_speech(low)} the speech band:"
            " rumble the phone drops anyway, wasting level"
        )
    above = (nyquist - STOP_HZ) / nyquist
    if high > -40.0 and not _codec_explains(high_power, codec_noise, above):
        warnings.append(
            f"energy above 3.6 kHz {_against_speech(high)} the speech band:"
            " it can alias or be cut on the way; `prepare` band-limits it"
        )
    return warnings


def _against_speech(db: float) -> str:
    """A band's power against the speech band's, in words that keep its sign."""
    if math.isinf(db):
        return "with nothing in" if db > 0 else "far under"
    return f"only {-db:.0f} dB under" if db < 0 else f"{db:.0f} dB over"


DEAD_AIR_EDGE_S = 1.0
"""More silence than this before a prompt's first word or after its last is dead air."""
DEAD_AIR_PAUSE_S = 4.0
"""A pause inside a prompt longer than this is dead air (speech pauses last under 2 s)."""


def _dead_air_warnings(silences_s: tuple[float, float, float]) -> list[str]:
    """Silence callers would hear as a dropped line (the project's reason to exist)."""
    leading, trailing, pause = silences_s
    warnings = []
    if leading > DEAD_AIR_EDGE_S:
        warnings.append(f"starts with {leading:.1f} s of silence: callers hear dead air and "
                        "may think the line dropped; `prepare` trims it")
    if trailing > DEAD_AIR_EDGE_S:
        warnings.append(f"ends with {trailing:.1f} s of silence: dead air before the next "
                        "sound; `prepare` trims it")
    if pause > DEAD_AIR_PAUSE_S:
        warnings.append(f"a pause of {pause:.1f} s inside it: callers may think the line "
                        "dropped; record it again or cut the pause")
    return warnings


def _edge_warnings(edges: tuple[float, float]) -> list[str]:
    if max(abs(edges[0]), abs(edges[1])) > _EDGE_LIMIT:
        return [
            "starts or ends abruptly: it will click when looped or joined;"
            " `prepare` adds 15 ms fades"
        ]
    return []


def _praise(report: Report) -> str:
    if report.kind is Kind.NOISE:
        if report.level_dbov == -math.inf:
            return "ready: true digital silence"
        return f"ready: a quiet comfort-noise bed at {report.level_dbov:.0f} dBov"
    if report.kind is Kind.MUSIC:
        under = report.prompt_level_dbov - report.level_dbov
        return f"ready: music {under:.0f} dB under the prompts, clean peaks, telephone band"
    return "ready for the phone: speech on the telephone level, clean peaks, telephone band"


def _peak_row(report: Report) -> str:
    clipping = report.clipping
    row = (f"{decibels(report.peak_dbfs)} dBFS sample, {decibels(report.true_peak_dbfs)} dBFS "
           "true (4x)")
    if clipping.plateaus:
        row += f"; {clipping.plateaus} flat tops ({clipping.fraction:.2%} of samples)"
    return row + f"; flat factor {clipping.flat_factor_db:.1f} dB (sox)"


def render(report: Report) -> str:
    """The lines ``holdwell audio check`` prints for one file."""
    fmt = report.format
    level = f"{report.level_dbov:.1f} dBov {LEVEL_MEASURE[report.kind]}"
    if report.kind is Kind.PROMPT:
        level += f", active {report.activity:.0%} of the time"
    level += (" (whole band: comfort noise's rule is of its samples as sent)"
              if report.kind is Kind.NOISE else " (300-3400 Hz, as on the line)")
    rows = [
        ("format", fmt.describe()),
        ("duration", f"{fmt.duration_s:.2f} s"),
        ("kind", f"{report.kind.value} ({report.kind_source})"),
        ("level", level),
        ("peak", _peak_row(report)),
        ("dc", ", ".join(f"{offset:+.4f}" for offset in report.dc_offset) + " (full scale 1)"),
        (
            "band",
            f"{report.low_band_db:+.0f} dB below 150 Hz, {report.high_band_db:+.0f} dB above"
            " 3.6 kHz (each band's power against 300-3400 Hz's; negative: quieter)",
        ),
    ]
    if report.kind is Kind.PROMPT:
        leading, trailing, pause = report.silences_s
        rows.append(("silence", f"{leading:.1f} s before the first sound, {trailing:.1f} s "
                     f"after the last, longest pause {pause:.1f} s (quieter than its level "
                     f"by {SILENCE_BELOW_DB:g} dB)"))
    verdict = report.verdict_lines
    rows += [("verdict", verdict[0])] + [("", line) for line in verdict[1:]]
    head = f"{report.name}: {'PASS' if report.ok else 'FAIL'}"
    return "\n".join([head] + [f"  {label:<9} {text}" for label, text in rows])
