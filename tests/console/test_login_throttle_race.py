"""Parallel wrong passwords for one name: at most the throttle's limit are checked, on SQLite
and on PostgreSQL, however the requests interleave."""

from __future__ import annotations

import threading
from collections import Counter
from concurrent.futures import ThreadPoolExecutor

import pytest

from app.auth.throttle import MAX_FAILURES
from app.storage import users
from tests.console.conftest import CONFIG, PASSWORD, Console
from tests.support.postgres import fresh_postgres_url  # noqa: F401 - fixture

ATTEMPTS = 12


def hold_checks_until_all_arrive(monkeypatch, expected: int) -> list[str]:
    """Every password check waits (up to a second) until `expected` have begun: the worst
    interleaving, where no attempt's result is known before the others are admitted."""
    checked: list[str] = []
    arrived = threading.Condition()
    check = users.check_password

    def gated(engine, name: str, password: str):  # noqa: ANN001, ANN202
        with arrived:
            checked.append(name)
            arrived.notify_all()
            arrived.wait_for(lambda: len(checked) >= expected, timeout=1.0)
        return check(engine, name, password)

    monkeypatch.setattr(users, "check_password", gated)
    return checked


@pytest.mark.parametrize("database", ["sqlite", "postgresql"])
def test_parallel_wrong_passwords_are_checked_at_most_the_limit(database, request, make_app,
                                                                clock, monkeypatch):
    url = request.getfixturevalue("sqlite_url" if database == "sqlite"
                                  else "fresh_postgres_url")
    app = make_app(CONFIG, database_url=url)
    users.add_user(app.extensions["holdwell"].store.engine, "admin", "admin", PASSWORD,
                   clock.now())
    visitors = [Console(app, None) for _ in range(ATTEMPTS)]
    checked = hold_checks_until_all_arrive(monkeypatch, ATTEMPTS)

    def guess(visitor: Console) -> int:
        return visitor.post("/console/login", {"name": "admin",
                                               "password": "a wrong guess"}).status_code

    with ThreadPoolExecutor(ATTEMPTS) as pool:
        statuses = Counter(pool.map(guess, visitors))
    assert len(checked) <= MAX_FAILURES
    assert statuses == {401: len(checked), 429: ATTEMPTS - len(checked)}
