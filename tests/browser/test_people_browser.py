"""People management in Chromium: an admin adds a starter with the page's own form, the
starter signs in, and the admin removes them again (the tick box is required by the page)."""

from __future__ import annotations

from tests.browser.conftest import SHOTS
from tests.browser.test_console_pages import sign_in

STARTER_PASSWORD = "starter's own password"


def test_an_admin_adds_and_removes_someone_with_the_pages_forms(served, browser, browser_page,
                                                                  shot):
    sign_in(browser_page, served, "admin")
    browser_page.goto(f"{served}/console/people")
    form = browser_page.locator("#add-person")
    form.locator("input[name=name]").fill("Nia")
    form.locator("select[name=role]").select_option("operator")
    form.locator("input[name=password]").fill(STARTER_PASSWORD)
    form.locator("button[type=submit]").click()
    browser_page.wait_for_selector("text=Nia added as operator")
    row = browser_page.locator('tr[data-person="Nia"]')
    assert row.locator("td[data-label=role]").inner_text() == "operator"
    shot("people")

    starter = browser.new_context().new_page()
    starter.goto(f"{served}/console/")
    starter.fill("input[name=name]", "Nia")
    starter.fill("input[name=password]", STARTER_PASSWORD)
    starter.click("button[type=submit]")
    starter.wait_for_selector("h1:has-text('Wallboard')")
    starter.goto(f"{served}/console/unserved")  # a page that does not refresh itself: the
    # wallboard's refresh, turned away once Nia is removed, had raced the reload below
    starter.wait_for_selector("h1:has-text('not served')")

    remove = row.locator("button:has-text('Remove')")
    remove.click()  # the tick box is required: the browser keeps the form from being sent
    assert browser_page.locator('tr[data-person="Nia"]').count() == 1
    row.locator("input[name=confirm]").check()
    remove.click()
    browser_page.wait_for_selector("text=Nia removed")
    assert browser_page.locator('tr[data-person="Nia"]').count() == 0
    starter.reload()
    assert starter.locator("input[name=password]").count() == 1  # signed out: the form again


def test_a_long_name_wraps_and_keeps_everyones_controls_in_view(served, console_app, browser):
    """A 64-letter name with no space had widened the People table to 1,432 px inside a
    604 px card, every person's controls behind a scroll bar (browser walk-through U21)."""
    from app.storage import users

    engine = console_app.extensions["holdwell"].store.engine
    users.add_user(engine, "n" * 64, "operator", "a long password", users_now())
    page = browser.new_context(viewport={"width": 1280, "height": 900}).new_page()
    sign_in(page, served, "admin")
    page.goto(f"{served}/console/people")
    table = page.locator("table").first
    overflow = table.evaluate("t => t.scrollWidth - t.parentElement.clientWidth")
    assert overflow <= 1, f"the people table is {overflow} px wider than its card"
    SHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SHOTS / "people-long-name.png"), full_page=True)
    page.context.close()


def test_the_header_stays_short_on_a_phone(served, browser):
    """At 390 px the header had wrapped to 213 px, a quarter of the screen (U22)."""
    page = browser.new_context(viewport={"width": 390, "height": 844}).new_page()
    sign_in(page, served, "admin")
    page.goto(f"{served}/console/")
    height = page.locator("header.top").evaluate("h => h.getBoundingClientRect().height")
    assert height <= 150, height
    page.context.close()


def users_now():  # noqa: ANN201
    from datetime import UTC, datetime

    return datetime.now(UTC)


def test_on_a_phone_a_callback_row_keeps_its_cancel_form_in_view(served, console_app,
                                                                 browser):
    """At 390 px only the call and queue columns had shown; the number, status and the
    cancel form sat off-screen to the right (browser walk-through U22)."""
    from app.signed_client import SignedClient
    from tests.conftest import AUTH_TOKEN
    from tests.console.test_callbacks_console import promise
    from tests.support.sids import sid

    promise(SignedClient(console_app.test_client(), AUTH_TOKEN), sid("CAphone"))
    page = browser.new_context(viewport={"width": 390, "height": 844}).new_page()
    sign_in(page, served, "operator")
    page.goto(f"{served}/console/callbacks")
    button = page.locator("button:has-text('Cancel callback')")
    box = button.bounding_box()
    assert box is not None and box["x"] + box["width"] <= 390, box
    SHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SHOTS / "callbacks-phone.png"), full_page=True)
    page.context.close()


def test_on_a_phone_each_persons_forms_are_in_view(served, browser):
    """At 390 px the people table had scrolled inside its card: each person's role, password
    and removal forms sat off-screen to the right (left in session 31). Now a card per
    person, each field under its column's name."""
    page = browser.new_context(viewport={"width": 390, "height": 844}).new_page()
    sign_in(page, served, "admin")
    page.goto(f"{served}/console/people")
    buttons = page.locator("#people button, section:has(table.stack) button")
    assert buttons.count() >= 4
    for index in range(buttons.count()):
        box = buttons.nth(index).bounding_box()
        assert box is not None and box["x"] + box["width"] <= 390, \
            (buttons.nth(index).inner_text(), box)
    assert page.locator("td[data-label='last signed in']").first.evaluate(
        "td => getComputedStyle(td, '::before').content") == '"last signed in"'
    SHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SHOTS / "people-phone.png"), full_page=True)
    page.context.close()


def test_a_run_of_failed_sign_ins_reads_as_one_sentence_inside_the_card(served, console_app,
                                                                          browser):
    """Past an address's first failures, the audit log counts the rest into one row
    (app.storage.failed_sign_ins); the People page reads it as a sentence, which stays
    inside the audit table's card on a phone's width too."""
    from datetime import timedelta

    from app.storage.failed_sign_ins import ITEMIZED_FROM_A_SOURCE, FailedSignIn, record

    engine = console_app.extensions["holdwell"].store.engine
    now = users_now()  # the run within one day: a summary counts one day at most, so a run
    midnight = (now + timedelta(days=1)).replace(hour=0, minute=0, second=0, microsecond=0)
    began = min(now, midnight - timedelta(minutes=2))  # across midnight is two (UTC here)
    for k in range(ITEMIZED_FROM_A_SOURCE + 25):
        record(engine, FailedSignIn(name=f"guess{k}", address="198.51.100.7",
                                    source="198.51.100.7", from_source=k + 1, lock=None,
                                    time=began + timedelta(seconds=k)), window_s=900)
    for width in (1280, 390):
        page = browser.new_context(viewport={"width": width, "height": 900}).new_page()
        sign_in(page, served, "admin")
        page.goto(f"{served}/console/people?kind=sign-ins")
        summary = page.locator("[data-failed-sign-ins]")
        assert summary.get_attribute("data-failed-sign-ins") == "25"
        assert "25 failed sign-ins from 198.51.100.7" in summary.inner_text()
        table = summary.locator("xpath=ancestor::table")
        overflow = table.evaluate("t => t.scrollWidth - t.parentElement.clientWidth")
        assert overflow <= 1, f"the audit table is {overflow} px wider than its card"
        SHOTS.mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(SHOTS / f"people-failed-sign-ins-{width}.png"), full_page=True)
