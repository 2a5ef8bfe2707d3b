"""In the browser: a refused box is the one problem the policy form shows and marks; a box it
would clash with only by the refused box's old value is left unmarked (it had been marked,
and counted, as a second problem), and a real clash is shown once the box parses."""

from __future__ import annotations

from tests.browser.test_console_pages import sign_in


def submit(page, callback_key: str, keep_key: str) -> str:  # noqa: ANN001
    """The form sent with these keys, the browser's own checks off (the server's are what
    is tested); the problems' summary as shown."""
    page.evaluate("document.querySelector('form[data-draft]').noValidate = true")
    page.fill("input[name='callback.callback_key']", callback_key)
    page.fill("input[name='callback.keep_key']", keep_key)
    page.locator("form.card button[type=submit]").last.click()
    page.wait_for_selector("#problems")
    return page.locator("#problems").inner_text()


def invalid(page, name: str) -> bool:  # noqa: ANN001
    return page.locator(f"input[name='{name}']").get_attribute("aria-invalid") == "true"


def test_a_mistyped_key_is_the_one_problem_marked(served, browser_page, shot):
    page = browser_page
    sign_in(page, served, "operator")
    page.goto(f"{served}/console/policies/support")  # callback_key "2", keep_key "1"
    summary = submit(page, "x", "2")  # swapping the keys, with a slip
    shot("policy-refused-key-alone")
    assert summary.startswith("Not saved: 1 problem, marked below.")
    assert invalid(page, "callback.callback_key")
    assert not invalid(page, "callback.keep_key")  # "are both '2'": the old callback key
    assert "are both" not in page.locator("main").inner_text()
    assert page.locator("input[name='callback.keep_key']").input_value() == "2"  # kept
    summary = submit(page, "2", "2")  # mended into a real clash: told, at both boxes
    assert summary.startswith("Not saved: 1 problem, marked below.")
    assert invalid(page, "callback.callback_key") and invalid(page, "callback.keep_key")
    assert "callback_key and keep_key are both '2'" in page.locator("main").inner_text()
