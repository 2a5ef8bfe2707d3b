"""`simulate`/`compare --arrivals-from` a file that cannot be read at all (0 bytes, a CSV with
an unclosed quote) is the option's problem, said in one line naming it: it had ended in
'holdwell: unexpected error (RecordsError): …; set HOLDWELL_DEBUG=1 for the traceback', the
words of a bug in holdwell."""

from __future__ import annotations

import subprocess
import sys

import pytest


@pytest.mark.parametrize("content", [b"", b'call_id,entered_at\n"a,2026-01-05T00:00:00Z\n'])
@pytest.mark.parametrize("command", ["simulate", "compare"])
def test_an_unreadable_arrivals_file_is_the_options_problem(tmp_path, content, command):
    log = tmp_path / "arrivals.csv"
    log.write_bytes(content)
    done = subprocess.run([sys.executable, "-m", "cli", command, "--arrivals-from", str(log)],
                          capture_output=True, text=True, timeout=120, check=False)
    assert done.returncode == 1, done.stderr
    assert "unexpected error" not in done.stderr
    assert f"Error: --arrivals-from: {log}: " in done.stderr
