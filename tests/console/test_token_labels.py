"""API tokens carry a label and a last use, and are revoked one at a time: an admin could
revoke only every token of a person at once, so the wallboard's leaked token took the
nightly report's down with it, and nothing said which tokens were still in use."""

from __future__ import annotations

import html
import sqlite3
import time

import pytest
from click.testing import CliRunner
from sqlalchemy import create_engine, select

from app.storage import audit, users
from app.storage.console_schema import api_tokens
from app.storage.db import make_engine
from app.storage.migrate import upgrade
from cli.main import cli
from tests.console.conftest import Console, bearer

POLICY = "/api/v1/policies/support"


def _issued(answer) -> str:  # noqa: ANN001
    shown = answer.get_data(as_text=True)
    assert answer.status_code == 200, shown
    return shown.split("API token for", 1)[1].split("<code>", 1)[1].split("</code>", 1)[0]


def _page(console: Console) -> str:
    return html.unescape(console.get("/console/people").get_data(as_text=True))


def test_one_token_is_revoked_and_the_others_keep_working(console_app):
    admin, api = Console(console_app, "admin"), console_app.test_client()
    wallboard = _issued(admin.post("/console/people/token", {
        "name": "analyst", "tokens_seen": "0", "label": "  wallboard "}))
    report = _issued(admin.post("/console/people/token", {
        "name": "analyst", "tokens_seen": "1", "label": "nightly report"}))
    engine = console_app.extensions["holdwell"].store.engine
    listed = users.tokens_of(engine, "analyst")
    assert [token.label for token in listed] == ["wallboard", "nightly report"]
    row = _page(admin).split('data-person="analyst"', 1)[1].split("</tr>", 1)[0]
    assert f"#{listed[0].id} wallboard" in row and f"#{listed[1].id} nightly report" in row
    assert f"Revoke…<span class=\"visually-hidden\"> token #{listed[0].id} (wallboard) of analyst" \
        in row

    answer = admin.post("/console/people/revoke", {"name": "analyst", "confirm": "yes",
                                                   "token": str(listed[0].id)})
    assert answer.status_code == 303
    page = _page(admin)
    assert f"API token #{listed[0].id} (wallboard) of analyst revoked" in page
    assert api.get(POLICY, headers=bearer(wallboard)).status_code == 401
    assert api.get(POLICY, headers=bearer(report)).status_code == 200
    entry = audit.page(engine, kind="people").entries[0]
    assert (entry.action, entry.target) == ("token.revoke", "analyst")
    assert entry.detail == {"tokens": 1, "token": listed[0].id, "label": "wallboard"}


def test_a_token_id_not_of_that_person_is_refused_and_revokes_nothing(console_app, tokens):
    admin, api = Console(console_app, "admin"), console_app.test_client()
    engine = console_app.extensions["holdwell"].store.engine
    operators = users.tokens_of(engine, "operator")[0].id
    for asked in (str(operators), "999999", "x", "-1", "１"):
        answer = admin.post("/console/people/revoke", {"name": "analyst", "confirm": "yes",
                                                       "token": asked})
        assert answer.status_code == 303
        assert "Nothing revoked: analyst has no working API token #" in _page(admin)
    assert api.get(POLICY, headers=bearer(tokens["operator"])).status_code == 200
    assert api.get(POLICY, headers=bearer(tokens["analyst"])).status_code == 200


@pytest.mark.parametrize(("label", "says"), [
    ("line\nbreak", "may not hold control or invisible characters"),
    ("zero\u200bwidth", "may not hold control or invisible characters"),
    ("x" * 81, "is at most 80 characters (got 81)"),
])
def test_a_label_that_would_not_show_as_typed_is_refused(console_app, label, says):
    admin = Console(console_app, "admin")
    answer = admin.post("/console/people/token", {"name": "analyst", "tokens_seen": "0",
                                                  "label": label})
    assert answer.status_code == 303
    assert f"No token issued: a token's label {says}" in _page(admin).replace(
        "a token’s", "a token's")
    engine = console_app.extensions["holdwell"].store.engine
    assert users.tokens_of(engine, "analyst") == []


def test_a_use_is_noted_at_most_once_a_minute(any_url, clock, monkeypatch):
    monkeypatch.setattr(users, "PASSWORD_METHOD", "scrypt:1024:8:1")
    engine = make_engine(any_url)
    users.add_user(engine, "olu", "analyst", "a long passphrase", clock.now())
    token = users.issue_token(engine, "olu", clock.now(), label="wallboard")
    assert users.tokens_of(engine, "olu")[0].last_used_at is None
    assert users.user_for_token(engine, token).name == "olu"  # no clock: nothing noted
    assert users.tokens_of(engine, "olu")[0].last_used_at is None
    first = clock.advance(15)
    users.user_for_token(engine, token, first)
    assert users.tokens_of(engine, "olu")[0].last_used_at == first.replace(second=0)
    users.user_for_token(engine, token, clock.advance(40))  # 55 s past the minute: kept
    assert users.tokens_of(engine, "olu")[0].last_used_at == first.replace(second=0)
    later = clock.advance(30)
    users.user_for_token(engine, token, later)
    assert users.tokens_of(engine, "olu")[0].last_used_at == later.replace(second=0)


def test_a_locked_sqlite_file_skips_the_note_but_lets_the_token_in(sqlite_url, clock,
                                                                    monkeypatch):
    monkeypatch.setattr(users, "PASSWORD_METHOD", "scrypt:1024:8:1")
    engine = make_engine(sqlite_url)
    users.add_user(engine, "olu", "analyst", "a long passphrase", clock.now())
    token = users.issue_token(engine, "olu", clock.now())
    holder = sqlite3.connect(sqlite_url.removeprefix("sqlite:///"), isolation_level=None)
    holder.execute("BEGIN IMMEDIATE")  # another writer holds the file
    try:
        started = time.monotonic()
        assert users.user_for_token(engine, token, clock.advance(60)).name == "olu"
        assert time.monotonic() - started < users.LAST_USE_WAIT_S + 2
    finally:
        holder.execute("ROLLBACK")
        holder.close()
    assert users.tokens_of(engine, "olu")[0].last_used_at is None


def test_tokens_issued_before_labels_are_listed_unlabelled_and_keep_working(tmp_path, clock):
    url = f"sqlite:///{tmp_path / 'old.db'}"
    upgrade(url, "0023")
    engine = create_engine(url)
    with engine.begin() as conn:
        conn.exec_driver_sql(
            "INSERT INTO users (name, name_key, role, password_hash, created_at) "
            "VALUES ('olu', 'olu', 'analyst', 'x', '2026-12-01 09:00:00')")
        user_id = conn.exec_driver_sql("SELECT id FROM users").scalar_one()
        conn.exec_driver_sql(
            "INSERT INTO api_tokens (user_id, token_hash, created_at) VALUES (?, ?, ?)",
            (user_id, users.token_hash("hw_old"), "2026-12-01 09:00:00"))
    engine.dispose()
    upgrade(url)
    engine = make_engine(url)
    assert users.user_for_token(engine, "hw_old", clock.now()).name == "olu"
    listed = users.tokens_of(engine, "olu")
    assert [(token.label, token.last_used_at) for token in listed] == [
        ("unlabelled", clock.now().replace(second=0))]
    with engine.connect() as conn:
        assert conn.execute(select(api_tokens.c.label)).scalar_one() is None


def test_the_cli_labels_lists_and_revokes_one_token(sqlite_url, monkeypatch, clock):
    monkeypatch.setenv("DATABASE_URL", sqlite_url)
    monkeypatch.setattr(users, "PASSWORD_METHOD", "scrypt:1024:8:1")
    engine = make_engine(sqlite_url)
    users.add_user(engine, "olu", "analyst", "a long passphrase", clock.now())
    runner = CliRunner()
    made = runner.invoke(cli, ["users", "token", "olu", "--label", "wallboard"])
    assert made.exit_code == 0, made.output
    kept = runner.invoke(cli, ["users", "token", "olu"]).stdout.strip()
    first, second = (token.id for token in users.tokens_of(engine, "olu"))
    table = runner.invoke(cli, ["users", "tokens", "olu"]).stdout.splitlines()
    assert table[0].split("  ")[0] == "id" and "last used (UTC)" in table[0]
    assert table[1].split()[:2] == [str(first), "wallboard"]
    assert table[1].endswith("not seen") and table[2].split()[:2] == [str(second), "unlabelled"]
    revoked = runner.invoke(cli, ["users", "revoke", "olu", "--token", str(first)])
    assert revoked.exit_code == 0, revoked.output
    assert f"API token #{first} (wallboard) of olu revoked" in revoked.stdout
    assert users.user_for_token(engine, made.stdout.strip()) is None
    assert users.user_for_token(engine, kept).name == "olu"
    again = runner.invoke(cli, ["users", "revoke", "olu", "--token", str(first)])
    assert again.exit_code == 1 and f"olu has no working API token #{first}" in again.output
    listed = runner.invoke(cli, ["users", "tokens", "olu", "--json"]).stdout.splitlines()
    assert len(listed) == 1 and f'"id": {second}' in listed[0] and '"last_used": null' in \
        listed[0]
    nobody = runner.invoke(cli, ["users", "tokens", "nobody"])
    assert nobody.exit_code == 1 and "no user named 'nobody'" in nobody.output


def test_a_token_id_past_any_column_is_refused_as_no_token(sqlite_url, monkeypatch, clock):
    monkeypatch.setenv("DATABASE_URL", sqlite_url)
    monkeypatch.setattr(users, "PASSWORD_METHOD", "scrypt:1024:8:1")
    users.add_user(make_engine(sqlite_url), "olu", "analyst", "a long passphrase", clock.now())
    huge = "9" * 23  # SQLite's driver had raised OverflowError: 'unexpected error'
    refused = CliRunner().invoke(cli, ["users", "revoke", "olu", "--token", huge])
    assert refused.exit_code == 1 and f"olu has no working API token #{huge}" in \
        refused.output, refused.output


def test_a_database_that_refuses_the_note_still_lets_the_token_in(sqlite_url, clock,
                                                                   monkeypatch):
    """A read-only PostgreSQL transaction refuses the UPDATE with an InternalError, a role
    without UPDATE with a ProgrammingError: only a locked file (OperationalError) had been
    skipped, and the others turned a valid token away with a 500 (review)."""
    from sqlalchemy.exc import InternalError, ProgrammingError

    monkeypatch.setattr(users, "PASSWORD_METHOD", "scrypt:1024:8:1")
    engine = make_engine(sqlite_url)
    users.add_user(engine, "olu", "analyst", "a long passphrase", clock.now())
    token = users.issue_token(engine, "olu", clock.now())
    for refusal in (InternalError, ProgrammingError):
        def refuse(*_args, refusal=refusal, **_kwargs):
            raise refusal("UPDATE api_tokens", {}, Exception("read-only transaction"))
        monkeypatch.setattr(users, "begin_write", refuse)
        assert users.user_for_token(engine, token, clock.advance(120)).name == "olu"
    assert users.tokens_of(engine, "olu")[0].last_used_at is None
