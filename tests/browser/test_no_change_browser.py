"""Saving an untouched policy form in Chromium adds no version and says so."""

from __future__ import annotations

from tests.browser.test_console_pages import sign_in


def test_saving_an_untouched_policy_form_adds_no_version(served, browser_page):
    sign_in(browser_page, served, "operator")
    browser_page.goto(f"{served}/console/policies/support")
    browser_page.click("button:has-text('Save as a new version')")
    browser_page.wait_for_selector("text=No change: support already runs these settings")
    browser_page.goto(f"{served}/console/versions")
    assert browser_page.locator("tbody tr").count() == 1  # the seed alone
