"""A save refused because someone else changed the queue meanwhile, in Chromium, when a
prompt has line breaks: the browser posts a text area's breaks as CRLF, the stored words
have LF, and the merge (app.console.policy_conflict) had taken the box the editor never
touched as their edit, shown the old words in it, and a second save undid the other
person's change without a word (a reviewer's finding)."""

from __future__ import annotations

import pytest

from app.storage import users
from tests.browser.conftest import serving
from tests.browser.test_console_pages import sign_in
from tests.console.conftest import PASSWORD, bearer

CONFIG = '''
[queues.support]
policy = "checkin"
[queues.support.prompts]
apology = """Sorry to keep you waiting.
We are busy."""
'''
THEIRS = "New words.\nSecond line."


@pytest.fixture
def served_app(make_app, clock):
    app = make_app(CONFIG)
    engine = app.extensions["holdwell"].store.engine
    users.add_user(engine, "operator", "operator", PASSWORD, clock.now())
    users.add_user(engine, "olu", "operator", PASSWORD, clock.now())
    app.config["OLU"] = users.issue_token(engine, "olu", clock.now())
    with serving(app) as url:
        yield app, url


def test_a_prompt_left_alone_takes_the_other_editors_words_after_a_conflict(served_app,
                                                                           browser_page):
    app, url = served_app
    page = browser_page
    sign_in(page, url, "operator")
    page.goto(f"{url}/console/policies/support")
    olu = bearer(app.config["OLU"])
    assert app.test_client().patch("/api/v1/policies/support", headers=olu, json={
        "settings": {"prompts": {"apology": THEIRS}}}).status_code == 200
    page.fill('input[name="checkin.interval_s"]', "90")
    page.click("button:has-text('Save as a new version')")
    page.wait_for_selector("#conflict")
    said = page.inner_text("#conflict")
    assert "prompts.apology" in said and "you set" not in said
    assert page.input_value('textarea[name="prompts.apology"]').replace("\r\n", "\n") == THEIRS
    assert page.input_value('input[name="checkin.interval_s"]') == "90"  # the edit is kept
    page.click("button:has-text('Save as a new version')")
    page.wait_for_load_state()
    now = app.test_client().get("/api/v1/policies/support", headers=olu).get_json()["settings"]
    assert (now["checkin"]["interval_s"], now["prompts"]["apology"]) == (90, THEIRS)
