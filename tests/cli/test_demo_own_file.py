"""`holdwell demo` logs its scripted calls to its own SQLite file, never to DATABASE_URL."""

from __future__ import annotations

import sqlite3
from pathlib import Path

from click.testing import CliRunner

from cli.main import cli


def calls_in(path: Path) -> int:
    with sqlite3.connect(path) as conn:
        return conn.execute("select count(*) from calls").fetchone()[0]


def test_demo_leaves_the_configured_log_alone(tmp_path: Path, monkeypatch) -> None:
    live = tmp_path / "live.db"
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("DATABASE_URL", f"sqlite:///{live}")
    result = CliRunner().invoke(cli, ["demo"])
    assert result.exit_code == 0, result.output
    assert not live.exists()
    assert calls_in(tmp_path / "holdwell-demo.db") == 16
    assert "holdwell-demo.db" in result.output.splitlines()[0]
    # callers' numbers, if only made-up ones: made owner-only as every database holdwell makes
    assert (tmp_path / "holdwell-demo.db").stat().st_mode & 0o077 == 0


def test_demo_runs_whatever_database_url_says(tmp_path: Path, monkeypatch) -> None:
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("DATABASE_URL", "notaurl")
    result = CliRunner().invoke(cli, ["demo", "--file", str(tmp_path / "mine.db")])
    assert result.exit_code == 0, result.output
    assert calls_in(tmp_path / "mine.db") == 16


def test_demo_file_in_a_missing_folder_is_named(tmp_path: Path) -> None:
    result = CliRunner().invoke(cli, ["demo", "--file", str(tmp_path / "no" / "x.db")])
    assert result.exit_code == 2 and "--file" in result.output
    assert "does not exist" in result.output


def test_each_demo_starts_its_file_afresh(tmp_path: Path, monkeypatch) -> None:
    monkeypatch.chdir(tmp_path)
    for _ in range(2):
        result = CliRunner().invoke(cli, ["demo"])
        assert result.exit_code == 0, result.output
    assert calls_in(tmp_path / "holdwell-demo.db") == 16  # one run's calls, not two runs'


def test_a_file_the_demo_did_not_write_is_refused_and_left_untouched(tmp_path: Path) -> None:
    log = tmp_path / "line.db"
    with sqlite3.connect(log) as conn:
        conn.execute("create table calls (call_id text)")
        conn.execute("insert into calls values ('CAreal')")
    conn.close()
    before = log.read_bytes()
    result = CliRunner().invoke(cli, ["demo", "--file", str(log)])
    assert result.exit_code == 2 and "--file" in result.output
    assert "did not write" in result.output
    assert log.read_bytes() == before
