"""A reader that stops reading (`| head`, `| grep -q`, a pager quit) is no failure.

Why: click turned the first write into the closed pipe into a silent exit 1, wherever it
came, so `holdwell whatif … | head -1` failed under `set -o pipefail`, `staffing`'s exit 3
(NOT MET) read as 1, and what the command had still to do (`--html`, `--out`) was left
undone. Now stdout and stderr go to /dev/null from the moment their reader leaves, as
Python's documentation advises, the interpreter's last flush included, and the command runs
to its end and exits with its own status, saying nothing of the pipe.
"""

from __future__ import annotations

import io
import os
import sys
from typing import TextIO


def forgive_readers_leaving() -> None:
    """Put stdout and stderr on writers that go quiet, not wrong, when their reader leaves
    (for the console script; a test runner's own streams are left as they are)."""
    sys.stdout = _forgiving(sys.stdout)
    sys.stderr = _forgiving(sys.stderr)


def to_devnull(fd: int) -> None:
    """Point `fd` at /dev/null: what is still written there goes nowhere, without error."""
    devnull = os.open(os.devnull, os.O_WRONLY)
    try:
        os.dup2(devnull, fd)
    finally:
        os.close(devnull)


class _ReaderMayLeave(io.RawIOBase):
    """The bytes written to a file descriptor; once its reader is gone, to /dev/null."""

    def __init__(self, fd: int, name: object) -> None:
        super().__init__()
        self._fd = fd
        self.name = name  # "<stdout>", as the stream it stands in for

    def writable(self) -> bool:
        return True

    def fileno(self) -> int:
        return self._fd

    def isatty(self) -> bool:  # a progress bar is drawn on a terminal only
        return os.isatty(self._fd)

    def write(self, data: bytes | bytearray | memoryview) -> int:  # type: ignore[override]
        left = memoryview(data)
        try:
            while left:  # a pipe may take part of a write
                left = left[os.write(self._fd, left):]
        except BrokenPipeError:
            to_devnull(self._fd)
        return len(data)


def _forgiving(stream: TextIO) -> TextIO:
    """`stream` on the same descriptor, encoding and buffering, writing through
    `_ReaderMayLeave`; a stream that is no file (a test's capture) as it is."""
    try:
        fd = stream.fileno()
    except (AttributeError, OSError, ValueError):
        return stream
    stream.flush()
    raw = _ReaderMayLeave(fd, getattr(stream, "name", fd))
    # unbuffered as the stream was (python -u, PYTHONUNBUFFERED: a FileIO beneath it), or
    # words written apart in time had come out together, and out of order, at exit
    unbuffered = not isinstance(getattr(stream, "buffer", None), io.BufferedWriter)
    return io.TextIOWrapper(raw if unbuffered else io.BufferedWriter(raw),
                            encoding=stream.encoding, errors=stream.errors,
                            line_buffering=stream.line_buffering,
                            write_through=unbuffered or getattr(stream, "write_through", False))
