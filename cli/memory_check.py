"""Refuse up front a simulation whose calls cannot fit in this machine's memory.

Every simulated call is held until the run's figures are made, and `compare` holds every
policy's run: 10 million calls of four policies ask for about 20 GB. Past what the machine
has, the kernel kills the run after it has simulated for an hour, with no word of why.
"""

from __future__ import annotations

from pathlib import Path

import click

BYTES_PER_CALL = 600
"""Peak memory a simulated call costs, measured on 2026-12-05 (`/usr/bin/time -f %M holdwell
simulate` and `compare` at 30,000 to 300,000 calls, `holdwell.example.toml`'s defaults and
an overloaded line): 310 to 500 bytes a call of a run, rounded up."""
BASE_BYTES = 300 * 2**20
"""The process before any call: Python, numpy, pandas, the policies (150-250 MB measured)."""
MEMINFO = Path("/proc/meminfo")
CGROUP_LIMITS = (  # (limit, usage): cgroup v2, then v1
    (Path("/sys/fs/cgroup/memory.max"), Path("/sys/fs/cgroup/memory.current")),
    (Path("/sys/fs/cgroup/memory/memory.limit_in_bytes"),
     Path("/sys/fs/cgroup/memory/memory.usage_in_bytes")),
)
"""A container's own limit: MemAvailable is the host's, and a container past its limit is
killed by the kernel however much the host has free."""


def available_bytes() -> int | None:
    """What can be taken without swapping or being killed: the kernel's MemAvailable, or
    less if this process's cgroup (a container) has a lower limit; None off Linux."""
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


def _cgroup_room() -> int | None:
    """The cgroup's limit less what it uses; None without one ("max", v1's huge number)."""
    for limit_file, usage_file in CGROUP_LIMITS:
        try:
            limit = limit_file.read_text(encoding="ascii").strip()
            usage = int(usage_file.read_text(encoding="ascii").strip())
        except (OSError, ValueError):
            continue
        if limit.isdigit() and int(limit) < 2**60:  # v1 says "no limit" as about 2**63
            return max(int(limit) - usage, 0)
        return None
    return None


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
