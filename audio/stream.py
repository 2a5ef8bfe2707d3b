"""Signals a block at a time, so an hour-long recording costs a few blocks of memory, not an hour.

Every meter and filter in ``audio/`` either keeps state across blocks or looks at a block with
a little context on each side (``overlapped``); the in-memory functions are the same code fed a
single block, so both ways give the same numbers. ``Track`` holds an intermediate signal in
memory or, for long files, in a scratch file read back block by block.
"""

from __future__ import annotations

import os
import tempfile
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass

import numpy as np

BLOCK = 1 << 17  # samples per block: 16 s at 8 kHz, 1 MB of float64
Blocks = Callable[[], Iterator[np.ndarray]]  # a source that can be read more than once
Progress = Callable[[float, float], None]
"""Told (seconds of audio read so far, seconds to read in all) as a long file is read: every
pass over the file counts its whole duration, so the total is passes x duration."""


def counted(blocks: Blocks, rate: int, passes: int, duration_s: float,
            progress: Progress | None) -> Blocks:
    """``blocks`` that tell ``progress`` how far the reading has got, over all its passes."""
    if progress is None:
        return blocks
    total_s, done = passes * duration_s, 0

    def again() -> Iterator[np.ndarray]:
        nonlocal done
        for frames in blocks():
            yield frames
            done += len(frames)
            progress(min(done / rate, total_s), total_s)

    return again


@dataclass(frozen=True)
class Window:
    """One block seen with context: ``buffer[core]`` is the block, ``start`` its first index."""

    buffer: np.ndarray
    core: slice
    start: int
    last: bool

    @property
    def block(self) -> np.ndarray:
        return self.buffer[self.core]


def overlapped(
    blocks: Iterable[np.ndarray], before: int, after: int, size: int = BLOCK
) -> Iterator[Window]:
    """Each block of ``size`` samples (or frames) with up to ``before`` samples of the signal
    before it and ``after`` after it: fewer at the ends, exactly as the whole signal has."""
    size = max(size, before, after, 1)
    current: np.ndarray | None = None
    history: np.ndarray | None = None
    start = 0
    for following in rechunk(blocks, size):
        if current is not None:
            yield _window(history, current, following[:after], start, last=False)
            start += current.shape[0]
            history = current[current.shape[0] - before :] if before else current[:0]
        else:
            history = following[:0]
        current = following
    if current is not None:
        yield _window(history, current, current[:0], start, last=True)


def _window(
    history: np.ndarray, block: np.ndarray, ahead: np.ndarray, start: int, last: bool
) -> Window:
    buffer = np.concatenate((history, block, ahead))
    return Window(buffer, slice(history.shape[0], history.shape[0] + block.shape[0]), start, last)


def rechunk(blocks: Iterable[np.ndarray], size: int) -> Iterator[np.ndarray]:
    """The same samples in blocks of exactly ``size`` (the last one shorter)."""
    held: list[np.ndarray] = []
    count = 0
    for block in blocks:
        held.append(block)
        count += block.shape[0]
        if count >= size:
            joined = np.concatenate(held)
            cut = count - count % size
            for offset in range(0, cut, size):
                yield joined[offset : offset + size]
            held, count = [joined[cut:]], count - cut
    if count:
        yield np.concatenate(held)


class Track:
    """A mono float64 signal written once and read many times: in memory, or in a scratch file
    (``spill=True``) so its length costs disk, not memory."""

    def __init__(self, spill: bool = False) -> None:
        self._parts: list[np.ndarray] = []
        # the Track owns its scratch file until close() (or the with-block) ends
        self._file = tempfile.TemporaryFile(prefix="holdwell-") if spill else None  # noqa: SIM115
        self.size = 0

    @classmethod
    def of(cls, samples: Iterable[np.ndarray], spill: bool = False) -> Track:
        track = cls(spill)
        for block in samples:
            track.append(block)
        return track

    def append(self, block: np.ndarray) -> None:
        block = np.ascontiguousarray(block, dtype=np.float64)
        if self._file is None:
            self._parts.append(block)
        else:
            self._file.seek(0, os.SEEK_END)
            self._file.write(block.tobytes())
        self.size += block.shape[0]

    def blocks(self, start: int = 0, stop: int | None = None) -> Iterator[np.ndarray]:
        """Samples ``start:stop`` in blocks of at most ``BLOCK``."""
        stop = self.size if stop is None else min(stop, self.size)
        if self._file is None:
            whole = self.array()
            for offset in range(start, stop, BLOCK):
                yield whole[offset : min(offset + BLOCK, stop)]
            return
        for offset in range(start, stop, BLOCK):
            count = min(BLOCK, stop - offset)
            self._file.seek(offset * 8)
            yield np.frombuffer(self._file.read(count * 8), dtype=np.float64)

    def array(self) -> np.ndarray:
        """The whole signal (only for in-memory tracks and short signals)."""
        if self._file is not None:
            return np.concatenate(list(self.blocks())) if self.size else np.zeros(0)
        if len(self._parts) != 1:
            self._parts = [np.concatenate(self._parts) if self._parts else np.zeros(0)]
        return self._parts[0]

    def close(self) -> None:
        if self._file is not None:
            self._file.close()

    def __enter__(self) -> Track:
        return self

    def __exit__(self, *_: object) -> None:
        self.close()
