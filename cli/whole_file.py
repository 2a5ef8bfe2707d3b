"""Files a command writes appear whole or not at all.

Why: `holdwell export` interrupted (Ctrl-C, a full disk, a killed job) left a file cut off
mid-record where a good one had been, with only "Aborted!" said. Writers write to a hidden
file beside the target, which replaces the target only once it is complete.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path


@contextmanager
def whole_file(target: str | os.PathLike) -> Iterator[Path]:
    """A path to write instead of `target` (same folder, same suffix, so writers that read
    the format from the name still do); moved onto `target` when the block ends normally,
    removed if it raises (KeyboardInterrupt too), leaving any earlier `target` untouched."""
    final = Path(target)
    partial = final.with_name(f".{final.stem}.partial-{os.getpid()}{final.suffix}")
    try:
        yield partial
    except BaseException:
        partial.unlink(missing_ok=True)
        raise
    os.replace(partial, final)
