"""What the app says as it starts, in the lines an operator reads: an edited config file the
database's active version overrides is named, and a database never migrated is one line with
its fix, not a traceback."""

from __future__ import annotations

import logging
import sqlite3

from app import create_app
from tests.conftest import AUTH_TOKEN


def test_an_edited_file_the_database_overrides_is_named(make_app, caplog):
    make_app('[queues.support]\npolicy = "checkin"\n')  # version 1 seeded from this file
    with caplog.at_level(logging.WARNING):
        make_app('[queues.support]\npolicy = "silence"\n')  # edited, then restarted
    [said] = [r.getMessage() for r in caplog.records if "differs from" in r.getMessage()]
    assert "active config version 1, which runs" in said and "holdwell config import" in said


def test_an_unchanged_file_says_nothing(make_app, caplog):
    make_app()
    with caplog.at_level(logging.WARNING):
        make_app()
    assert not [r for r in caplog.records if "differs from" in r.getMessage()]


def test_a_database_never_migrated_is_one_line_not_a_traceback(tmp_path, caplog):
    sqlite3.connect(tmp_path / "fresh.db").close()  # made, never migrated
    with caplog.at_level(logging.WARNING):
        create_app({"auth_token": AUTH_TOKEN, "journal_dir": str(tmp_path / "j"),
                    "database_url": f"sqlite:///{tmp_path / 'fresh.db'}"})
    [said] = [r for r in caplog.records if "config versions unavailable" in r.getMessage()]
    assert "run `holdwell db upgrade`" in said.getMessage() and said.exc_info is None


def test_a_database_file_not_there_is_named_in_one_line_not_a_traceback(tmp_path, caplog):
    with caplog.at_level(logging.WARNING):
        create_app({"auth_token": AUTH_TOKEN, "journal_dir": str(tmp_path / "j"),
                    "database_url": f"sqlite:///{tmp_path / 'fresh.db'}"})
    [said] = [r for r in caplog.records if "which does not exist" in r.getMessage()]
    assert "`holdwell db upgrade`" in said.getMessage()
    assert not [r for r in caplog.records if r.exc_info]
    assert not (tmp_path / "fresh.db").exists()
