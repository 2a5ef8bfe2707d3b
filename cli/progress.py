"""A progress bar on stderr, so stdout stays for results (and machines)."""

from __future__ import annotations

import sys
from typing import Any

import click


def stderr_progress(length: int, label: str) -> Any:  # noqa: ANN401 - click's ProgressBar
    """click's bar, written to the stderr of the moment (a test runner swaps it)."""
    return click.progressbar(length=length, label=label, file=sys.stderr)
