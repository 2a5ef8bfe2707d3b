"""`holdwell users add` at a terminal asks for the password, unseen and twice: it had read a
plain line, so it waited without a word (as if hung) and showed the password as it was typed,
on the screen and in the terminal's scrollback. Piped in, it is still the first line."""

from __future__ import annotations

import os
import pty
import select
import subprocess
import sys
import time
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
SECRET = b"correct horse battery"

pytestmark = pytest.mark.skipif(sys.platform == "win32", reason="needs a pseudo-terminal")


def _read(fd: int, seconds: float, until: bytes | None = None) -> bytes:
    """What the terminal shows within `seconds` (sooner once `until` has been shown)."""
    shown, end = b"", time.monotonic() + seconds
    while time.monotonic() < end and not (until and until in shown):
        if select.select([fd], [], [], 0.1)[0]:
            try:
                chunk = os.read(fd, 4096)
            except OSError:  # the command ended and closed the terminal
                break
            if not chunk:
                break
            shown += chunk
    return shown


def test_a_password_typed_at_a_terminal_is_asked_for_and_not_shown(tmp_path) -> None:
    env = {**os.environ, "DATABASE_URL": f"sqlite:///{tmp_path / 'users.db'}"}
    subprocess.run([sys.executable, "-m", "cli", "db", "upgrade"], cwd=ROOT, env=env,
                   check=True, capture_output=True, timeout=120)
    main, side = pty.openpty()
    command = subprocess.Popen([sys.executable, "-m", "cli", "users", "add", "zoe", "--role",
                                "analyst"], cwd=ROOT, env=env, stdin=side, stdout=side,
                               stderr=side, start_new_session=True)
    os.close(side)
    try:
        asked = _read(main, 30, until=b"Password")
        assert b"Password" in asked  # it had shown nothing at all: a command that seemed hung
        os.write(main, SECRET + b"\n")
        again = _read(main, 30, until=b"Repeat")
        os.write(main, SECRET + b"\n")
        said = asked + again + _read(main, 60, until=b"added")
        assert command.wait(timeout=60) == 0
    finally:
        if command.poll() is None:
            command.kill()
        os.close(main)
    assert b"user zoe added as analyst" in said
    assert SECRET not in said  # typed unseen: never echoed to the screen
