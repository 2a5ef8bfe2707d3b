"""DATABASE_URL with blanks around it (a copy-paste's newline) names the database without
them: `sqlite:///holdwell.db` and a newline had made a second call log, a file named
"holdwell.db\\n", beside the one the app runs on; left blank, it is the default."""

from __future__ import annotations

from pathlib import Path

from click.testing import CliRunner

from app.settings import Settings
from cli.database import database_url
from cli.main import cli


def test_db_upgrade_makes_the_file_named_without_the_newline(tmp_path: Path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    result = CliRunner().invoke(cli, ["db", "upgrade"],
                                env={"DATABASE_URL": "sqlite:///holdwell.db\n"})
    assert result.exit_code == 0, result.output
    assert "database at sqlite:///holdwell.db is at revision" in result.output
    assert (tmp_path / "holdwell.db").exists() and not (tmp_path / "holdwell.db\n").exists()


def test_the_app_and_the_cli_read_the_same_url(monkeypatch):
    for written in (" postgres://u@db.example.com/line\n", "\tsqlite:///x.db "):
        monkeypatch.setenv("DATABASE_URL", written)
        assert database_url() == Settings.from_env({"DATABASE_URL": written}).database_url
        assert database_url() == database_url().strip()


def test_a_blank_url_is_the_default(monkeypatch):
    monkeypatch.setenv("DATABASE_URL", "  ")
    assert database_url() == "sqlite:///holdwell.db"
    assert Settings.from_env({"DATABASE_URL": "  "}).database_url == "sqlite:///holdwell.db"
