"""SIGTERM (a service manager stopping a long export) must clean up as Ctrl-C does: a spilled
queue_log sort's scratch files are removed. Python's default SIGTERM ends the process without
running `finally`, and left /tmp/holdwell-sort-* behind."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

WAITS_WHILE_SPILLED = textwrap.dedent("""
    import sys, time
    from cli.main import exit_on_sigterm
    from analytics.external_sort import sorted_runs

    exit_on_sigterm() if sys.argv[1] == "handled" else None

    def keyed():
        for i in range(10):
            yield (10 - i,), f"line{i}"
        print("spilled", flush=True)
        time.sleep(60)
        yield (0,), "never"

    def export():
        {body}

    export()
""")

IN_THE_SORT = WAITS_WHILE_SPILLED.replace(
    "{body}", "for line in sorted_runs(keyed(), 2): pass")
IN_THE_WRITER = WAITS_WHILE_SPILLED.replace("    time.sleep(60)\n", "", 1).replace(
    "{body}", "lines = sorted_runs(keyed(), 2); next(lines); print('writing', flush=True); "
              "time.sleep(60)")
"""SIGTERM once the first line is out: sent at "spilled", it could land while the sort's
generators were being closed, where Python ignores an exception raised, and the child slept
on (CI once timed out on it)."""


def _terminated(script: str, mode: str, tmp_path: Path) -> tuple[int, list[str]]:
    """The child's exit code after a SIGTERM sent once it is where `script` waits, and the
    scratch files left."""
    scratch = tmp_path / "tmp"
    scratch.mkdir()
    env = {**os.environ, "TMPDIR": str(scratch)}
    process = subprocess.Popen([sys.executable, "-c", script, mode], env=env,
                               stdout=subprocess.PIPE, text=True)
    assert process.stdout is not None
    assert process.stdout.readline().strip() == "spilled"
    assert any(scratch.iterdir()), "the sort spilled no runs: the test proves nothing"
    if "'writing'" in script:
        assert process.stdout.readline().strip() == "writing"
    process.send_signal(signal.SIGTERM)
    code = process.wait(timeout=30)
    return code, sorted(path.name for path in scratch.iterdir())


@pytest.mark.parametrize("script", [IN_THE_SORT, IN_THE_WRITER], ids=["sorting", "writing"])
def test_sigterm_removes_the_sort_scratch_files(script: str, tmp_path: Path) -> None:
    code, left = _terminated(script, "handled", tmp_path)
    assert code == 128 + signal.SIGTERM
    assert left == []


def test_without_the_handler_the_scratch_files_stay(tmp_path: Path) -> None:
    """The control: Python's default SIGTERM leaves them (what the handler fixes)."""
    code, left = _terminated(IN_THE_SORT, "default", tmp_path)
    assert code == -signal.SIGTERM
    assert left and left[0].startswith("holdwell-sort-")


def test_the_console_script_installs_the_handler(monkeypatch: pytest.MonkeyPatch) -> None:
    """`holdwell` itself turns a SIGTERM during any command into exit 143, and a second
    SIGTERM would end it at once."""
    import cli.main

    monkeypatch.setattr(cli.main, "cli", lambda: os.kill(os.getpid(), signal.SIGTERM))
    previous = signal.getsignal(signal.SIGTERM)
    try:
        with pytest.raises(SystemExit) as stopped:
            cli.main.main()
        assert stopped.value.code == 143
        assert signal.getsignal(signal.SIGTERM) == signal.SIG_DFL
    finally:
        signal.signal(signal.SIGTERM, previous)
