"""A version's diff, asked for from the versions list, opens where the reader is: on the
page of the list they were reading, and scrolled to the diff."""

from __future__ import annotations

import re

from app.storage import config_versions
from tests.browser.test_console_pages import sign_in


def test_a_diff_asked_for_on_an_older_page_keeps_that_page_and_shows_the_diff(
        served, browser_page, console_app):
    """The diff link dropped `before`: on the second page of versions it reloaded the
    newest hundred, the row clicked gone from the list, and the diff sat below a hundred
    rows with the window left at the top, so the click seemed to do nothing."""
    engine = console_app.extensions["holdwell"].store.engine
    first = config_versions.get(engine)
    config = first.config()
    for n in range(2, 131):
        config_versions.add(engine, config.model_copy(update={"queues": {
            **config.queues, "support": config.queues["support"].model_copy(
                update={"max_size": n})}}), author="test", note=f"v{n}",
            now=first.created_at)
    page = browser_page
    sign_in(page, served, "analyst")
    page.goto(f"{served}/console/versions?before=31")
    diff_link = page.locator("a", has_text=re.compile(r"^diff: changes in version 12$"))
    diff_link.click()
    page.wait_for_load_state("load")
    assert "before=31" in page.url
    assert diff_link.count() == 1  # the row clicked is still in the list
    diff = page.get_by_role("region", name="Changes from version 11 to version 12")
    assert "max_size = 12" in diff.inner_text()
    assert diff.is_visible() and page.evaluate(
        "document.getElementById('shown-version').getBoundingClientRect().top") < 900
