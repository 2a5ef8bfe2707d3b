"""`holdwell users add` and `users password` refuse a name before asking for the password:
the password had been read first, so an empty standard input was told "no password" for a
name no user can have, and at a terminal the password was typed twice (unseen) to be told
the name was taken, or nobody's."""

from __future__ import annotations

import os
import pty
import select
import subprocess
import sys
import time
from pathlib import Path

import pytest
from click.testing import CliRunner

from app.clock import SystemClock
from app.storage import users
from app.storage.db import make_engine
from cli.main import cli

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture
def database(sqlite_url, monkeypatch):
    monkeypatch.setenv("DATABASE_URL", sqlite_url)
    monkeypatch.setattr(users, "PASSWORD_METHOD", "scrypt:1024:8:1")
    assert CliRunner().invoke(cli, ["db", "upgrade"]).exit_code == 0
    users.add_user(make_engine(sqlite_url), "ana", "admin", "a long passphrase",
                   SystemClock().now())
    return sqlite_url


@pytest.mark.parametrize("name", ["", "a\u200bb", " ana", "x" * 65])
def test_a_name_no_user_can_have_is_told_before_the_password(database, name):
    result = CliRunner().invoke(cli, ["users", "add", name, "--role", "analyst"], input="")
    assert isinstance(result.exception, SystemExit), result.exception
    assert result.exit_code == 2
    assert "Invalid value for NAME: name must be 1 to 64 characters" in result.output
    assert "no password" not in result.output
    assert [u.name for u in users.all_users(make_engine(database))] == ["ana"]


def test_a_good_name_still_reads_the_password(database):
    result = CliRunner().invoke(cli, ["users", "add", "olu", "--role", "operator"],
                                input="another passphrase\n")
    assert result.exit_code == 0, result.output
    assert users.authenticate(make_engine(database), "olu", "another passphrase")


def _shown(fd: int, seconds: float, until: bytes) -> bytes:
    shown, end = b"", time.monotonic() + seconds
    while time.monotonic() < end and until not in shown:
        if select.select([fd], [], [], 0.1)[0]:
            try:
                chunk = os.read(fd, 4096)
            except OSError:
                break
            if not chunk:
                break
            shown += chunk
    return shown


@pytest.mark.skipif(sys.platform == "win32", reason="needs a pseudo-terminal")
@pytest.mark.parametrize(("args", "said"), [
    (["users", "add", "ANA", "--role", "analyst"], b"user 'ana' already exists, and 'ANA'"),
    (["users", "add", "ana", "--role", "analyst"], b"user 'ana' already exists"),
    (["users", "password", "nobody"], b"no user named 'nobody'"),
])
def test_at_a_terminal_a_taken_or_unknown_name_is_told_before_the_prompt(database, args,
                                                                         said):
    main, side = pty.openpty()
    command = subprocess.Popen([sys.executable, "-m", "cli", *args], cwd=ROOT,
                               env={**os.environ, "DATABASE_URL": database}, stdin=side,
                               stdout=side, stderr=side, start_new_session=True)
    os.close(side)
    try:
        shown = _shown(main, 60, until=said)  # no password typed: it had waited for one
        assert said in shown and b"Password" not in shown, shown
        assert command.wait(timeout=30) == 1
    finally:
        if command.poll() is None:
            command.kill()
        os.close(main)
