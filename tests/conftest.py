"""Shared fixtures: a real database, the app, and a client that signs like Twilio."""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import pytest

from app import create_app
from app.clock import ManualClock
from app.signed_client import SignedClient
from app.storage.migrate import upgrade

AUTH_TOKEN = "test-auth-token-0123456789abcdef"
POSTGRES_URL = os.environ.get(
    "HOLDWELL_TEST_POSTGRES_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/test"
)


@pytest.fixture(scope="session")
def migrated_sqlite_file(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """One SQLite call log migrated to head per test process: each test copies it (0.2 ms)
    instead of running every migration again (0.1 s on a quiet box, 0.4–0.9 s on a loaded
    one; about 1,800 tests ask for it)."""
    path = tmp_path_factory.mktemp("migrated") / "holdwell.db"
    upgrade(f"sqlite:///{path}")
    return path


@pytest.fixture
def sqlite_url(tmp_path: Path, migrated_sqlite_file: Path) -> str:
    """A migrated SQLite file of this test's own: the same bytes a fresh upgrade writes."""
    path = tmp_path / "holdwell.db"
    shutil.copyfile(migrated_sqlite_file, path)
    return f"sqlite:///{path}"


@pytest.fixture
def clock() -> ManualClock:
    return ManualClock()


@pytest.fixture
def config_file(tmp_path: Path):
    """Write a TOML config and return its path."""

    def write(text: str) -> str:
        path = tmp_path / "holdwell.toml"
        path.write_text(text, encoding="utf-8")
        return str(path)

    return write


@pytest.fixture
def make_app(sqlite_url: str, clock: ManualClock, config_file, tmp_path: Path):
    def build(config: str = '[queues.support]\npolicy = "checkin"\n', **overrides):
        settings = {"auth_token": AUTH_TOKEN, "database_url": sqlite_url,
                    "config_path": config_file(config),
                    "journal_dir": str(tmp_path / "journal"),
                    # Generous: a loaded test machine must not turn a slow write into a
                    # journaled one; the fault tests set a tight budget of their own.
                    "db_budget_s": 5.0, **overrides}
        return create_app(settings, clock=clock)

    return build


@pytest.fixture
def app(make_app):
    return make_app()


@pytest.fixture
def twilio(app) -> SignedClient:
    """Speaks to the app the way Twilio does: form posts with a valid signature."""
    return SignedClient(app.test_client(), AUTH_TOKEN)


@pytest.fixture
def postgres_url():
    """A migrated PostgreSQL database of this test's own (see tests/support/postgres.py)."""
    from tests.support.postgres import PostgresUnavailable, fresh_database

    try:
        with fresh_database() as url:
            yield url
    except PostgresUnavailable as error:
        pytest.skip(str(error))


@pytest.fixture(params=["sqlite", "postgresql"])
def any_url(request, sqlite_url):
    """A migrated database of this test's own, once on SQLite and once on PostgreSQL."""
    return sqlite_url if request.param == "sqlite" else request.getfixturevalue("postgres_url")


SHARED_SCOPES = frozenset({"class", "module", "package"})


@pytest.hookimpl(tryfirst=True)
def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """A module whose tests share a module-, class- or package-scoped fixture runs on one
    xdist worker (the `loadgroup` distribution in pyproject's addopts): spread over both
    (worksteal), each worker had built the fixture itself, and the heavy ones (a
    customer-first emulated busy line, 40 s) were built twice. Tests without one are spread
    one at a time as workers free up (xdist's `load` for ungrouped tests)."""
    for item in items:
        info = getattr(item, "_fixtureinfo", None)
        defs = info.name2fixturedefs.values() if info is not None else ()
        if any(d.scope in SHARED_SCOPES for chain in defs for d in chain):
            item.add_marker(pytest.mark.xdist_group(item.nodeid.split("::", 1)[0]))
