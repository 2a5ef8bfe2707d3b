"""After a refused submit a keyboard or screen-reader user is taken to what says why, and
each marked box says it is wrong and which words say why (accessibility audit X1-X3); the
buttons' names start with the words they show and say whose row they act on (X7, X8)."""

from __future__ import annotations

from tests.browser.test_console_pages import sign_in
from tests.console.conftest import bearer, tokens  # noqa: F401


def focused(page) -> dict:  # noqa: ANN001
    """Where focus is once the page's deferred scripts have run: the element a refusal
    shows is parsed before focus_error.js moves focus to it, so reading at once races."""
    page.wait_for_load_state("domcontentloaded")
    return page.evaluate("({id: document.activeElement.id, tag: document.activeElement.tagName,"
                         " text: document.activeElement.textContent})")


def test_a_refused_policy_save_focuses_the_summary_which_leads_to_the_box(served, browser_page,
                                                                          shot):
    page = browser_page
    sign_in(page, served, "operator")
    page.goto(f"{served}/console/policies/sales")
    assert page.title() == "Policy · sales · holdwell console"
    box = page.locator("input[name='checkin.interval_s']")
    assert (box.get_attribute("min"), box.get_attribute("max")) == ("20", "600")  # as hinted
    page.evaluate("document.querySelector('form[data-draft]').noValidate = true")  # the
    page.fill("input[name='checkin.interval_s']", "-5")  # server's refusal, as without them
    page.locator("form.card button[type=submit]").last.click()
    page.wait_for_selector("#problems")
    assert focused(page)["id"] == "problems"  # it had been <body>
    assert page.title() == "Error: Policy · sales · holdwell console"  # said first (X1)
    shot("policy-refused")
    box = page.locator("input[name='checkin.interval_s']")
    assert box.get_attribute("aria-invalid") == "true"
    described = box.get_attribute("aria-describedby")
    said = page.locator(f"#{described}").inner_text()
    assert said.startswith("checkin.interval_s: Input should be greater than or equal to 20")
    page.locator("#problems a", has_text="checkin.interval_s").click()
    assert focused(page)["id"] == box.get_attribute("id")


def test_a_refused_twin_ask_focuses_its_error(served, browser_page):
    page = browser_page
    sign_in(page, served, "analyst")
    page.goto(f"{served}/console/twin?run=1&policies=silence&agents=six")
    now = focused(page)
    assert now["tag"] == "P" and now["text"].startswith("Agents per half-hour, number 1:")
    assert page.title().startswith("Error: Twin")


def test_a_flashed_error_is_announced_and_focused(served, browser_page):
    page = browser_page
    sign_in(page, served, "admin")
    page.goto(f"{served}/console/people")
    form = page.locator("#add-person")
    form.locator("input[name=name]").fill("ADMIN")
    form.locator("input[name=password]").fill("another long passphrase")
    form.locator("button[type=submit]").click()
    error = page.locator("p.flash.error")
    error.wait_for()
    assert error.get_attribute("role") == "alert"
    assert focused(page)["text"] == error.inner_text()
    assert page.title() == "Error: People and audit · holdwell console"
    page.reload()  # the flash was said once: the page again is no error
    assert page.title() == "People and audit · holdwell console"


def test_row_buttons_name_their_row_after_their_own_words(served, browser_page):
    page = browser_page
    sign_in(page, served, "admin")
    page.goto(f"{served}/console/people")
    row = page.locator('tr[data-person="analyst"]')
    for shown in ("Change role", "Set password", "New API token", "Revoke all tokens…"):
        assert row.get_by_role("button", name=f"{shown} of analyst", exact=True).count() == 1
    page.goto(f"{served}/console/versions")
    names = page.get_by_role("link").evaluate_all("links => links.map(a => a.textContent)")
    assert any(name.startswith("diff: changes in version") for name in names)


def test_a_save_refused_by_a_conflict_focuses_what_changed(served, browser_page, console_app,
                                                          tokens):  # noqa: F811
    """The conflict box had left focus on <body>, some 130 tab stops above the form, where
    every other refusal focuses its message (console audit 34, D7)."""
    page = browser_page
    sign_in(page, served, "operator")
    page.goto(f"{served}/console/policies/support")
    assert console_app.test_client().patch(
        "/api/v1/policies/support", headers=bearer(tokens["admin"]),
        json={"settings": {"prompts": {"apology": "Sorry, from the API."}}}).status_code == 200
    page.fill("input[name='checkin.interval_s']", "90")
    page.locator("form.card button[type=submit]").last.click()
    page.wait_for_selector("#conflict")
    assert focused(page)["id"] == "conflict"
    assert page.title().startswith("Error: ")
