"""A link opened while signed out comes back whole after signing in: its query too."""

from __future__ import annotations

import html
import re

import pytest

from tests.console.conftest import PASSWORD, Console

SHARED = "/console/unserved?start=2026-12-05T00:00&end=2026-12-05T12:00"


def _next_of(page: bytes) -> str:
    return html.unescape(re.search(r'name="next" value="([^"]*)"', page.decode()).group(1))


@pytest.mark.parametrize("link", [SHARED, "/console/versions?show=2",
                                  "/console/preview?queue=sales&position=7"])
def test_signing_in_from_a_shared_link_opens_that_link_with_its_query(console_app, link):
    """`next` had been the path alone: the analyst landed on the default period (or the
    active version, the first queue) with nothing saying so (console audit 34, D5)."""
    visitor = Console(console_app, None)
    asked = visitor.get(link)
    assert asked.status_code == 401 and _next_of(asked.data) == link
    signed_in = visitor.post("/console/login", {"name": "analyst", "password": PASSWORD,
                                                "next": _next_of(asked.data)})
    assert signed_in.headers["Location"] == link


def test_a_form_posted_after_its_session_ended_returns_to_its_page_with_the_query(
        console_app):
    visitor = Console(console_app, None)
    page = visitor.post("/console/callbacks/1/cancel", {"reason": "asked"},
                        headers={"Referer": f"http://localhost{SHARED}"})
    assert page.status_code == 401 and _next_of(page.data) == SHARED


def test_a_link_elsewhere_in_next_still_goes_to_the_wallboard(console_app):
    visitor = Console(console_app, None)
    away = visitor.post("/console/login", {"name": "analyst", "password": PASSWORD,
                                           "next": "//evil.example/console/?a=1"})
    assert away.headers["Location"] == "/console/"
