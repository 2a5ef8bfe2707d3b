"""Progress on stderr, so stdout stays for results (and machines)."""

from __future__ import annotations

import sys
import time
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from typing import Any, TypeVar

import click

T = TypeVar("T")


def stderr_progress(length: int, label: str) -> Any:  # noqa: ANN401 - click's ProgressBar
    """click's bar, written to the stderr of the moment (a test runner swaps it); where that
    is not a terminal (a CI log, a file), a line at each tenth of the way, since click's bar
    then prints its label alone and a job of minutes looks hung."""
    if sys.stderr.isatty():
        return click.progressbar(length=length, label=label, file=sys.stderr)
    return LineProgress(length, label)


class LineProgress:
    """`label: 30% (300,000 of 1,000,000)` on stderr at each tenth, and at least every
    `every_s` seconds between them with the time left at the pace so far; click's bar's
    interface (a context manager with `update(n)`; `update(0)` says time passed with nothing
    done). At tenths alone, a run of 40,000 what-if runs first spoke after 10 minutes, and
    looked hung."""

    def __init__(self, length: int, label: str, every_s: float = 10.0,
                 clock: Callable[[], float] = time.monotonic) -> None:
        self.length, self.label, self.done, self.said = max(length, 1), label, 0, 0
        self.every_s, self.clock = every_s, clock
        self.began = self.last_said = clock()

    def __enter__(self) -> LineProgress:
        return self

    def __exit__(self, *_: object) -> None:
        return None

    def update(self, steps: int) -> None:
        self.done += steps
        tenth = min(self.done * 10 // self.length, 10)
        now = self.clock()
        if tenth > self.said:
            self.said, self.last_said = tenth, now
            share = 100 * min(self.done, self.length) // self.length  # as done (not the
            # tenth crossed), floored: 996 of 1,000 is not yet 100%
            click.echo(f"{self.label}: {share}% ({self.done:,} of {self.length:,})",
                       file=sys.stderr)
        elif now - self.last_said >= self.every_s and self.done == 0:  # `update(0)`: time
            self.last_said = now  # passes with nothing done yet (a pool's first chunk)
            click.echo(f"{self.label}: 0 of {self.length:,} done, {time_left(now - self.began)}"
                       " so far", file=sys.stderr)
        elif now - self.last_said >= self.every_s and 0 < self.done < self.length:
            self.last_said = now
            left_s = (now - self.began) / self.done * (self.length - self.done)
            click.echo(f"{self.label}: {100 * self.done / self.length:.1f}% ({self.done:,} of "
                       f"{self.length:,}), about {time_left(left_s)} left", file=sys.stderr)


def time_left(seconds: float) -> str:
    """A rough duration: "40 s", "12 min", "3.5 h"."""
    if seconds < 90:
        return f"{seconds:.0f} s"
    if seconds < 90 * 60:
        return f"{seconds / 60:.0f} min"
    return f"{seconds / 3600:.1f} h"


class LinesWritten:
    """`label: 1,200,000 lines so far` on stderr every `every_s` seconds while a stream of
    unknown length is written (an export of millions of calls), or read (`unit`: "calls")."""

    def __init__(self, label: str, every_s: float = 5.0, unit: str = "lines") -> None:
        self.label, self.every_s, self.unit, self.clock = label, every_s, unit, time.monotonic
        self.count, self.next_s = 0, self.clock() + every_s

    def counted(self, lines: Iterator[T]) -> Iterator[T]:
        for line in lines:
            self.count += 1
            if not self.count % 10_000:
                self._say()
            yield line

    def add(self, n: int) -> None:
        """Count a batch of n."""
        self.count += n
        self._say()

    def _say(self) -> None:
        if self.clock() >= self.next_s:
            self.next_s = self.clock() + self.every_s
            click.echo(f"{self.label}: {self.count:,} {self.unit} so far", file=sys.stderr)


def stderr_steps(items: Sequence[T], name: Callable[[T], str] = str) -> Iterator[T]:
    """Each of several items in turn, announced as a line `[3/40] name` on the stderr of the
    moment before its work starts (a line, not a bar: a job of minutes a file shows it in CI
    logs too). A lone item is not announced: its result follows at once."""
    total = len(items)
    for number, item in enumerate(items, 1):
        if total > 1:
            click.echo(f"[{number}/{total}] {name(item)}", file=sys.stderr)
        yield item


class Heartbeat:
    """`label: still working, 15 s so far` on stderr at most every `every_s` seconds, for a
    job with steps but no known length (a twin's fit calls it between its parts)."""

    def __init__(self, label: str, every_s: float = 5.0) -> None:
        self.label, self.every_s, self.clock = label, every_s, time.monotonic
        self.started = self.last = self.clock()

    def __call__(self) -> None:
        now = self.clock()
        if now - self.last >= self.every_s:
            self.last = now
            click.echo(f"{self.label}: still working, {now - self.started:.0f} s so far",
                       file=sys.stderr)


@contextmanager
def stage(label: str) -> Iterator[None]:
    """`label ...` on stderr before a step of unknown length and `label: done in 12.3 s`
    after it: a report on a log of millions reads for a minute, and had printed nothing."""
    click.echo(f"{label} ...", file=sys.stderr)
    started = time.monotonic()
    yield
    click.echo(f"{label}: done in {time.monotonic() - started:.1f} s", file=sys.stderr)
