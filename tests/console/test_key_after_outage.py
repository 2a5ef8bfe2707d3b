"""Workers started while the database was away share one session key once it answers.

Each used to sign with a key of its own for good: a sign-in on one worker was a 401 on the
next, until every worker was restarted.
"""

from __future__ import annotations

from app.console import setup
from app.storage import users
from app.storage.migrate import upgrade
from tests.console.conftest import CONFIG, PASSWORD, Console


def test_workers_started_without_the_database_take_the_shared_key_when_it_answers(
        make_app, clock, tmp_path, monkeypatch):
    monkeypatch.setattr(setup, "KEY_RETRY_S", 0.0)
    folder = tmp_path / "later"
    url = f"sqlite:///{folder / 'holdwell.db'}"
    first, second = (make_app(CONFIG, database_url=url, db_budget_s=0.5) for _ in range(2))
    waiting = first.test_client().get("/console/login")
    assert waiting.status_code == 503 and b"waits for the database" in waiting.data
    folder.mkdir()  # the database comes back
    upgrade(url)
    users.add_user(first.extensions["holdwell"].store.engine, "ana", "admin", PASSWORD,
                   clock.now())
    signed_in = Console(first, "ana")  # on the first worker ...
    second_client = second.test_client()
    for cookie in signed_in.client._cookies.values():  # ... and the next request on the other
        second_client.set_cookie(cookie.key, cookie.value, domain=cookie.domain)
    assert second_client.get("/console/").status_code == 200
    assert first.secret_key == second.secret_key
