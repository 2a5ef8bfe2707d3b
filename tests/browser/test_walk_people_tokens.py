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


def test_a_token_just_issued_has_the_focus(served, browser_page):
    """A keyboard or screen-reader user who pressed "New API token" in a row far down the
    page had been left at the top of the new one, the token (shown this once) somewhere
    below, unannounced: focus is on it, as on a refusal's reason."""
    sign_in(browser_page, served, "admin")
    browser_page.goto(f"{served}/console/people")
    row = browser_page.locator('tr[data-person="operator"]')
    row.locator("input[name=label]").fill("nightly report")
    row.locator("input[name=label]").press("Enter")
    browser_page.wait_for_selector("#issued-token")
    browser_page.wait_for_load_state("load")
    focused = browser_page.evaluate("document.activeElement.id")
    assert focused == "issued-token", focused
    browser_page.keyboard.press("Tab")  # on from the token: the page's next control
    assert browser_page.evaluate("document.activeElement.name") == "name"
