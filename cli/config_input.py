"""Where `config check` and `config import` read a config from: a file, or `-` for standard
input, as `holdwell config export | holdwell config check -` pipes it.

Why one helper: `-` had been looked for as a file named "-" ("-: no such config file") while
/dev/stdin worked, and each command naming its source in its own words would have told
"standard input" in one and "-" in the other.
"""

from __future__ import annotations

import sys
from typing import TYPE_CHECKING

import click

if TYPE_CHECKING:  # `config check` loads hold_policies only when it runs
    from hold_policies.config import HoldwellConfig

STDIN = "-"
STANDARD_INPUT = "standard input"


def config_path(*, exists: bool = False) -> click.Path:
    """The argument type of a config to read: a file's path, or `-`."""
    return click.Path(dir_okay=False, exists=exists, allow_dash=True)


def source_name(path: str) -> str:
    """How messages name where the config came from: its path, or "standard input"."""
    return STANDARD_INPUT if path == STDIN else path


def read_config(path: str, *, as_written: bool = False) -> tuple[HoldwellConfig, str]:
    """The config at `path` (`-`: standard input, read to its end) and the text it was read
    from, once (a pipe has no second reading); a ConfigError names the source."""
    from hold_policies.config import load_config_text, read_config_text
    from hold_policies.toml_file import stream_text

    if path != STDIN:
        return load_config_text(path, as_written=as_written)
    return read_config_text(lambda: stream_text(sys.stdin.buffer), STANDARD_INPUT,
                            as_written=as_written)
