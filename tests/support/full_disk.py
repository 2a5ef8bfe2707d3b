"""A real full disk for the journal's tests: a small tmpfs mounted for one test, filled to
the last block on demand, or remounted read-only as after a disk error. Mounting needs root
(CI and this box run as root); elsewhere the test skips, saying why."""

from __future__ import annotations

import os
import subprocess
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest


@contextmanager
def small_disk(where: Path, size_kib: int = 64) -> Iterator[Path]:
    """A `size_kib` tmpfs mounted at `where` until the block ends."""
    where.mkdir(parents=True, exist_ok=True)
    mounted = subprocess.run(["mount", "-t", "tmpfs", "-o", f"size={size_kib}k", "tmpfs",
                              str(where)], capture_output=True, text=True, check=False)
    if mounted.returncode != 0:
        pytest.skip(f"cannot mount a small tmpfs to fill ({mounted.stderr.strip()})")
    try:
        yield where
    finally:
        subprocess.run(["umount", "-l", str(where)], check=False)


def fill(disk: Path) -> Path:
    """Take every free block of `disk` with one file (remove it to free them); returns it."""
    filler = disk / "filler"
    fd = os.open(filler, os.O_WRONLY | os.O_CREAT, 0o600)
    try:
        while os.write(fd, b"x" * 512):
            pass
    except OSError:
        pass
    finally:
        os.close(fd)
    return filler


@contextmanager
def read_only(disk: Path) -> Iterator[Path]:
    """`disk` (a `small_disk`) remounted read-only, as the kernel does after a disk error,
    until the block ends."""
    _remount(disk, "ro")
    try:
        yield disk
    finally:
        _remount(disk, "rw")


def _remount(disk: Path, mode: str) -> None:
    subprocess.run(["mount", "-o", f"remount,{mode}", str(disk)], check=True,
                   capture_output=True)
