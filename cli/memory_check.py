"""Refuse up front a simulation whose calls cannot fit in this machine's memory.

Every simulated call is held until the run's figures are made, and `compare` holds every
policy's run: 10 million calls of four policies ask for about 20 GB. Past what the machine
has, the kernel kills the run after it has simulated for an hour, with no word of why.
"""

from __future__ import annotations

import os
from pathlib import Path

import click

BYTES_PER_CALL = 600
"""Peak memory a simulated call costs, measured on 2026-12-05 (`/usr/bin/time -f %M holdwell
simulate` and `compare` at 30,000 to 300,000 calls, `holdwell.example.toml`'s defaults and
an overloaded line): 310 to 500 bytes a call of a run, rounded up."""
BASE_BYTES = 300 * 2**20
"""The process before any call: Python, numpy, pandas, the policies (150-250 MB measured)."""
MEMINFO = Path("/proc/meminfo")
CGROUP_FS = Path("/sys/fs/cgroup")
SELF_CGROUP = Path("/proc/self/cgroup")
SELF_STATM = Path("/proc/self/statm")
NO_LIMIT = 2**60
"""cgroup v1 says "no limit" as about 2**63; v2 says "max"."""


def available_bytes() -> int | None:
    """What can be taken without swapping or being killed: the kernel's MemAvailable, or
    less if this process's cgroup (a container, a systemd service's MemoryMax) has a lower
    limit: MemAvailable is the host's, and a cgroup past its limit is killed however much
    the host has free. None off Linux."""
    known = [bytes_ for bytes_ in (_mem_available(), _cgroup_room()) if bytes_ is not None]
    return min(known, default=None)


def _mem_available() -> int | None:
    try:
        for line in MEMINFO.read_text(encoding="ascii").splitlines():
            if line.startswith("MemAvailable:"):
                return int(line.split()[1]) * 1024
    except (OSError, ValueError, IndexError):
        return None
    return None


def _cgroup_folders() -> list[tuple[Path, str, str, str]]:
    """This process's own memory cgroup, v2 then v1, as (folder, limit file, usage file,
    the memory.stat key of its reclaimable file cache); each falls back to the root, which
    is the process's own inside a cgroup namespace."""
    try:
        lines = SELF_CGROUP.read_text(encoding="ascii").splitlines()
    except OSError:
        lines = []
    v2 = next((line.split(":", 2)[2] for line in lines if line.startswith("0::")), "/")
    v1 = next((line.split(":", 2)[2] for line in lines
               if "memory" in line.split(":", 2)[1].split(",")), "/")
    found = []
    for root, own, limit, usage, cache in (
            (CGROUP_FS, v2, "memory.max", "memory.current", "inactive_file"),
            (CGROUP_FS / "memory", v1, "memory.limit_in_bytes", "memory.usage_in_bytes",
             "total_inactive_file")):
        folder = root / own.lstrip("/")
        found.append((folder if (folder / limit).exists() else root, limit, usage, cache))
    return found


def _cgroup_room() -> int | None:
    """The cgroup's limit less its working set (usage less the file cache the kernel drops
    before it kills anyone, as the kubelet counts it), plus this process's own memory, which
    BASE_BYTES counts again; None without a limit."""
    for folder, limit_name, usage_name, cache_key in _cgroup_folders():
        try:
            limit = (folder / limit_name).read_text(encoding="ascii").strip()
            usage = int((folder / usage_name).read_text(encoding="ascii").strip())
        except (OSError, ValueError):
            continue
        if not limit.isdigit() or int(limit) >= NO_LIMIT:
            return None
        working = usage - _stat(folder / "memory.stat").get(cache_key, 0)
        return max(int(limit) - max(working - own_bytes(), 0), 0)
    return None


def _stat(path: Path) -> dict[str, int]:
    try:
        pairs = (line.split() for line in path.read_text(encoding="ascii").splitlines())
        return {pair[0]: int(pair[1]) for pair in pairs if len(pair) == 2}
    except (OSError, ValueError):
        return {}


def own_bytes() -> int:
    """This process's resident memory (0 if unknown)."""
    try:
        pages = int(SELF_STATM.read_text(encoding="ascii").split()[1])
    except (OSError, ValueError, IndexError):
        return 0
    return pages * os.sysconf("SC_PAGE_SIZE")


def check_fits_in_memory(calls: int, runs: int = 1) -> None:
    """A clear refusal when `runs` runs of `calls` calls need more than is available."""
    available = available_bytes()
    needed = BASE_BYTES + calls * runs * BYTES_PER_CALL
    if available is None or needed <= available:
        return
    runs_said = f" for each of {runs} policies" if runs > 1 else ""
    raise click.ClickException(
        f"{calls:,} calls{runs_said} need about {needed / 2**30:.1f} GiB of memory (every "
        f"simulated call is held, about {BYTES_PER_CALL} bytes each), and this machine has "
        f"{available / 2**30:.1f} GiB available (MemAvailable, or the container's limit if "
        f"lower): simulate fewer calls"
        + (", or compare fewer policies at a time" if runs > 1 else ""))
