"""SIGTERM stops a what-if that runs on worker processes, whether it reaches the main process
only or the whole process group (what `timeout` and service managers send). The CLI turns
SIGTERM into SystemExit so clean-ups run; the fork pool's workers had inherited that: sent to
the main process, the run went on to its end (the pool was closed and joined, every queued
replication run); sent to the group, each worker raised inside its task, the pool replaced
it, and the parent waited for ever for the lost results."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from app.console.toml_writer import dumps
from simulator.scenario_file import HEADER, twin_to_dict
from simulator.twin import fit_twin


@pytest.fixture(scope="module")
def scenario_file(known_log, tmp_path_factory) -> Path:
    path = tmp_path_factory.mktemp("twin") / "scenario.toml"
    path.write_text(HEADER + dumps(twin_to_dict(fit_twin(known_log, seed=1))), encoding="utf-8")
    return path


def _stopped(scenario_file: Path, to_group: bool) -> tuple[int, float]:
    process = subprocess.Popen(
        [sys.executable, "-c", "from cli.main import main; main()", "whatif", "--scenario",
         str(scenario_file), "--replications", "400", "--workers", "2", "--day", "mon"],
        stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True, start_new_session=True)
    assert process.stderr is not None
    assert "what-if" in process.stderr.readline()  # the workers are at work
    time.sleep(1.0)
    sent = time.monotonic()
    if to_group:
        os.killpg(process.pid, signal.SIGTERM)
    else:
        process.send_signal(signal.SIGTERM)
    try:
        code = process.wait(timeout=30)
    except subprocess.TimeoutExpired:
        os.killpg(process.pid, signal.SIGKILL)
        process.wait()
        pytest.fail("still running 30 s after SIGTERM")
    return code, time.monotonic() - sent


@pytest.mark.parametrize("to_group", [False, True], ids=["main process", "process group"])
def test_sigterm_stops_a_whatif_on_workers(scenario_file: Path, to_group: bool) -> None:
    code, took_s = _stopped(scenario_file, to_group)
    assert code == 128 + signal.SIGTERM
    assert took_s < 10  # 400 replications x 4 policies run for minutes
