"""A session that ends while an operator edits a policy loses nothing: the save is refused
as a 401 (never a bare CSRF 400), the sign-in page says nothing was saved, and after signing
in again the edits are back in the form (this browser kept them) until they are saved."""

from __future__ import annotations

from sqlalchemy import delete

from app.storage import config_versions
from app.storage.console_schema import console_sessions
from tests.browser.test_console_pages import sign_in
from tests.console.conftest import PASSWORD

WORDS = "Thanks for holding, we have not forgotten you."


def sign_in_again(page) -> None:  # noqa: ANN001
    page.fill("input[name=name]", "operator")
    page.fill("input[name=password]", PASSWORD)
    page.click("button[type=submit]")


def edit_the_welcome(page, base: str) -> None:  # noqa: ANN001
    page.goto(f"{base}/console/policies/support")
    page.fill('textarea[name="prompts.welcome"]', WORDS)
    page.fill("input[name=note]", "kinder welcome")


ARRIVES_WITH = """new MutationObserver(function (changes) {
  changes.forEach(function (change) { change.addedNodes.forEach(function (node) {
    if (node.id === "draft-restored" && window.restoredArrivedWith === undefined)
      window.restoredArrivedWith = node.textContent;
  }); });
}).observe(document, {childList: true, subtree: true});"""
"""What the restored-edits notice held when it was put in the page (window.restoredArrivedWith)."""


def test_edits_come_back_after_the_session_ended_and_save_then(served, browser_page,
                                                             console_app):
    engine = console_app.extensions["holdwell"].store.engine
    sign_in(browser_page, served, "operator")
    edit_the_welcome(browser_page, served)
    with engine.begin() as conn:  # the session expires (or is revoked) meanwhile
        conn.execute(delete(console_sessions))
    browser_page.click("button:has-text('Save as a new version')")
    browser_page.wait_for_selector("h1:has-text('Sign in')")
    assert "nothing was saved" in browser_page.inner_text("[role=alert]")
    before = config_versions.get(engine).number
    browser_page.add_init_script(ARRIVES_WITH)
    sign_in_again(browser_page)
    browser_page.wait_for_selector("#draft-restored button")
    # edits to review, not an error: told politely (a status), in the warning's colours
    assert browser_page.get_attribute("#draft-restored", "role") == "status"
    assert "warning" in browser_page.get_attribute("#draft-restored", "class")
    # a status region arriving with its words is often not read out: it comes empty
    assert browser_page.evaluate("window.restoredArrivedWith") == ""
    assert "are back in the form" in browser_page.inner_text("#draft-restored")
    assert browser_page.input_value('textarea[name="prompts.welcome"]') == WORDS
    assert browser_page.input_value("input[name=note]") == "kinder welcome"
    assert config_versions.get(engine).number == before  # restored, not saved
    browser_page.click("button:has-text('Save as a new version')")
    browser_page.wait_for_selector(f"text=Saved as config version {before + 1}")
    assert config_versions.get(engine).number == before + 1
    browser_page.goto(f"{served}/console/policies/support")
    assert browser_page.locator("#draft-restored").count() == 0  # saved: nothing to put back


def test_a_lost_cookie_is_a_sign_in_not_a_csrf_error_and_the_edits_come_back(
        served, browser_page):
    sign_in(browser_page, served, "operator")
    edit_the_welcome(browser_page, served)
    browser_page.context.clear_cookies()  # the browser dropped the session cookie
    browser_page.click("button:has-text('Save as a new version')")
    browser_page.wait_for_selector("h1:has-text('Sign in')")
    assert "CSRF" not in browser_page.content()
    sign_in_again(browser_page)
    browser_page.wait_for_selector("#draft-restored")
    assert browser_page.input_value('textarea[name="prompts.welcome"]') == WORDS
    browser_page.click("#draft-restored button")  # discard them
    browser_page.wait_for_selector("h1:has-text('Queue support')")
    assert browser_page.input_value('textarea[name="prompts.welcome"]') != WORDS


def test_a_refused_save_is_not_brought_back_later_as_edits_from_a_lost_session(
        served, browser_page, console_app):
    """A save the server refused (422) shows its edits itself; opened again later, the form
    shows the queue as it is, with no notice about signing in again (the refused edits were
    kept and put back, said to be "from before you signed in again")."""
    sign_in(browser_page, served, "operator")
    browser_page.goto(f"{served}/console/policies/support")
    stored = browser_page.input_value('textarea[name="prompts.welcome"]')
    browser_page.fill('textarea[name="prompts.welcome"]', WORDS)
    browser_page.fill('input[name="checkin.interval_s"]', "5")  # below the minimum of 20
    browser_page.evaluate("document.querySelector('form[data-draft]').noValidate = true")
    # (the box's own min would stop it in the browser: the server's refusal is tested here)
    browser_page.click("button:has-text('Save as a new version')")
    browser_page.wait_for_selector("text=interval_s")
    assert browser_page.input_value('textarea[name="prompts.welcome"]') == WORDS  # shown
    browser_page.goto(f"{served}/console/")
    browser_page.goto(f"{served}/console/policies/support")
    browser_page.wait_for_selector("h1:has-text('Queue support')")
    assert browser_page.locator("#draft-restored").count() == 0
    assert browser_page.input_value('textarea[name="prompts.welcome"]') == stored


def test_a_save_left_before_its_page_finished_loading_brings_nothing_back(
        served, browser_page, console_app):
    """Saved, and left at once (the saved page's drafts.js never ran): the next edit starts
    from the queue as it is now. The kept edits had come back as "from before you signed
    in again", with the version they started from, and the next save was refused as a
    conflict with the operator's own (a browser test's flake showed it)."""
    engine = console_app.extensions["holdwell"].store.engine
    sign_in(browser_page, served, "operator")
    edit_the_welcome(browser_page, served)
    browser_page.route("**/drafts.js", lambda route: route.abort())
    browser_page.click("button:has-text('Save as a new version')")
    browser_page.wait_for_selector("text=Saved as config version")
    browser_page.unroute("**/drafts.js")
    saved = config_versions.get(engine).number
    browser_page.goto(f"{served}/console/policies/support")
    browser_page.wait_for_selector("h1:has-text('Queue support')")
    browser_page.wait_for_load_state("load")
    assert browser_page.locator("#draft-restored").count() == 0
    assert browser_page.input_value("input[name=base_version]") == str(saved)
    assert browser_page.input_value("input[name=note]") == ""


def test_after_a_session_ends_only_the_edits_just_posted_come_back(served, browser_page,
                                                                   console_app):
    """Edits to sales kept from a save left early, then edits to support lost with the
    session: signing in again brings back support's, and sales' form starts afresh."""
    engine = console_app.extensions["holdwell"].store.engine
    sign_in(browser_page, served, "operator")
    browser_page.goto(f"{served}/console/policies/sales")
    browser_page.fill("input[name=note]", "left early")
    browser_page.route("**/drafts.js", lambda route: route.abort())
    browser_page.click("button:has-text('Save as a new version')")
    browser_page.wait_for_selector("text=No change")
    browser_page.unroute("**/drafts.js")
    edit_the_welcome(browser_page, served)
    with engine.begin() as conn:
        conn.execute(delete(console_sessions))
    browser_page.click("button:has-text('Save as a new version')")
    browser_page.wait_for_selector("h1:has-text('Sign in')")
    sign_in_again(browser_page)
    browser_page.wait_for_selector("#draft-restored")
    assert browser_page.input_value('textarea[name="prompts.welcome"]') == WORDS
    browser_page.goto(f"{served}/console/policies/sales")
    browser_page.wait_for_selector("h1:has-text('Queue sales')")
    browser_page.wait_for_load_state("load")
    assert browser_page.locator("#draft-restored").count() == 0
    assert browser_page.input_value("input[name=note]") == ""


def test_edits_kept_for_one_user_never_come_back_for_another(served, browser_page,
                                                             console_app):
    """The operator's session ends with their edits unsaved; the admin then signs in as
    herself in the same tab and lands on the form: the operator's words had been put back
    for her ("Your edits from before you signed in again"), and her save would have recorded
    them as hers (a reviewer's finding)."""
    engine = console_app.extensions["holdwell"].store.engine
    sign_in(browser_page, served, "operator")
    edit_the_welcome(browser_page, served)
    with engine.begin() as conn:
        conn.execute(delete(console_sessions))
    browser_page.click("button:has-text('Save as a new version')")
    browser_page.wait_for_selector("h1:has-text('Sign in')")
    browser_page.fill("input[name=name]", "admin")
    browser_page.fill("input[name=password]", PASSWORD)
    browser_page.click("button[type=submit]")
    browser_page.wait_for_selector('textarea[name="prompts.welcome"]')
    assert browser_page.locator("#draft-restored").count() == 0
    assert browser_page.input_value('textarea[name="prompts.welcome"]') != WORDS


def test_signed_in_again_in_another_tab_the_edits_come_back_not_a_csrf_error(
        served, browser_page, console_app):
    """The session ends while the policy form has edits; the wallboard in another tab goes
    to the sign-in page and the operator signs in there. Save in the first tab had answered
    a bare "400 The CSRF tokens do not match", and the edits were gone (console audit 34,
    defect 1): now nothing is saved, the page says why, and back on the form the edits are
    there to review and save."""
    engine = console_app.extensions["holdwell"].store.engine
    sign_in(browser_page, served, "operator")
    edit_the_welcome(browser_page, served)
    with engine.begin() as conn:
        conn.execute(delete(console_sessions))
    other = browser_page.context.new_page()
    other.goto(f"{served}/console/")
    other.wait_for_selector("h1:has-text('Sign in')")
    sign_in_again(other)
    other.wait_for_selector("h1:not(:has-text('Sign in'))")
    before = config_versions.get(engine).number
    browser_page.click("button:has-text('Save as a new version')")
    browser_page.wait_for_selector("h1:has-text('Not saved')")
    assert "CSRF" not in browser_page.content()
    assert browser_page.title().startswith("Error: ")
    assert config_versions.get(engine).number == before
    browser_page.click("a:has-text('Back to the form')")
    browser_page.wait_for_selector("#draft-restored")
    assert browser_page.input_value('textarea[name="prompts.welcome"]') == WORDS
    browser_page.click("button:has-text('Save as a new version')")
    browser_page.wait_for_selector(f"text=Saved as config version {before + 1}")


def test_a_second_sign_in_page_signs_in_or_goes_on_when_signed_in_already(
        served, browser_page, console_app):
    """Two tabs show the sign-in page; signing in on one, then on the other, had answered
    a bare CSRF 400 and cleared the name (console audit 34, defect 2)."""
    browser_page.goto(f"{served}/console/login")
    other = browser_page.context.new_page()
    other.goto(f"{served}/console/login")
    sign_in_again(other)
    other.wait_for_selector("h1:not(:has-text('Sign in'))")
    sign_in_again(browser_page)  # signed in already, in the other tab: goes on
    browser_page.wait_for_selector("h1:not(:has-text('Sign in'))")
    assert "CSRF" not in browser_page.content()
    other.click("button:has-text('Sign out')")
    other.wait_for_selector("h1:has-text('Sign in')")
    browser_page.goto(f"{served}/console/login")
    third = browser_page.context.new_page()  # a sign-in page left from before a sign-out
    third.goto(f"{served}/console/login")
    sign_in_again(browser_page)
    browser_page.wait_for_selector("h1:not(:has-text('Sign in'))")
    browser_page.click("button:has-text('Sign out')")  # its token is of no session now
    browser_page.wait_for_selector("h1:has-text('Sign in')")
    sign_in_again(third)
    third.wait_for_selector("text=out of date")
    assert third.input_value("input[name=name]") == "operator"
    sign_in_again(third)  # the form again carries this session's token: it signs in
    third.wait_for_selector("h1:not(:has-text('Sign in'))")
