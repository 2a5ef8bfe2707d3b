"""Saving an untouched policy form in Chromium adds no version and says so."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from tests.browser.conftest import serving
from tests.browser.test_console_pages import sign_in
from tests.console.test_multi_line_text import multi_line_app  # noqa: F401


def test_saving_an_untouched_policy_form_adds_no_version(served, browser_page):
    sign_in(browser_page, served, "operator")
    browser_page.goto(f"{served}/console/policies/support")
    browser_page.click("button:has-text('Save as a new version')")
    browser_page.wait_for_selector("text=No change: support already runs these settings")
    browser_page.goto(f"{served}/console/versions")
    assert browser_page.locator("tbody tr").count() == 1  # the seed alone


@pytest.fixture
def multi_line_served(multi_line_app) -> Iterator[str]:  # noqa: F811
    with serving(multi_line_app) as url:
        yield url


def test_saving_an_untouched_form_keeps_text_with_line_breaks(multi_line_served,
                                                                browser_page):
    """Prompts and hints with line breaks (one leading) round-trip through Chromium's form
    unchanged: before, the save made a new version and restarted the running split."""
    sign_in(browser_page, multi_line_served, "operator")
    browser_page.goto(f"{multi_line_served}/console/policies/support")
    assert browser_page.input_value("[name='prompts.welcome']") == "\nThanks for calling."
    assert browser_page.input_value("[name='checkin.reason_hints']") == "billing,\nrefund"
    browser_page.click("button:has-text('Save as a new version')")
    browser_page.wait_for_selector("text=No change: support already runs these settings")
