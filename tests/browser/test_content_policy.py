"""Every console page works under its Content-Security-Policy (our own scripts only, never
framed): Chromium reports no blocked script, style or request on any of them, and a page
that frames the console gets nothing."""

from __future__ import annotations

import pytest

from tests.browser.test_console_pages import sign_in

PAGES = ["/console/", "/console/policies", "/console/policies/support", "/console/versions",
         "/console/callbacks", "/console/experiments", "/console/unserved", "/console/twin",
         "/console/preview?queue=support&position=3", "/console/people", "/console/nope"]


@pytest.mark.parametrize("path", PAGES)
def test_no_page_breaks_its_own_content_policy(served, browser_page, path):
    blocked: list[str] = []
    browser_page.on("console", lambda message: blocked.append(message.text)
                    if "Content Security Policy" in message.text else None)
    sign_in(browser_page, served, "admin")
    browser_page.goto(f"{served}{path}")
    browser_page.wait_for_load_state("networkidle")
    assert blocked == []


def test_a_page_that_frames_the_console_shows_nothing_of_it(served, browser_page):
    sign_in(browser_page, served, "admin")
    browser_page.set_content(f'<iframe id="f" src="{served}/console/"></iframe>')
    browser_page.wait_for_timeout(1000)
    frame = browser_page.frame_locator("#f")
    headings = frame.locator("h1").all_inner_texts()
    assert not any("Sign in" in h or "Wallboard" in h for h in headings), headings


def test_pages_name_their_own_icon_so_no_request_goes_unanswered(served, browser_page):
    """Without an icon of its own a browser asked /favicon.ico and got a 404 on every page."""
    sign_in(browser_page, served, "admin")  # (its first page is the 401 sign-in form)
    failed: list[str] = []
    browser_page.on("response", lambda r: failed.append(r.url) if r.status >= 400 else None)
    browser_page.goto(f"{served}/console/")
    browser_page.wait_for_load_state("networkidle")
    icon = browser_page.get_attribute("link[rel=icon]", "href")
    assert icon and browser_page.request.get(f"{served}{icon}").ok
    assert failed == []
