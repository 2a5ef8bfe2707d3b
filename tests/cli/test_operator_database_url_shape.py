"""DATABASE_URL written as a file's path ("holdwell.db") or with two slashes
("sqlite://holdwell.db", a host SQLite has none of, so a database in memory) is refused with
the URL that names the file: the first had been "Could not parse SQLAlchemy URL from given
URL string", the second "a database in memory" without why."""

from __future__ import annotations

import pytest
from click.testing import CliRunner

from cli.main import cli


def upgrade_with(url: str) -> str:
    result = CliRunner().invoke(cli, ["db", "upgrade"], env={"DATABASE_URL": url})
    assert result.exit_code == 1, result.output
    return result.output


@pytest.mark.parametrize(("path", "meant"), [("holdwell.db", "sqlite:///holdwell.db"),
                                             ("/var/lib/line.sqlite3",
                                              "sqlite:////var/lib/line.sqlite3")])
def test_a_files_path_is_answered_with_its_url(path, meant):
    said = upgrade_with(path)
    assert f"DATABASE_URL: {path!r} is a file's path, not a database URL; a SQLite file is " \
           f"named {meant}" in said


def test_two_slashes_are_said_to_name_a_host(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    said = upgrade_with("sqlite://line.db")
    assert "names 'line.db' as a host, which SQLite has none of: a file is " \
           "sqlite:///line.db, with three slashes" in said
    assert list(tmp_path.iterdir()) == []
