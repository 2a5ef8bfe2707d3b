"""Files a command writes appear whole or not at all.

Why: `holdwell export` interrupted (Ctrl-C, a full disk, a killed job) left a file cut off
mid-record where a good one had been, with only "Aborted!" said. Writers write to a hidden
file beside the target, which replaces the target only once it is complete.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from contextlib import contextmanager, suppress
from pathlib import Path

import click

from cli.params import is_device


@contextmanager
def whole_file(target: str | os.PathLike) -> Iterator[Path]:
    """A path to write instead of `target` (same folder, same suffix, so writers that read
    the format from the name still do); moved onto `target` when the block ends normally,
    removed if it raises (KeyboardInterrupt too), leaving any earlier `target` untouched.

    A symlink is written through (its target replaced, the link kept); a device or pipe
    (/dev/null, /dev/stdout: cli.params.is_device) is written directly, by the name given:
    replaced by a file, as it had been, a run as root turned /dev/null into a regular file,
    and /dev/stdout redirected (`>>`) to a file had the file replaced under the shell, what
    was in it lost. A folder is refused by name."""
    final = Path(target)
    if final.is_dir():
        raise click.ClickException(f"{target} is a folder: give a file to write")
    if is_device(final):
        try:
            yield final
        except BrokenPipeError:  # its reader left (`--out /dev/stdout | head`): what is
            raise SystemExit(0) from None  # left to write would be read by nobody
        return
    if final.is_symlink():
        final = final.resolve()
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
