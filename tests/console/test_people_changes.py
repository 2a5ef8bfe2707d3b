"""Someone leaves or changes job: `users remove` and `users role` act at once on their
sessions and tokens. There had been no way to do either: a departed operator's account
could only be given a random password."""

from __future__ import annotations

from click.testing import CliRunner
from sqlalchemy import select

from app.storage import audit
from app.storage import users as people
from app.storage.console_schema import api_tokens, console_sessions
from cli.console_commands import ROLE
from cli.main import cli
from tests.console.conftest import PASSWORD, Console, bearer

POLICY = "/api/v1/policies/support"


def _cli(console_app, monkeypatch, *args: str):
    monkeypatch.setenv("DATABASE_URL", console_app.extensions["holdwell"].settings.database_url)
    return CliRunner().invoke(cli, ["users", *args])


def _change_policy(client_or_console, headers=None):  # noqa: ANN001
    body = {"settings": {"policy": "silence"}, "note": "t"}
    if isinstance(client_or_console, Console):
        return client_or_console.api("PATCH", POLICY, json=body)
    return client_or_console.patch(POLICY, json=body, headers=headers)


def test_a_new_role_holds_from_the_next_request_signed_in_or_by_token(console_app, tokens,
                                                                       monkeypatch):
    operator = Console(console_app, "operator")
    assert _change_policy(operator).status_code == 200
    changed = _cli(console_app, monkeypatch, "role", "operator", "analyst")
    assert changed.exit_code == 0 and "operator: operator -> analyst" in changed.output
    assert _change_policy(operator).status_code == 403
    api = console_app.test_client()
    assert _change_policy(api, bearer(tokens["operator"])).status_code == 403
    assert api.get(POLICY, headers=bearer(tokens["operator"])).status_code == 200
    again = _cli(console_app, monkeypatch, "role", "operator", "analyst")
    assert again.exit_code == 0 and "already analyst" in again.output
    engine = console_app.extensions["holdwell"].store.engine
    entry = next(e for e in audit.page(engine, kind="people").entries
                 if e.action == "user.role")
    assert (entry.actor, entry.target) == ("cli", "operator")
    assert "analyst" in str(entry.detail)
    assert _cli(console_app, monkeypatch, "role", "nobody", "admin").exit_code == 1
    assert _cli(console_app, monkeypatch, "role", "analyst", "boss").exit_code == 2


def test_a_removed_user_is_out_at_once_everywhere_and_the_log_keeps_them(console_app, tokens,
                                                                          monkeypatch, clock):
    engine = console_app.extensions["holdwell"].store.engine
    gone = next(user.id for user in people.all_users(engine) if user.name == "operator")
    operator = Console(console_app, "operator")
    assert operator.get("/console/").status_code == 200
    removed = _cli(console_app, monkeypatch, "remove", "operator")
    assert removed.exit_code == 0, removed.output
    assert "1 API token(s) revoked" in removed.output
    assert operator.get("/console/").status_code == 401
    api = console_app.test_client()
    assert api.get(POLICY, headers=bearer(tokens["operator"])).status_code == 401
    assert api.get(POLICY, headers=bearer(tokens["admin"])).status_code == 200  # others stay
    assert people.authenticate(engine, "operator", PASSWORD) is None
    with engine.connect() as conn:  # nothing of theirs is left to come back with
        owners = set(conn.execute(select(api_tokens.c.user_id)).scalars())
        sessions = set(conn.execute(select(console_sessions.c.user_id)).scalars())
    assert gone not in owners | sessions and len(owners) == 2
    entry = audit.page(engine, kind="people").entries[0]
    assert (entry.action, entry.target, entry.detail) == (
        "user.remove", "operator", {"role": "operator", "tokens": 1})
    assert "operator" not in {user.name for user in people.all_users(engine)}
    assert _cli(console_app, monkeypatch, "remove", "operator").exit_code == 1
    again = people.add_user(engine, "operator", "analyst", PASSWORD, clock.now())
    assert again.id != gone  # the name is free again, for a new account


def test_removing_the_last_admin_says_how_to_add_one(console_app, monkeypatch):
    removed = _cli(console_app, monkeypatch, "remove", "admin")
    assert removed.exit_code == 0
    assert "no admin is left" in removed.output


def test_the_cli_offers_the_roles_the_database_knows():
    assert tuple(ROLE.choices) == people.ROLES


def test_demoting_the_last_admin_warns_and_a_same_role_change_is_not_audited(console_app,
                                                                            monkeypatch):
    engine = console_app.extensions["holdwell"].store.engine
    before = len(audit.page(engine, kind="people").entries)
    same = _cli(console_app, monkeypatch, "role", "admin", "admin")
    assert same.exit_code == 0 and "already admin" in same.output
    assert "no admin is left" not in same.output
    assert len(audit.page(engine, kind="people").entries) == before  # nothing happened
    demoted = _cli(console_app, monkeypatch, "role", "admin", "analyst")
    assert demoted.exit_code == 0 and "admin -> analyst" in demoted.output
    assert "no admin is left" in demoted.output
    assert "users role NAME admin" in demoted.output
