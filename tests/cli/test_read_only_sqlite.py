"""A SQLite log holdwell cannot write says why: SQLite's "unable to open database file" of a
file that exists (its folder read-only: no room for the -wal and -shm files) or of a folder
that is not there. `users add` had called it "cannot read the call log" while writing, and
`callbacks --once` called it "unreachable"."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner

from app.storage.db import sqlite_file_problem
from cli.main import cli

CANNOT = Exception("(sqlite3.OperationalError) unable to open database file")


def test_a_missing_folder_is_named(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'nowhere' / 'h.db'}"
    assert sqlite_file_problem(url, CANNOT) == f"its folder {tmp_path / 'nowhere'} does not exist"
    assert sqlite_file_problem(url, Exception("database is locked")) is None
    assert sqlite_file_problem("postgresql://x/y", CANNOT) is None


def test_db_upgrade_in_a_missing_folder_names_it(tmp_path: Path, monkeypatch) -> None:
    monkeypatch.setenv("DATABASE_URL", f"sqlite:///{tmp_path / 'nowhere' / 'h.db'}")
    result = CliRunner().invoke(cli, ["db", "upgrade"])
    assert result.exit_code == 1
    assert f"its folder {tmp_path / 'nowhere'} does not exist" in result.output


READ_ONLY = """
set -e
mount --bind -o ro "$1" "$1"
shift
"$@"
"""


def _in_read_only_folder(folder: Path, *args: str) -> subprocess.CompletedProcess:
    """`holdwell ARGS` with `folder` mounted read-only (a private mount namespace)."""
    return subprocess.run(["unshare", "-m", "sh", "-c", READ_ONLY, "sh", str(folder),
                           sys.executable, "-m", "cli", *args],
                          capture_output=True, text=True, timeout=120,
                          env={**os.environ, "DATABASE_URL": f"sqlite:///{folder / 'h.db'}",
                               "TWILIO_AUTH_TOKEN": "t" * 32})


@pytest.fixture
def read_only_log(tmp_path: Path) -> Path:
    if shutil.which("unshare") is None:
        pytest.skip("no unshare(1) to mount a folder read-only")
    probe = subprocess.run(["unshare", "-m", "true"], capture_output=True)
    if probe.returncode != 0:
        pytest.skip(f"cannot make a mount namespace here: {probe.stderr.decode().strip()}")
    folder = tmp_path / "ro"
    folder.mkdir()
    made = CliRunner().invoke(cli, ["db", "upgrade"],
                              env={"DATABASE_URL": f"sqlite:///{folder / 'h.db'}"})
    assert made.exit_code == 0, made.output
    for leftover in folder.glob("h.db-*"):  # a clean close: as a stopped server leaves it
        leftover.unlink()
    return folder


@pytest.mark.parametrize("args", [["db", "upgrade"], ["users", "token", "ana"],
                                  ["callbacks", "--once"]])
def test_a_read_only_folder_is_named(read_only_log: Path, args: list[str]) -> None:
    result = _in_read_only_folder(read_only_log, *args)
    assert result.returncode == 1, result.stdout + result.stderr
    assert f"its folder {read_only_log} is read-only" in result.stderr
    assert "unreachable" not in result.stderr and "cannot read" not in result.stderr


def test_a_read_only_file_beside_the_database_is_named(tmp_path: Path) -> None:
    """A read-only open leaves a `-shm` file SQLite cannot write later: every write then
    failed with "attempt to write a readonly database" and no hint (operator audit 33, D9)."""
    if shutil.which("unshare") is None or subprocess.run(["unshare", "-m", "true"],
                                                         capture_output=True).returncode:
        pytest.skip("no mount namespace here to make one file read-only")
    database, shm = tmp_path / "h.db", tmp_path / "h.db-shm"
    database.touch()
    shm.touch()
    said = ("from app.storage.db import sqlite_file_problem; print(sqlite_file_problem("
            f"'sqlite:///{database}', Exception('attempt to write a readonly database')))")
    result = subprocess.run(["unshare", "-m", "sh", "-c", 'mount --bind -o ro "$1" "$1" && '
                             'shift && "$@"', "sh", str(shm), sys.executable, "-c", said],
                            capture_output=True, text=True, timeout=60)
    assert result.stdout.strip() == f"{shm} is read-only (SQLite's file beside the database)", \
        result.stderr
