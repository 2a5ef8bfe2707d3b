"""An output in a folder no file can be made in is refused before the work, by trying: root
is told by os.access that it may write in /proc or /sys, and `simulate --out /sys/x.csv`
simulated every call before failing with "unexpected error (PermissionError)"."""

from __future__ import annotations

from pathlib import Path

import pytest
from click.testing import CliRunner

from cli.main import cli
from cli.params import can_create_in

NO_FILES_HERE = Path("/proc")  # on Linux, for root too


def test_the_probe_tells_a_folder_that_takes_files_from_one_that_does_not(tmp_path):
    assert can_create_in(tmp_path) and not can_create_in(NO_FILES_HERE)
    assert list(tmp_path.iterdir()) == []  # the probe leaves nothing behind


@pytest.mark.parametrize("args", [
    ["simulate", "--calls", "200", "--out", "/proc/calls.csv"],
    ["compare", "--calls", "200", "--out", "/proc/calls.parquet"],
    ["simulate", "--calls", "200", "--out", ""],  # wrote nothing, said nothing
])
def test_simulate_refuses_an_out_it_could_not_write_before_simulating(args):
    result = CliRunner().invoke(cli, args)
    assert result.exit_code != 0 and "--out" in result.output, result.output
    assert "simulating" not in result.output
    assert result.exception is None or isinstance(result.exception, SystemExit)


def test_an_out_file_option_refuses_such_a_folder_by_name(tmp_path):
    result = CliRunner().invoke(cli, ["audio", "comfort-noise", "/proc/bed.wav"])
    assert result.exit_code == 2 and "cannot create a file in /proc" in result.output


@pytest.mark.parametrize("args", [["audio", "comfort-noise", ""],
                                  ["audio", "comfort-noise", " "]])
def test_an_out_file_given_as_an_empty_name_is_refused(args):
    """`whatif --html ''` (an unset variable) ran the whole what-if and wrote nothing."""
    result = CliRunner().invoke(cli, args)
    assert result.exit_code == 2 and "an empty name: give a file to write" in result.output
