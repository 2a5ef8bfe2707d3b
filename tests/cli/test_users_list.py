"""`holdwell users list`: who may sign in, from the shell (script author audit: the CLI could
add, change and remove people, and revoke their tokens, but not say who they are)."""

from __future__ import annotations

import json
from datetime import timedelta

import pytest
from click.testing import CliRunner

from app.clock import SystemClock
from app.storage import audit, users
from app.storage.db import make_engine
from cli.main import cli


@pytest.fixture
def database(sqlite_url, monkeypatch):
    monkeypatch.setenv("DATABASE_URL", sqlite_url)
    monkeypatch.setattr(users, "PASSWORD_METHOD", "scrypt:1024:8:1")
    return sqlite_url


def test_an_empty_console_says_how_to_add_the_first_admin(database):
    result = CliRunner().invoke(cli, ["users", "list"])
    assert result.exit_code == 0, result.output
    assert "nobody yet: add the first admin with `holdwell users add NAME --role admin`" in \
        result.stderr


def test_people_are_listed_with_their_role_tokens_and_last_sign_in(database):
    engine, now = make_engine(database), SystemClock().now().replace(microsecond=0)
    users.add_user(engine, "ana", "admin", "a long passphrase", now - timedelta(days=2))
    users.add_user(engine, "olu", "analyst", "a long passphrase", now - timedelta(days=2))
    users.issue_token(engine, "olu", now)
    users.issue_token(engine, "olu", now)
    with engine.begin() as conn:
        audit.record(conn, actor="ana", action="session.login", target="ana", detail={},
                     now=now - timedelta(hours=1))
    table = CliRunner().invoke(cli, ["users", "list"])
    assert table.exit_code == 0, table.output
    lines = table.stdout.splitlines()
    assert lines[0].split("  ")[0] == "name" and "last console sign-in (UTC)" in lines[0]
    assert lines[1].split() == ["ana", "admin", "0",
                                *(now - timedelta(hours=1)).strftime("%Y-%m-%d %H:%M").split()]
    assert lines[2].split() == ["olu", "analyst", "2", "never"]
    listed = CliRunner().invoke(cli, ["users", "list", "--json"])
    people = [json.loads(line) for line in listed.stdout.splitlines()]
    assert people == [
        {"name": "ana", "role": "admin", "api_tokens": 0,
         "last_sign_in": (now - timedelta(hours=1)).isoformat(timespec="seconds")},
        {"name": "olu", "role": "analyst", "api_tokens": 2, "last_sign_in": None}]
