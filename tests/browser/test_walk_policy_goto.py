"""Policy form walk-through: a refused save's "Go to" links (console walk-through)."""

from __future__ import annotations

from tests.browser.test_console_pages import sign_in


def test_a_go_to_link_shows_the_box_with_its_label(served, browser_page):
    """Following "Go to: callback.interval_s" scrolled the box to the window's very top:
    its label ("interval s", and which fieldset) was above the window, only "-3" in view."""
    sign_in(browser_page, served, "operator")
    browser_page.goto(f"{served}/console/policies/support")
    browser_page.evaluate("document.querySelector('form[data-draft]').noValidate = true")
    browser_page.fill("input[name='max_size']", "-1")
    browser_page.fill("input[name='callback.interval_s']", "-3")
    browser_page.click("button:has-text('Save as a new version')")
    browser_page.wait_for_selector("#problems")
    for name in ("max_size", "callback.interval_s"):
        browser_page.click(f"#problems a:has-text('{name}')")
        label = browser_page.locator(f"label:has([name='{name}'])")
        top = label.evaluate("l => l.getBoundingClientRect().top")
        assert top >= 0, f"{name}'s label is {-top:.0f} px above the window"
        assert browser_page.evaluate("document.activeElement.name") == name
