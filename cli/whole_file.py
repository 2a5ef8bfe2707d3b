"""Files a command writes appear whole or not at all.

Why: `holdwell export` interrupted (Ctrl-C, a full disk, a killed job) left a file cut off
mid-record where a good one had been, with only "Aborted!" said. Writers write to a hidden
file beside the target, which replaces the target only once it is complete.
"""

from __future__ import annotations

import os
import stat
from collections.abc import Iterator
from contextlib import contextmanager, suppress
from pathlib import Path

import click


@contextmanager
def whole_file(target: str | os.PathLike) -> Iterator[Path]:
    """A path to write instead of `target` (same folder, same suffix, so writers that read
    the format from the name still do); moved onto `target` when the block ends normally,
    removed if it raises (KeyboardInterrupt too), leaving any earlier `target` untouched.

    A symlink is written through (its target replaced, the link kept); a device or pipe
    (/dev/null, /dev/stdout) is written directly: replaced by a file, as it had been, a
    run as root turned /dev/null into a regular file. A folder is refused by name."""
    final = Path(target)
    if final.is_symlink():
        final = final.resolve()
    try:
        kind = final.stat().st_mode
    except OSError:
        kind = None  # a new file (or a folder that is not there: said when writing)
    if kind is not None and stat.S_ISDIR(kind):
        raise click.ClickException(f"{target} is a folder: give a file to write")
    if kind is not None and not stat.S_ISREG(kind):
        yield final
        return
    partial = final.with_name(f".{final.stem}.partial-{os.getpid()}{final.suffix}")
    try:
        yield partial
    except OSError as error:
        with suppress(OSError):
            partial.unlink(missing_ok=True)
        if error.filename not in (str(partial), partial) and str(partial) not in str(error):
            raise  # (a writer such as pyarrow names the file in its message only)
        raise click.ClickException(f"cannot write {target}: {error.strerror or error}"
                                   ) from error
    except BaseException:
        partial.unlink(missing_ok=True)
        raise
    os.replace(partial, final)
