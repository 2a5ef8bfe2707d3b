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
    assert memory_check.available_bytes() == 1000 * 1024
    monkeypatch.setattr(memory_check, "MEMINFO", tmp_path / "absent")
    assert memory_check.available_bytes() is None
    memory_check.check_fits_in_memory(10**7, 4)  # unknown: not refused


HOST_KB = 10 * 2**20  # the host's MemAvailable: 10 GiB


@pytest.mark.parametrize(("limit", "usage", "expected"), [
    ("524288000\n", "104857600\n", 400 * 2**20),  # a 500 MiB container using 100 MiB
    ("max\n", "104857600\n", HOST_KB * 1024),  # no limit: the kernel's figure
    ("9223372036854771712\n", "1000\n", HOST_KB * 1024),  # cgroup v1's "no limit"
    ("100\n", "200\n", 0),  # over its limit already
])
def test_a_containers_own_limit_counts_when_it_is_lower(tmp_path, monkeypatch, limit, usage,
                                                       expected):
    """MemAvailable is the host's: a container with less is killed however much is free."""
    meminfo, limit_file, usage_file = (tmp_path / name for name in ("meminfo", "max", "cur"))
    meminfo.write_text(f"MemAvailable:    {HOST_KB} kB\n", encoding="ascii")
    limit_file.write_text(limit, encoding="ascii")
    usage_file.write_text(usage, encoding="ascii")
    monkeypatch.setattr(memory_check, "MEMINFO", meminfo)
    monkeypatch.setattr(memory_check, "CGROUP_LIMITS", ((limit_file, usage_file),))
    assert memory_check.available_bytes() == expected
