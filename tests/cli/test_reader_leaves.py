"""A reader that leaves early (`holdwell … | head -1`) is no failure: every command had exited
1 without a word (click's answer to the first write into the closed pipe), what it had still
to write (`--html`) was left unwritten, and `staffing`'s exit 3 read as 1."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner

from cli.main import cli

ROOT = Path(__file__).resolve().parents[2]
NOT_A_WORD = ("Traceback", "Broken pipe", "BrokenPipe", "Exception ignored", "unexpected")


@pytest.fixture(scope="module")
def records(tmp_path_factory) -> Path:
    path = tmp_path_factory.mktemp("records") / "calls.csv"
    made = CliRunner().invoke(cli, ["simulate", "--calls", "300", "--seed", "3", "--out",
                                    str(path)])
    assert made.exit_code == 0, made.output
    return path


def reader_leaves_at_once(command: list[str]) -> tuple[int, str]:
    """`command`'s exit status and stderr, its stdout a pipe closed before it writes."""
    process = subprocess.Popen(command, cwd=ROOT, stdout=subprocess.PIPE,
                               stderr=subprocess.PIPE, text=True)
    assert process.stdout is not None
    process.stdout.close()
    _, said = process.communicate(timeout=120)
    return process.returncode, said


@pytest.mark.parametrize("args", [
    ["simulate", "--calls", "200"],
    ["report", "--records", "{records}"],
    ["export", "--format", "queue_log", "--records", "{records}", "--out", "/dev/stdout"],
    ["erlang", "--help"],
    ["--help"],
])
def test_every_command_exits_0_and_says_nothing_of_the_pipe(args, records):
    command = [sys.executable, "-m", "cli", *(a.format(records=records) for a in args)]
    status, said = reader_leaves_at_once(command)
    assert status == 0, said
    assert not any(word in said for word in NOT_A_WORD), said


def test_the_command_still_writes_its_page(records, tmp_path):
    """`report` prints its text first: the page after it had never been written."""
    page = tmp_path / "report.html"
    status, said = reader_leaves_at_once([sys.executable, "-m", "cli", "report", "--records",
                                          str(records), "--html", str(page)])
    assert status == 0, said
    assert page.read_text(encoding="utf-8").rstrip().endswith("</html>")


def test_the_last_flush_at_exit_is_quiet_too():
    """What is still buffered when the interpreter ends is flushed then, into the closed
    pipe: "Exception ignored … BrokenPipeError" and exit 120, had nobody caught it."""
    script = ("from cli.reader_gone import forgive_readers_leaving\n"
              "forgive_readers_leaving()\nprint('last words')\n")  # kept in the buffer
    status, said = reader_leaves_at_once([sys.executable, "-c", script])
    assert status == 0 and said == ""


def test_unbuffered_streams_stay_unbuffered_and_in_order():
    """Under PYTHONUNBUFFERED (python -u, many containers) the streams write at once; the
    stand-ins had buffered them, so words written apart came out together at exit, stderr's
    before stdout's (review 36, R3)."""
    script = ("import sys, time\n"
              "from cli.reader_gone import forgive_readers_leaving\n"
              "forgive_readers_leaving()\n"
              "sys.stderr.write('A'); time.sleep(0.3); sys.stdout.write('B'); time.sleep(0.3)\n"
              "sys.stderr.write('C')\n"
              "assert sys.stdout.name == '<stdout>', sys.stdout.name\n")
    both = subprocess.run([sys.executable, "-u", "-c", script], cwd=ROOT, text=True,
                          stdout=subprocess.PIPE, stderr=subprocess.STDOUT, timeout=60,
                          check=False)
    assert both.returncode == 0 and both.stdout == "ABC", both.stdout
