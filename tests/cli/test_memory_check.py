"""A simulation too big for the machine's memory is refused before it starts: every call of
every run is held, and `compare --calls 10000000` asks for about 20 GB."""

from __future__ import annotations

import time

import pytest
from click.testing import CliRunner

from cli import memory_check
from cli.main import cli

GIB = 2**30


@pytest.fixture
def one_gib(monkeypatch):
    monkeypatch.setattr(memory_check, "available_bytes", lambda: GIB)


@pytest.mark.parametrize(("args", "said"), [
    (["simulate", "--calls", "5000000"], "5,000,000 calls need about 3.1 GiB"),
    (["compare", "--calls", "1000000"], "1,000,000 calls for each of 4 policies need about "
                                        "2.5 GiB"),
    (["compare", "--calls", "2000000", "--policies", "silence,checkin"],
     "for each of 2 policies"),
])
def test_a_run_past_the_memory_available_is_refused_at_once(one_gib, args, said):
    started = time.monotonic()
    refused = CliRunner().invoke(cli, args)
    assert refused.exit_code == 1, refused.output
    assert said in refused.output
    assert "this machine has 1.0 GiB available (MemAvailable, or the container's limit if " \
        "lower): simulate fewer calls" in refused.output
    assert ("compare fewer policies" in refused.output) == (args[0] == "compare")
    assert "simulating" not in refused.output  # no call was simulated
    assert time.monotonic() - started < 30


def test_a_run_that_fits_runs(one_gib):
    ran = CliRunner().invoke(cli, ["compare", "--calls", "500", "--json"])
    assert ran.exit_code == 0, ran.output


def test_available_memory_is_read_from_the_kernel(tmp_path, monkeypatch):
    meminfo = tmp_path / "meminfo"
    meminfo.write_text("MemTotal:       2000 kB\nMemAvailable:    1000 kB\n", encoding="ascii")
    monkeypatch.setattr(memory_check, "MEMINFO", meminfo)
    monkeypatch.setattr(memory_check, "CGROUP_FS", tmp_path / "no cgroups")  # the host's
    assert memory_check.available_bytes() == 1000 * 1024
    monkeypatch.setattr(memory_check, "MEMINFO", tmp_path / "absent")
    assert memory_check.available_bytes() is None
    memory_check.check_fits_in_memory(10**7, 4)  # unknown: not refused


HOST_KB = 10 * 2**20  # the host's MemAvailable: 10 GiB
MIB = 2**20


def _fake_linux(tmp_path, monkeypatch, *, v2: dict | None = None, v1: dict | None = None,
                own_cgroup: str = "/", rss_mib: int = 100) -> None:
    """/proc and /sys/fs/cgroup as a test wants them: files per version, under the
    process's own cgroup `own_cgroup`."""
    (tmp_path / "meminfo").write_text(f"MemAvailable:    {HOST_KB} kB\n", encoding="ascii")
    (tmp_path / "cgroup").write_text(f"4:memory:{own_cgroup}\n0::{own_cgroup}\n",
                                     encoding="ascii")
    (tmp_path / "statm").write_text(f"999 {rss_mib * MIB // 4096} 0 0 0 0 0\n",
                                    encoding="ascii")
    for files, folder in ((v2, tmp_path / "fs"), (v1, tmp_path / "fs" / "memory")):
        own = folder / own_cgroup.lstrip("/")
        own.mkdir(parents=True, exist_ok=True)
        for name, text in (files or {}).items():
            (own / name).write_text(text, encoding="ascii")
    monkeypatch.setattr(memory_check, "MEMINFO", tmp_path / "meminfo")
    monkeypatch.setattr(memory_check, "CGROUP_FS", tmp_path / "fs")
    monkeypatch.setattr(memory_check, "SELF_CGROUP", tmp_path / "cgroup")
    monkeypatch.setattr(memory_check, "SELF_STATM", tmp_path / "statm")
    monkeypatch.setattr(memory_check.os, "sysconf", lambda name: 4096)


def test_a_containers_own_limit_counts_when_it_is_lower(tmp_path, monkeypatch):
    """A 2 GiB container using 1.9 GiB, 1.5 GiB of it file cache the kernel drops first,
    100 MiB of it this process: room is 2048 - (1900 - 1536 - 100) MiB."""
    _fake_linux(tmp_path, monkeypatch, v2={
        "memory.max": f"{2048 * MIB}\n", "memory.current": f"{1900 * MIB}\n",
        "memory.stat": f"anon 100\ninactive_file {1536 * MIB}\n"})
    assert memory_check.available_bytes() == (2048 - (1900 - 1536 - 100)) * MIB


def test_the_processs_own_cgroup_is_read_not_the_roots(tmp_path, monkeypatch):
    """Without a cgroup namespace the root's files are the host's: a service's own limit
    lives under its path in /proc/self/cgroup (cgroup v1 here, as on this machine)."""
    _fake_linux(tmp_path, monkeypatch, own_cgroup="/system.slice/holdwell.service", v1={
        "memory.limit_in_bytes": f"{1024 * MIB}\n",
        "memory.usage_in_bytes": f"{300 * MIB}\n",
        "memory.stat": f"total_inactive_file {100 * MIB}\n"})
    root = tmp_path / "fs" / "memory"
    (root / "memory.limit_in_bytes").write_text("9223372036854771712\n", encoding="ascii")
    (root / "memory.usage_in_bytes").write_text(f"{9000 * MIB}\n", encoding="ascii")
    assert memory_check.available_bytes() == (1024 - (300 - 100 - 100)) * MIB


@pytest.mark.parametrize("limit", ["max\n", "9223372036854771712\n"])
def test_no_limit_leaves_the_kernels_figure(tmp_path, monkeypatch, limit):
    _fake_linux(tmp_path, monkeypatch, v2={"memory.max": limit,
                                           "memory.current": f"{500 * MIB}\n"})
    assert memory_check.available_bytes() == HOST_KB * 1024


def test_a_cgroup_past_its_limit_has_no_room(tmp_path, monkeypatch):
    _fake_linux(tmp_path, monkeypatch, rss_mib=0, v2={
        "memory.max": f"{100 * MIB}\n", "memory.current": f"{200 * MIB}\n"})
    assert memory_check.available_bytes() == 0
