"""The OpenAPI document names the roles that may call each operation (admin, operator,
analyst: those `holdwell users add --role` gives). It had said "Role: view" or "Role:
operate", names of internal permissions that no user has, so a script author reading only
the document could not tell whether an analyst's token would do."""

from __future__ import annotations

import pytest

from app.storage import users


@pytest.fixture
def client(make_app, clock, monkeypatch):
    monkeypatch.setattr(users, "PASSWORD_METHOD", "scrypt:1024:8:1")
    app = make_app()
    engine = app.extensions["holdwell"].store.engine
    tokens = {}
    for role in users.ROLES:
        users.add_user(engine, f"{role}1", role, "a long passphrase", clock.now())
        tokens[role] = users.issue_token(engine, f"{role}1", clock.now())
    return app.test_client(), tokens


def test_each_operation_names_the_roles_the_api_lets_in(client):
    http, tokens = client
    paths = http.get("/api/v1/openapi.json").get_json()["paths"]
    said = {(method, path): operation for path, methods in paths.items()
            for method, operation in methods.items()}
    for (method, path), roles, refused in [
            (("get", "/api/v1/audit"), ["admin"], "operator and analyst get 403"),
            (("get", "/api/v1/queues"), ["admin", "operator", "analyst"], None),
            (("post", "/api/v1/config/rollback"), ["admin", "operator"], "analyst get 403")]:
        operation = said[(method, path)]
        assert operation["x-roles"] == roles
        assert operation["description"].startswith(f"Roles: {', '.join(roles)}")
        assert (refused in operation["description"]) if refused else (
            "403" not in operation["description"])
    for operation in said.values():
        assert set(operation["x-roles"]) <= set(users.ROLES)
        assert "view" not in operation["description"]
        assert "operate" not in operation["description"]
    # and the API does as the document says
    for role in users.ROLES:
        got = http.get("/api/v1/audit", headers={"Authorization": f"Bearer {tokens[role]}"})
        assert (got.status_code == 200) == (role in said[("get", "/api/v1/audit")]["x-roles"])
        got = http.post("/api/v1/config/rollback", json={"version": 1},
                        headers={"Authorization": f"Bearer {tokens[role]}"})
        assert (got.status_code != 403) == (
            role in said[("post", "/api/v1/config/rollback")]["x-roles"])
