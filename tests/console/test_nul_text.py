"""A NUL character, which PostgreSQL's text refuses, is a 4xx naming the field, never a 500."""

from __future__ import annotations

import pytest

from app.storage import config_versions, users
from tests.console.conftest import CONFIG, PASSWORD, Console, bearer
from tests.support.postgres import fresh_postgres_url  # noqa: F401 - fixture


@pytest.fixture
def pg_app(fresh_postgres_url, make_app, clock):  # noqa: F811
    app = make_app(CONFIG, database_url=fresh_postgres_url)
    engine = app.extensions["holdwell"].store.engine
    for role in ("operator", "analyst"):
        users.add_user(engine, role, role, PASSWORD, clock.now())
    return app


@pytest.mark.parametrize(("method", "path", "body"), [
    ("PUT", "/api/v1/policies/sales", {"settings": {"policy": "checkin"}, "note": "a\u0000b"}),
    ("POST", "/api/v1/config/rollback", {"version": 1, "note": "x\u0000"}),
    ("PUT", "/api/v1/experiments/sales", {"arms": {"silence": 1, "checkin": 1},
                                          "note": "n\u0000"}),
])
def test_the_api_names_a_note_holding_a_nul(pg_app, clock, method, path, body):
    token = users.issue_token(pg_app.extensions["holdwell"].store.engine, "operator",
                              clock.now())
    response = pg_app.test_client().open(path, method=method, json=body,
                                         headers=bearer(token))
    assert response.status_code == 422
    assert "NUL" in response.get_json()["fields"]["note"]


def test_a_callback_id_holding_a_nul_is_not_found(pg_app, clock):
    token = users.issue_token(pg_app.extensions["holdwell"].store.engine, "operator",
                              clock.now())
    response = pg_app.test_client().post("/api/v1/callbacks/CA%00x/cancel",
                                         json={"reason": "because"}, headers=bearer(token))
    assert response.status_code == 404


def test_a_sign_in_name_holding_a_nul_is_refused_by_name(pg_app):
    response = Console(pg_app, None).post("/console/login", {"name": "oper\u0000ator",
                                                             "password": "wrong password"})
    assert response.status_code == 400
    assert "name: must not contain a NUL" in response.get_data(as_text=True)


def test_a_policy_note_holding_a_nul_is_refused_by_name(pg_app):
    operator = Console(pg_app, "operator")
    saved = operator.post("/console/policies/sales", {"policy": "silence", "note": "x\u0000y"})
    assert saved.status_code == 422
    assert "note: must not contain a NUL" in saved.get_data(as_text=True)


def test_a_roll_back_note_holding_a_nul_is_refused_by_name(pg_app):
    operator = Console(pg_app, "operator")
    rolled = operator.post("/console/versions/rollback", {"version": "1", "note": "x\u0000"},
                           follow_redirects=True)
    assert rolled.status_code == 200
    assert "note: must not contain a NUL" in rolled.get_data(as_text=True)
    assert config_versions.get(pg_app.extensions["holdwell"].store.engine).number == 1
