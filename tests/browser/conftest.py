"""Console pages in Debian's Chromium, against the app served over real HTTP."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest
from flask import Flask
from werkzeug.serving import make_server

from tests.console.conftest import cheaper_scrypt, console_app  # noqa: F401
from tests.support.browser import browser, browser_page  # noqa: F401

SHOTS = Path(__file__).resolve().parents[2] / "out" / "console-screenshots"


@contextmanager
def serving(app: Flask) -> Iterator[str]:
    """`app` on 127.0.0.1 in a thread (werkzeug's server); yields its base URL."""
    app.config["HOLDWELL_WALLBOARD_REFRESH_S"] = 1
    app.extensions["holdwell_live_config"].check_every_s = 0.5
    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_port}"
    finally:
        server.shutdown()
        thread.join(5)


@pytest.fixture
def served(console_app) -> Iterator[str]:  # noqa: F811
    """The console app (one user per role) served over real HTTP; yields its base URL."""
    with serving(console_app) as url:
        yield url


@pytest.fixture
def shot(browser_page):  # noqa: F811
    """Save a full-page PNG under out/console-screenshots/ (kept as a test artefact)."""
    SHOTS.mkdir(parents=True, exist_ok=True)

    def take(name: str) -> Path:
        path = SHOTS / f"{name}.png"
        browser_page.screenshot(path=str(path), full_page=True)
        return path

    return take
