"""Progress on stderr, so stdout stays for results (and machines)."""

from __future__ import annotations

import sys
from collections.abc import Callable, Iterator, Sequence
from typing import Any, TypeVar

import click

T = TypeVar("T")


def stderr_progress(length: int, label: str) -> Any:  # noqa: ANN401 - click's ProgressBar
    """click's bar, written to the stderr of the moment (a test runner swaps it)."""
    return click.progressbar(length=length, label=label, file=sys.stderr)


def stderr_steps(items: Sequence[T], name: Callable[[T], str] = str) -> Iterator[T]:
    """Each of several items in turn, announced as a line `[3/40] name` on the stderr of the
    moment before its work starts (a line, not a bar: a job of minutes a file shows it in CI
    logs too). A lone item is not announced: its result follows at once."""
    total = len(items)
    for number, item in enumerate(items, 1):
        if total > 1:
            click.echo(f"[{number}/{total}] {name(item)}", file=sys.stderr)
        yield item
