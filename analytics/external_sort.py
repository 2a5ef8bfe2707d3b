"""Lines put in order by their keys in bounded memory: an external merge sort.

Sorted runs of at most `run_lines` are written to scratch files and merged (heapq.merge);
a stream that fits one run is sorted in memory and never touches the disk. Keys are tuples
of whole numbers; a line is one line of text (no line break in it)."""

from __future__ import annotations

import heapq
import tempfile
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import IO

Key = tuple[int, ...]


def sorted_runs(keyed: Iterable[tuple[Key, str]], run_lines: int = 500_000) -> Iterator[str]:
    """The lines in the order of their keys (equal keys: in the order given)."""
    with tempfile.TemporaryDirectory(prefix="holdwell-sort-") as scratch:
        runs: list[Path] = []
        run: list[tuple[Key, int, str]] = []
        for n, (key, line) in enumerate(keyed):
            run.append((key, n, line))
            if len(run) >= run_lines:
                runs.append(_spill(sorted(run), Path(scratch) / f"run{len(runs)}"))
                run = []
        run.sort()
        if not runs:
            yield from (line for *_, line in run)
            return
        files = [path.open(encoding="utf-8", newline="\n") for path in runs]
        try:
            merged = heapq.merge(*(_read(f) for f in files), iter(run))
            yield from (line for *_, line in merged)
        finally:
            for f in files:
                f.close()


def _spill(run: list[tuple[Key, int, str]], path: Path) -> Path:
    with path.open("w", encoding="utf-8", newline="\n") as out:
        for key, n, line in run:
            out.write(f"{' '.join(map(str, key))} {n}\t{line}\n")
    return path


def _read(lines: IO[str]) -> Iterator[tuple[Key, int, str]]:
    for text in lines:
        head, line = text.rstrip("\n").split("\t", 1)
        *key, n = map(int, head.split(" "))
        yield tuple(key), n, line
