"""Console fixtures: an app with one user per role, and clients signed in as each."""

from __future__ import annotations

import re

import pytest

from app.signed_client import SignedClient
from app.storage import users
from tests.conftest import AUTH_TOKEN

PASSWORD = "correct horse battery"
CONFIG = """
[line]
support_number = "+14155550000"
[queues.support]
policy = "callback"
[queues.support.callback]
offer_without_estimate_after_s = 0
[queues.sales]
policy = "checkin"
"""


@pytest.fixture(autouse=True)
def cheaper_scrypt(monkeypatch):
    """Real scrypt with a smaller work factor: the suite signs in hundreds of times."""
    monkeypatch.setattr(users, "PASSWORD_METHOD", "scrypt:1024:8:1")


@pytest.fixture
def console_app(make_app, clock):
    app = make_app(CONFIG)
    engine = app.extensions["holdwell"].store.engine
    for role in users.ROLES:
        users.add_user(engine, role, role, PASSWORD, clock.now())
    return app


def csrf_of(html: bytes) -> str:
    return re.search(rb'name="csrf-token" content="([^"]+)"', html).group(1).decode()


class Console:
    """A browser-like client: signs in through the form and sends the CSRF token."""

    def __init__(self, app, name: str | None) -> None:
        self.client = app.test_client()
        self.csrf = csrf_of(self.client.get("/console/login").data)
        if name:
            response = self.post("/console/login", {"name": name, "password": PASSWORD})
            assert response.status_code == 302, response.data
            self.csrf = csrf_of(self.client.get("/console/").data)

    def get(self, path: str, **kwargs):
        return self.client.get(path, **kwargs)

    def post(self, path: str, data: dict | None = None, **kwargs):
        return self.client.post(path, data={"csrf_token": self.csrf, **(data or {})}, **kwargs)

    def api(self, method: str, path: str, json=None):  # noqa: ANN001
        return self.client.open(path, method=method, json=json,
                                headers={"X-CSRFToken": self.csrf})


@pytest.fixture
def as_role(console_app):
    return lambda role: Console(console_app, role)


@pytest.fixture
def three_versions(as_role):  # noqa: ANN201
    """An operator's console where version 3 runs version 1's settings again (support:
    callback, then silence, then callback) and version 2's differ."""
    operator = as_role("operator")
    operator.post("/console/policies/support", {"policy": "silence", "note": "quiet"})
    operator.post("/console/policies/support", {"policy": "callback", "note": "back"})
    return operator


@pytest.fixture
def tokens(console_app, clock):
    engine = console_app.extensions["holdwell"].store.engine
    return {role: users.issue_token(engine, role, clock.now()) for role in users.ROLES}


def bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


@pytest.fixture
def twilio_console(console_app) -> SignedClient:
    return SignedClient(console_app.test_client(), AUTH_TOKEN)


@pytest.fixture(scope="module")
def log():
    """The Twin's known call log (tests/console/twin_seed.py), built once a module."""
    from tests.console.twin_seed import known_log

    return known_log()


@pytest.fixture
def seeded(console_app, log):
    """The console app with the known log in its database."""
    from tests.console.twin_seed import seed_log

    seed_log(console_app.extensions["holdwell"].settings.database_url, log)
    return console_app
