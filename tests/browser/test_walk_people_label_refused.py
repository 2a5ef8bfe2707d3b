"""People page: a refused token label says whose it was (console walk-through)."""

from __future__ import annotations

from tests.browser.test_console_pages import sign_in


def test_a_refused_label_names_whose_token_it_was(served, browser_page):
    """A label pasted with a tab in it ("nightly<TAB>report", as a spreadsheet cell gives)
    in the operator's row was refused as "No token issued: a token's label may not hold
    control or invisible characters (…)", focused at the page's top with no word of whose:
    with three people or thirty, the admin had to guess which row to mend."""
    sign_in(browser_page, served, "admin")
    browser_page.goto(f"{served}/console/people")
    row = browser_page.locator('tr[data-person="operator"]')
    row.locator("input[name=label]").fill("nightly\treport")
    row.locator("button:has-text('New API token')").click()
    said = browser_page.wait_for_selector(".flash.error").inner_text()
    assert said.startswith("No token issued: a token's label may not hold control"), said
    assert said.endswith(", in the label typed for operator."), said
    assert browser_page.title().startswith("Error: ")
