"""Option types the commands share: click's FloatRange lets nan and inf through, these don't."""

from __future__ import annotations

import math
import os
from pathlib import Path
from typing import Any

import click


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


class OutFile(click.Path):
    """A file to write: refused before any work when its folder does not exist."""

    def __init__(self, path_type: type | None = None) -> None:
        super().__init__(dir_okay=False, path_type=path_type)

    def convert(self, value: Any, param: click.Parameter | None,
                ctx: click.Context | None) -> Any:
        path = super().convert(value, param, ctx)
        folder = Path(os.fsdecode(path)).expanduser().resolve().parent
        if not folder.is_dir():
            self.fail(f"the folder {folder} does not exist", param, ctx)
        return path


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
