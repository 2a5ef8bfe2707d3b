"""Option types the commands share: click's FloatRange lets nan and inf through, these don't."""

from __future__ import annotations

import math
import os
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


def is_device(path: Path) -> bool:
    """Whether `path` is there and is no regular file (/dev/stdout, a pipe): written as it
    is, whatever its name says."""
    return path.exists() and not path.is_file()


class OutFile(click.Path):
    """A file to write: refused before any work when its folder does not exist, or when its
    name ends in an extension the command does not write (`suffixes`, lower case; any when
    empty; a device or pipe such as /dev/stdout is taken as it is), so `out.mp3` never
    silently holds WAV data."""

    def __init__(self, path_type: type | None = None, suffixes: tuple[str, ...] = ()) -> None:
        super().__init__(dir_okay=False, path_type=path_type)
        self.suffixes = suffixes

    def convert(self, value: Any, param: click.Parameter | None,
                ctx: click.Context | None) -> Any:
        if isinstance(value, str) and not value.strip():  # an unset shell variable: nothing
            self.fail("an empty name: give a file to write", param, ctx)  # was written
        path = super().convert(value, param, ctx)
        named = Path(os.fsdecode(path))
        if self.suffixes and named.suffix.lower() not in self.suffixes and not is_device(named):
            written = " or ".join(self.suffixes)
            instead = named.with_suffix(self.suffixes[0]).name
            self.fail(f"{named.name!r}: this command writes {written} files only; "
                      f"name it {instead!r}", param, ctx)
        folder = named.expanduser().resolve().parent
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


def was_given(context: click.Context, name: str) -> bool:
    """Whether option `name` was given (on the command line or by its variable) rather than
    left at its default: a flag the run would not use is refused, not ignored."""
    return name in context.params and context.get_parameter_source(name) not in (
        ParameterSource.DEFAULT, None)


HTML_PAGE = OutFile(suffixes=(".html", ".htm"))
"""A page to write: `--html report.txt` had been written, and opened as text (operator
audit 33, D8)."""
