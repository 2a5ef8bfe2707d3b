"""Files a command writes appear whole or not at all.

Why: `holdwell export` interrupted (Ctrl-C, a full disk, a killed job) left a file cut off
mid-record where a good one had been, with only "Aborted!" said. Writers write to a hidden
file beside the target, which replaces the target only once it is complete.
"""

from __future__ import annotations

import os
import sys
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager, suppress
from pathlib import Path

import click

from cli.params import descriptor_behind, is_device


@contextmanager
def whole_file(target: str | os.PathLike) -> Iterator[Path]:
    """A path to write instead of `target` (same folder, same suffix, so writers that read
    the format from the name still do); moved onto `target` when the block ends normally,
    removed if it raises (KeyboardInterrupt too), leaving any earlier `target` untouched.

    A symlink is written through (its target replaced, the link kept); a device or pipe
    (/dev/null, /dev/stdout: cli.params.is_device) gets the finished file's bytes
    (`_poured_into`). A folder is refused by name."""
    final = Path(target)
    if final.is_dir():
        raise click.ClickException(f"{target} is a folder: give a file to write")
    if is_device(final):
        yield from _poured_into(final)
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


def _poured_into(device: Path) -> Iterator[Path]:
    """A temporary file to write, whose bytes go to `device` once it is complete.

    Why not write the device by its name: /dev/stdout reopened with truncation wiped a file
    the shell had redirected to (`>> log`: what was in it lost; `fit --out /dev/stdout >
    f`: the fit's own lines overwritten); a device was replaced by a file when renamed onto;
    a pipe cannot be seeked. This process's own open file (/dev/stdout, /dev/fd/N) gets the
    bytes through its descriptor, after what was printed before them, so `>`, `>>`, a pipe
    and a terminal all read them in order; a reader that leaves early (`| head`) leaves the
    rest unread and the command goes on to its end (its other files, its exit status)."""
    handle, name = tempfile.mkstemp(prefix="holdwell-", suffix=device.suffix)
    os.close(handle)
    partial = Path(name)
    try:
        yield partial
        for stream in (sys.stdout, sys.stderr):  # what was said before comes first
            stream.flush()
        descriptor = descriptor_behind(device)
        out = os.dup(descriptor) if descriptor is not None else os.open(device, os.O_WRONLY)
        try:
            _copy(partial, out)
        finally:
            os.close(out)
    finally:
        partial.unlink(missing_ok=True)


def _copy(source: Path, out: int) -> None:
    """`source`'s bytes written to descriptor `out`, to the end or until its reader leaves."""
    with source.open("rb") as read:
        while chunk := read.read(1 << 20):
            try:
                while chunk:  # a pipe may take part of a write
                    chunk = chunk[os.write(out, chunk):]
            except BrokenPipeError:
                return
