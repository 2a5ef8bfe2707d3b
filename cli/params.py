"""Option types the commands share: click's FloatRange lets nan and inf through, these don't."""

from __future__ import annotations

import math
import os
import re
import stat
import tempfile
from pathlib import Path
from typing import Any

import click
from click.core import ParameterSource


class FiniteFloatRange(click.FloatRange):
    """A FloatRange that also refuses nan and inf (nan compares false with every bound, so
    click's own range check passes it, and `--json` would then print invalid JSON)."""

    name = "finite float range"

    def convert(self, value: Any, param: click.Parameter | None,
                ctx: click.Context | None) -> Any:
        number = super().convert(value, param, ctx)
        if not math.isfinite(number):
            self.fail(f"{value!r} is not a finite number", param, ctx)
        return number

    def _describe_range(self) -> str:
        """Without bounds click's help read "x<=None"."""
        if self.min is None and self.max is None:
            return "any finite number"
        return super()._describe_range()


OPEN_FILES = re.compile(r"/proc/(\d+|self|thread-self)(/task/\d+)?/fd")
"""The folder of a process's open files, where /dev/stdout and /dev/fd/N lead."""


def is_device(path: Path) -> bool:
    """Whether `path` is written as it is, whatever its name says and wherever it leads: a
    device, pipe or socket (/dev/null, a fifo), or one of this process's open files
    (/dev/stdout, /dev/fd/1). Those lead into /proc/PID/fd, where no file can be made, and
    on to a pipe, a terminal or the file the shell redirected to: each had been refused, or
    checked for a suffix, as a file to create."""
    if _open_file_link(path) is not None:
        return True
    try:
        kind = path.stat().st_mode
    except (OSError, RuntimeError):
        return False  # not there (or a loop of links): a file to create, refused on writing
    return not (stat.S_ISREG(kind) or stat.S_ISDIR(kind))


def leads_to_stdout(path: Path) -> bool:
    """Whether writing `path` writes this process's standard output (/dev/stdout, or the
    terminal, pipe or file it is open on): then a command's own lines go to stderr, so
    `--out /dev/stdout | …` reads the output alone. Any other device (/dev/null) leaves
    them on stdout: `--json --out /dev/null | jq` had been given nothing."""
    if descriptor_behind(path) == 1:
        return True
    try:
        named, out = os.stat(path), os.fstat(1)
    except OSError:  # not there, or no stdout at all (closed: `>&-`)
        return False
    return (named.st_dev, named.st_ino) == (out.st_dev, out.st_ino)


def descriptor_behind(path: Path) -> int | None:
    """The number of this process's open file `path` leads to (/dev/stdout: 1), else None."""
    link = _open_file_link(path)
    if link is None:
        return None
    found = OPEN_FILES.fullmatch(str(link.parent))
    if found is None or found[1] not in ("self", "thread-self", str(os.getpid())):
        return None  # another process's open file: written by its name
    return int(link.name) if link.name.isdigit() else None


def _open_file_link(path: Path) -> Path | None:
    """The step of `path`'s links that lies in a /proc/PID/fd folder (folder resolved),
    or None."""
    step = Path(os.path.abspath(path.expanduser()))
    try:
        for _ in range(40):  # the most links the kernel follows
            folder = step.parent.resolve()
            if OPEN_FILES.fullmatch(str(folder)):
                return folder / step.name
            if not step.is_symlink():
                return None
            step = step.parent / os.readlink(step)  # an absolute link replaces the folder
    except (OSError, RuntimeError):  # a loop of links: no open file of ours
        return None
    return None


class OutFile(click.Path):
    """A file to write: refused before any work when its folder does not exist, or when its
    name ends in an extension the command does not write (`suffixes`, lower case; any when
    empty), so `out.mp3` never silently holds WAV data. A device or pipe such as /dev/stdout
    (`is_device`) is taken as it is, unless `devices` is false: a writer that seeks, or
    reads its file back, refuses it by name (audio, which had replaced /dev/null)."""

    def __init__(self, path_type: type | None = None, suffixes: tuple[str, ...] = (),
                 devices: bool = True) -> None:
        super().__init__(dir_okay=False, path_type=path_type)
        self.suffixes = suffixes
        self.devices = devices

    def convert(self, value: Any, param: click.Parameter | None,
                ctx: click.Context | None) -> Any:
        if isinstance(value, str) and not value.strip():  # an unset shell variable: nothing
            self.fail("an empty name: give a file to write", param, ctx)  # was written
        path = super().convert(value, param, ctx)
        named = Path(os.fsdecode(path))
        if is_device(named):
            if not self.devices:
                self.fail(f"{named} is a device or pipe: this command writes a file and "
                          "reads it back; give a file name", param, ctx)
            return path
        if self.suffixes and named.suffix.lower() not in self.suffixes:
            written = " or ".join(self.suffixes)
            instead = named.with_suffix(self.suffixes[0]).name
            self.fail(f"{named.name!r}: this command writes {written} files only; "
                      f"name it {instead!r}", param, ctx)
        try:
            folder = named.expanduser().resolve().parent
        except RuntimeError:  # Python 3.11's word for a loop of links
            self.fail(f"{named} leads round a loop of links", param, ctx)
        if not folder.is_dir():
            self.fail(f"the folder {folder} does not exist", param, ctx)
        if not can_create_in(folder):
            self.fail(f"cannot create a file in {folder}", param, ctx)
        return path


def can_create_in(folder: Path) -> bool:
    """Whether a file can really be made in `folder`: os.access says yes to root in /proc,
    /sys or on a read-only mount, and the run was lost when its file could not be written."""
    try:
        with tempfile.TemporaryFile(dir=folder):
            return True
    except OSError:
        return False


def policy_names(policies: str, known: str = "") -> list[str]:
    """`--policies a,b`: the names, each once (a name twice would run and print a column
    twice); a UsageError naming the flag otherwise. `known` lists what may be named."""
    names = [name.strip() for name in policies.split(",") if name.strip()]
    if not names:
        raise click.UsageError(f"--policies: name at least one {known or 'policy'}")
    twice = sorted({name for name in names if names.count(name) > 1})
    if twice:
        raise click.UsageError(f"--policies: {', '.join(twice)} named more than once; name "
                               "each policy once")
    return names


def given_once(context: click.Context, param: click.Parameter,
               values: tuple[Any, ...]) -> Any:
    """The callback of an option declared `multiple=True` only so that a second value is
    seen: its one value (None if not given), or a usage error naming it (click keeps the last
    of `--to X --to Y` without a word, and the run covered a period not asked for)."""
    if len(values) > 1:
        given = ", ".join(repr(value) for value in values)
        raise click.BadParameter(f"given {len(values)} times ({given}); give it once",
                                 context, param)
    return values[0] if values else None


def was_given(context: click.Context, name: str) -> bool:
    """Whether option `name` was given (on the command line or by its variable) rather than
    left at its default: a flag the run would not use is refused, not ignored."""
    return name in context.params and context.get_parameter_source(name) not in (
        ParameterSource.DEFAULT, None)


HTML_PAGE = OutFile(suffixes=(".html", ".htm"))
"""A page to write: `--html report.txt` had been written, and opened as text (operator
audit 33, D8)."""
