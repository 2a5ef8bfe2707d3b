"""A headless Chromium for page tests: Debian's `chromium` driven by Playwright, never a
downloaded browser. Tests that use `browser_page` skip, saying why, when either is missing.

Use from a conftest: `from tests.support.browser import browser, browser_page  # noqa: F401`.
"""

from __future__ import annotations

import os
import shutil
from collections.abc import Iterator

import pytest

CHROMIUM_NAMES = ("chromium", "chromium-browser")


def chromium_path() -> str | None:
    """$HOLDWELL_CHROMIUM, else the first chromium on PATH (Debian: /usr/bin/chromium)."""
    explicit = os.environ.get("HOLDWELL_CHROMIUM")
    if explicit:
        return explicit if os.path.exists(explicit) else None
    return next((p for p in map(shutil.which, CHROMIUM_NAMES) if p), None)


_RUNNING: dict[str, object] = {}
"""The one Playwright and Chromium of this process: each module that imports `browser` gets its
own session fixture, and a second sync Playwright in one process refuses to start."""


@pytest.fixture(scope="session")
def browser() -> Iterator[object]:
    """One headless Chromium for the session (launching costs about a second)."""
    if "browser" in _RUNNING:  # another module's `browser` fixture launched it already
        yield _RUNNING["browser"]
        return
    path = chromium_path()
    if path is None:
        pytest.skip("chromium not installed (apt-get install chromium); page test skipped")
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        pytest.skip("playwright not installed (pip install -e '.[test]'); page test skipped")
    playwright = sync_playwright().start()
    launched = playwright.chromium.launch(
        executable_path=path, headless=True, args=["--no-sandbox", "--disable-gpu"]
    )
    _RUNNING.update(browser=launched)
    try:
        yield launched
    finally:
        _RUNNING.clear()
        launched.close()
        playwright.stop()


@pytest.fixture
def browser_page(browser) -> Iterator[object]:  # noqa: ANN001
    """A fresh page, 1280 × 900 CSS pixels, closed after the test."""
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    page = context.new_page()
    try:
        yield page
    finally:
        context.close()
