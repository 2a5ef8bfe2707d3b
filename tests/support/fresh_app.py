"""A whole app on its own SQLite file and clock, for property tests that need one per example
(hypothesis runs many examples in one test function, so function fixtures cannot serve)."""

from __future__ import annotations

import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from flask import Flask

from app import create_app
from app.clock import ManualClock
from app.storage.migrate import upgrade
from tests.conftest import AUTH_TOKEN


@contextmanager
def fresh_app(config: str) -> Iterator[tuple[Flask, ManualClock]]:
    with tempfile.TemporaryDirectory() as folder:
        url = f"sqlite:///{Path(folder) / 'holdwell.db'}"
        upgrade(url)
        path = Path(folder) / "holdwell.toml"
        path.write_text(config)
        clock = ManualClock()
        app = create_app({"auth_token": AUTH_TOKEN, "database_url": url,
                          "config_path": str(path), "journal_dir": str(Path(folder) / "j"),
                          "db_budget_s": 5.0}, clock=clock)
        try:
            yield app, clock
        finally:
            app.extensions["holdwell"].store.engine.dispose()
