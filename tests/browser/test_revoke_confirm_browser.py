"""People page in Chromium: a token's "Revoke…" and "Revoke all tokens…" ask first, on a
page naming the tokens, whose Cancel goes back to People with nothing revoked."""

from __future__ import annotations

from datetime import UTC, datetime

from app.storage import users
from tests.browser.test_console_pages import sign_in


def test_revoking_asks_first_and_cancel_keeps_the_token(served, browser_page, console_app):
    engine = console_app.extensions["holdwell"].store.engine
    for label in ("wallboard", "nightly report"):
        users.issue_token(engine, "operator", datetime.now(UTC), label=label)
    first, second = users.tokens_of(engine, "operator")
    page = browser_page
    sign_in(page, served, "admin")
    page.goto(f"{served}/console/people")
    row = page.locator('tr[data-person="operator"]')
    row.get_by_role("button", name=f"Revoke… token #{first.id} (wallboard) of operator",
                    exact=True).click()
    page.wait_for_selector("h1:has-text('Revoke API token')")
    assert page.title() == (f"Revoke API token #{first.id} (wallboard) of operator? · "
                            "holdwell console")
    page.get_by_role("link", name="Cancel: back to People").click()
    page.wait_for_selector("h1:has-text('People and audit')")
    assert len(users.tokens_of(engine, "operator")) == 2

    row = page.locator('tr[data-person="operator"]')
    row.get_by_role("button", name="Revoke all tokens… of operator", exact=True).click()
    page.wait_for_selector("h1:has-text('Revoke all 2 API tokens')")
    assert page.locator("#revoked-tokens li").all_inner_texts()[1].startswith(
        f"#{second.id} nightly report")
    page.get_by_role("button", name="Revoke all 2 API tokens of operator").click()
    page.wait_for_selector("text=2 API token(s) of operator revoked")
    assert users.tokens_of(engine, "operator") == []
