"""People page walk-through (API tokens with labels): what an admin met in Chromium."""

from __future__ import annotations

from datetime import UTC, datetime

from app.storage import users
from tests.browser.test_console_pages import sign_in


def _engine(console_app):  # noqa: ANN001, ANN202
    return console_app.extensions["holdwell"].store.engine


def test_a_long_token_label_wraps_and_keeps_the_controls_in_the_card(served, console_app,
                                                                    browser):
    """An 80-letter label (the most a label may be) with no space had widened the People
    table to 1,106 px inside a 614 px card at 1300 px: the person's forms were cut off."""
    users.issue_token(_engine(console_app), "operator", datetime.now(UTC), label="x" * 80)
    for width in (1300, 400):
        page = browser.new_context(viewport={"width": width, "height": 900}).new_page()
        sign_in(page, served, "admin")
        page.goto(f"{served}/console/people")
        table = page.locator("#people table")
        overflow = table.evaluate("t => t.scrollWidth - t.parentElement.clientWidth")
        assert overflow <= 1, f"at {width} px the table is {overflow} px wider than its card"
        page.context.close()
