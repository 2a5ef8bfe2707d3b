"""`holdwell db upgrade` where SQLite cannot make its file says why in words that fit: a
read-only folder had been called a mistyped path ("x.db does not exist (a mistyped
DATABASE_URL? `holdwell db upgrade` creates the database there)", said by `db upgrade`
itself), a folder named as the file had no cause at all, and a file named as the folder was
"its folder ... does not exist"."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner

from cli.main import cli

READ_ONLY = """
set -e
mount --bind -o ro "$1" "$1"
shift
"$@"
"""


def upgrade_at(url: str) -> str:
    result = CliRunner().invoke(cli, ["db", "upgrade"], env={"DATABASE_URL": url})
    assert result.exit_code == 1, result.output
    return result.output


def test_a_read_only_folder_is_named_not_taken_for_a_mistyped_path(tmp_path: Path) -> None:
    if shutil.which("unshare") is None or subprocess.run(["unshare", "-m", "true"],
                                                         capture_output=True).returncode:
        pytest.skip("no mount namespace here to make a folder read-only")
    folder = tmp_path / "ro"
    folder.mkdir()
    result = subprocess.run(["unshare", "-m", "sh", "-c", READ_ONLY, "sh", str(folder),
                             sys.executable, "-m", "cli", "db", "upgrade"],
                            capture_output=True, text=True, timeout=120,
                            env={**os.environ, "DATABASE_URL": f"sqlite:///{folder / 'h.db'}"})
    assert result.returncode == 1, result.stdout + result.stderr
    assert f"its folder {folder} is read-only" in result.stderr, result.stderr
    assert "does not exist" not in result.stderr and "mistyped" not in result.stderr
    assert not (folder / "h.db").exists()


def test_a_folder_named_as_the_database_file_is_said(tmp_path: Path) -> None:
    said = upgrade_at(f"sqlite:///{tmp_path}")
    assert f"{tmp_path} is a folder, not a database file" in said, said


def test_a_file_named_as_its_folder_is_said(tmp_path: Path) -> None:
    (tmp_path / "notes.txt").write_text("x", encoding="utf-8")
    said = upgrade_at(f"sqlite:///{tmp_path / 'notes.txt' / 'h.db'}")
    assert f"{tmp_path / 'notes.txt'} is a file, not a folder" in said, said
    assert "does not exist" not in said
