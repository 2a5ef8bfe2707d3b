"""The wallboard never freezes silently: a failed, erroring or hung refresh shows since when
the numbers are old and keeps retrying; recovery clears the banner. Without JavaScript the
page does not claim to refresh every few seconds (it reloads itself instead)."""

from __future__ import annotations

from tests.browser.test_console_pages import sign_in

FRAGMENT = "**/wallboard/fragment"


def banner_text(page) -> str:  # noqa: ANN001
    page.wait_for_selector("#stale:not([hidden])", timeout=8000)
    return page.inner_text("#stale")


def recovers(page) -> None:  # noqa: ANN001
    page.wait_for_selector("#stale[hidden]", state="attached", timeout=8000)
    page.wait_for_function("!document.getElementById('wallboard').dataset.stale", timeout=8000)


def test_an_http_error_shows_since_when_and_recovery_clears_it(served, browser_page):
    sign_in(browser_page, served, "analyst")
    shown = browser_page.get_attribute(".asof", "data-as-of")
    browser_page.route(FRAGMENT, lambda route: route.fulfill(status=500, body="boom"))
    text = banner_text(browser_page)
    assert shown.endswith(" UTC")  # the test line keeps no one clock: UTC, named
    assert f"Not updated since {shown} (" in text and "500" in text and "retrying" in text
    assert browser_page.get_attribute("#wallboard", "data-stale") == "yes"
    browser_page.unroute(FRAGMENT)
    recovers(browser_page)


def test_a_network_error_shows_the_banner_too(served, browser_page):
    sign_in(browser_page, served, "analyst")
    browser_page.route(FRAGMENT, lambda route: route.abort())
    assert "could not be reached" in banner_text(browser_page)
    browser_page.unroute(FRAGMENT)
    recovers(browser_page)


def test_a_hung_refresh_times_out_and_refreshing_goes_on(served, browser_page):
    sign_in(browser_page, served, "analyst")
    hung = []
    browser_page.route(FRAGMENT, lambda route: hung.append(route))  # never answered
    assert "no answer within" in banner_text(browser_page)
    browser_page.wait_for_timeout(3500)  # a timed-out round is followed by another
    assert len(hung) >= 2
    browser_page.unroute(FRAGMENT)
    recovers(browser_page)


def test_without_javascript_the_page_does_not_claim_to_refresh(served, browser):
    context = browser.new_context(java_script_enabled=False)
    page = context.new_page()
    try:
        sign_in(page, served, "analyst")
        hint = page.inner_text("main p.hint")
        assert "Refreshes every" not in hint
        assert "reloads itself every 30 s" in hint
        assert page.locator("meta[http-equiv=refresh]").count() == 1
    finally:
        context.close()
