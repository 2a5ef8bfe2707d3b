"""`--out /dev/stdout` is taken as it is (README: "a device such as /dev/stdout is taken as it
is"): it leads through /proc/PID/fd to a pipe, a terminal or the file the shell redirected to,
and had been refused as "cannot create a file in /proc/NNN/fd" or "'stdout' does not end in
.csv"."""

from __future__ import annotations

import io
import json
import os
import subprocess
import sys
from pathlib import Path

import pandas as pd
import pytest
from click.testing import CliRunner

from cli.main import cli
from cli.params import is_device
from cli.whole_file import whole_file

ROOT = Path(__file__).resolve().parents[2]
STDOUT = "/dev/stdout"

pytestmark = pytest.mark.skipif(not os.path.islink(STDOUT) or not Path("/proc/self/fd").is_dir(),
                                reason="/dev/stdout leads through /proc/self/fd on Linux")


@pytest.fixture(scope="module")
def records(tmp_path_factory) -> Path:
    path = tmp_path_factory.mktemp("records") / "calls.csv"
    made = CliRunner().invoke(cli, ["simulate", "--policy", "callback", "--calls", "300",
                                    "--seed", "3", "--out", str(path)])
    assert made.exit_code == 0, made.output
    return path


def holdwell(args: list[str], stdout: int | io.IOBase = subprocess.PIPE
             ) -> subprocess.CompletedProcess:
    """The command in a process of its own, its stdout a pipe (or the file given)."""
    return subprocess.run([sys.executable, "-m", "cli", *args], cwd=ROOT, stdout=stdout,
                          stderr=subprocess.PIPE, timeout=120, check=False)


def test_a_pipe_gets_the_queue_log_and_only_it(records, tmp_path):
    piped = holdwell(["export", "--format", "queue_log", "--records", str(records),
                      "--out", STDOUT])
    assert piped.returncode == 0, piped.stderr.decode()
    written = tmp_path / "calls.log"
    holdwell(["export", "--format", "queue_log", "--records", str(records), "--out",
              str(written), "--caller-ids", "none"])
    lines = piped.stdout.decode().splitlines()
    assert len(lines) == len(written.read_text().splitlines()) > 300
    assert all(line.count("|") >= 4 for line in lines)  # no "wrote …" among the lines
    assert b"queue_log lines to /dev/stdout" in piped.stderr


def test_a_file_the_shell_redirected_to_gets_the_csv(records, tmp_path):
    """The redirected file is written through, not replaced, and holds the records alone."""
    same = tmp_path / "same.csv"
    assert holdwell(["export", "--format", "csv", "--records", str(records), "--out",
                     str(same)]).returncode == 0
    out = tmp_path / "redirected.txt"
    with out.open("wb") as shell:
        ran = holdwell(["export", "--format", "csv", "--records", str(records), "--out", STDOUT],
                       stdout=shell)
    assert ran.returncode == 0, ran.stderr.decode()
    assert out.read_bytes() == same.read_bytes()
    assert not list(tmp_path.glob(".*partial*"))


def test_parquet_goes_down_a_pipe(records):
    """pyarrow's own file asked a pipe its position (lseek) and failed."""
    piped = holdwell(["export", "--format", "parquet", "--records", str(records), "--out",
                      STDOUT])
    assert piped.returncode == 0, piped.stderr.decode()
    assert len(pd.read_parquet(io.BytesIO(piped.stdout))) == 300


def test_report_html_goes_down_a_pipe(records):
    piped = holdwell(["report", "--records", str(records), "--html", STDOUT])
    assert piped.returncode == 0, piped.stderr.decode()
    assert piped.stdout.rstrip().endswith(b"</html>")


def test_simulate_pipes_its_records_as_csv_and_says_the_rest_on_stderr():
    """simulate --out /dev/stdout had been refused ("must end in .csv or .parquet")."""
    piped = holdwell(["simulate", "--calls", "200", "--seed", "3", "--out", STDOUT])
    assert piped.returncode == 0, piped.stderr.decode()
    assert len(pd.read_csv(io.BytesIO(piped.stdout))) == 200  # the summary is not mixed in
    assert b"records written to /dev/stdout" in piped.stderr


def test_a_device_other_than_stdout_leaves_the_figures_on_stdout(records):
    """Only an --out that leads to stdout moves the command's own lines to stderr: `--json
    --out /dev/null | jq` had been given nothing (review 38)."""
    ran = holdwell(["simulate", "--calls", "60", "--json", "--out", "/dev/null"])
    assert ran.returncode == 0, ran.stderr.decode()
    assert json.loads(ran.stdout)["calls"] == 60
    exported = holdwell(["export", "--format", "csv", "--records", str(records), "--out",
                         "/dev/null"])
    assert b"call records to /dev/null" in exported.stdout and not exported.stderr


def test_a_command_run_with_stdout_closed_still_writes_its_file(tmp_path):
    """`>&-` (cron, a daemon): Python has no sys.stdout, and asking whether --out led to it
    had ended the run with 'unexpected error (AttributeError)' after writing (review 38)."""
    out = tmp_path / "calls.csv"
    ran = subprocess.run([sys.executable, "-m", "cli", "simulate", "--calls", "60", "--json",
                          "--out", str(out)], cwd=ROOT, stdout=subprocess.DEVNULL,
                         stderr=subprocess.PIPE, timeout=120, check=False,
                         preexec_fn=lambda: os.close(1))
    assert ran.returncode == 0, ran.stderr.decode()
    assert len(pd.read_csv(out)) == 60


def test_compare_writes_parquet_down_a_pipe_named_so(tmp_path):
    fifo = tmp_path / "calls.parquet"
    os.mkfifo(fifo)
    with subprocess.Popen(["cat", str(fifo)], stdout=subprocess.PIPE) as reader:
        ran = holdwell(["compare", "--policies", "silence,checkin", "--calls", "50",
                        "--out", str(fifo)])
        assert ran.returncode == 0, ran.stderr.decode()
        assert len(pd.read_parquet(io.BytesIO(reader.stdout.read()))) == 100
    assert b"unserved" in ran.stdout  # a pipe of its own, not stdout: the figures stay


def test_what_is_a_device(tmp_path):
    fifo = tmp_path / "fifo.csv"
    os.mkfifo(fifo)
    link = tmp_path / "mine.csv"
    link.symlink_to("/proc/self/fd/1")
    plain = tmp_path / "plain.csv"
    plain.write_text("x\n")
    assert is_device(fifo) and is_device(link) and is_device(Path(STDOUT))
    assert not is_device(plain) and not is_device(tmp_path) and not is_device(tmp_path / "new")


def test_whole_file_writes_through_a_link_to_an_open_pipe(tmp_path):
    """The link was resolved to /proc/PID/fd/pipe:[N], and a partial file made there."""
    reading, writing = os.pipe()
    link = tmp_path / "out.log"
    link.symlink_to(f"/proc/self/fd/{writing}")
    try:
        with whole_file(link) as path, open(path, "w", encoding="utf-8") as out:
            out.write("through\n")
        os.close(writing)
        assert os.read(reading, 100) == b"through\n"
    finally:
        os.close(reading)
    assert link.is_symlink()


def test_audio_refuses_a_pipe_it_would_have_replaced_with_a_file(tmp_path):
    """The WAV is written beside its name and moved over it, then read back: a fifo (and, as
    root, /dev/null) had been replaced by a regular file."""
    fifo = tmp_path / "bed.wav"
    os.mkfifo(fifo)
    result = CliRunner().invoke(cli, ["audio", "comfort-noise", str(fifo)])
    assert result.exit_code == 2 and "is a device or pipe" in result.output, result.output
    assert fifo.is_fifo() and sorted(tmp_path.iterdir()) == [fifo]


def test_a_file_appended_to_keeps_what_it_held(records, tmp_path):
    """/dev/stdout reopened with truncation had wiped a file the shell appended to (`>>`):
    the bytes go through the open descriptor, after what was there (review 36, R1)."""
    same = tmp_path / "same.csv"
    assert holdwell(["export", "--format", "csv", "--records", str(records), "--out",
                     str(same)]).returncode == 0
    log = tmp_path / "log.txt"
    log.write_bytes(b"precious\n")
    with log.open("ab") as shell:
        ran = holdwell(["export", "--format", "csv", "--records", str(records), "--out", STDOUT],
                       stdout=shell)
    assert ran.returncode == 0, ran.stderr.decode()
    assert log.read_bytes() == b"precious\n" + same.read_bytes()


def test_a_commands_own_lines_come_before_its_file_not_over_it(records, tmp_path):
    """`report --html /dev/stdout > f`: the text report printed to fd 1 and the page written
    by reopening the file had overwritten each other (review 36, R1)."""
    out = tmp_path / "both.txt"
    with out.open("wb") as shell:
        ran = holdwell(["report", "--records", str(records), "--html", STDOUT], stdout=shell)
    assert ran.returncode == 0, ran.stderr.decode()
    text = out.read_text(encoding="utf-8")
    assert text.startswith("holdwell report: 300 calls")
    assert text.rstrip().endswith("</html>") and text.count("<html") == 1


def test_a_reader_leaving_does_not_cut_the_command_short(records, tmp_path):
    """The device's broken pipe had ended the command at once with 0: `fit --out /dev/stdout
    --html fit.html` never wrote its page (review 36, R2). The rest goes unread; the command
    carries on to its end."""
    page = tmp_path / "fit.html"
    process = subprocess.Popen([sys.executable, "-m", "cli", "fit", "--records", str(records),
                                "--out", STDOUT, "--html", str(page)], cwd=ROOT,
                               stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    process.stdout.close()  # the reader leaves before a byte is read
    status = process.wait(timeout=120)
    said = process.stderr.read().decode()
    process.stderr.close()
    assert status == 0, said
    assert page.read_text(encoding="utf-8").rstrip().endswith("</html>")


def test_a_loop_of_links_is_refused_naming_the_option(records, tmp_path):
    """Python 3.11 raises RuntimeError on a loop: it had been 'holdwell: unexpected error'
    (review 36, R6)."""
    loop = tmp_path / "loop"
    loop.symlink_to("loop")
    for out in (loop, loop / "x.csv"):
        result = CliRunner().invoke(cli, ["export", "--format", "csv", "--records",
                                          str(records), "--out", str(out)])
        assert result.exit_code == 2, result.output
        assert "Invalid value for '--out'" in result.output and "loop of links" in result.output
