"""A roll-back in Chromium to settings with a knob that does nothing says so under its own
message, as a save does (config_changes.Saved.warnings)."""

from __future__ import annotations

from tests.browser.test_console_pages import sign_in


def test_rolling_back_to_an_ineffective_knob_warns_in_the_page(served, browser_page, shot):
    sign_in(browser_page, served, "operator")
    browser_page.goto(f"{served}/console/policies/support")
    browser_page.select_option("select[name=policy]", "callback")
    browser_page.fill("input[name='checkin.interval_s']", "90")
    browser_page.click("button:has-text('Save as a new version')")
    browser_page.wait_for_selector("text=Warning: queues.support.checkin.interval_s = 90")
    browser_page.goto(f"{served}/console/policies/support")
    browser_page.select_option("select[name=policy]", "checkin")
    browser_page.click("button:has-text('Save as a new version')")
    browser_page.wait_for_selector("text=Saved as config version 3")
    browser_page.goto(f"{served}/console/versions/2/rollback")
    browser_page.click("button:has-text('Roll back to version 2')")
    browser_page.wait_for_selector("text=Version 2 is active again, as version 4")
    warning = browser_page.locator(".flash.warning", has_text="checkin.interval_s = 90")
    assert warning.count() == 1 and "has no effect" in warning.inner_text()
    assert browser_page.locator(".flash.error").count() == 0  # saved: not a refusal's red
    shot("rollback-warning")
