"""People page: revoking API tokens asks first, on a page naming them (console walk-through).

"Revoke" beside a token and "Revoke all tokens" had revoked at once, one click from a row
of buttons, while "Remove" asked for a tick: scripts using the tokens stopped unasked."""

from __future__ import annotations

import html
import re

import pytest

from app.storage import audit, users
from tests.console.conftest import bearer

POLICY = "/api/v1/policies/support"


@pytest.fixture
def two_tokens(console_app, clock):  # noqa: ANN201
    """analyst's "wallboard" and "nightly report" tokens, and the engine."""
    engine = console_app.extensions["holdwell"].store.engine
    issued = [users.issue_token(engine, "analyst", clock.now(), label=label)
              for label in ("wallboard", "nightly report")]
    return engine, issued, users.tokens_of(engine, "analyst")


def _text(answer) -> str:  # noqa: ANN001
    return " ".join(html.unescape(answer.get_data(as_text=True)).split())


def _logged(engine) -> int:  # noqa: ANN001
    return audit.page(engine, kind="all", offset=0).total


def test_the_people_page_only_asks_to_revoke(as_role, two_tokens):
    """Its revoke buttons are GET forms to the confirmation: no POST revokes from it."""
    page = as_role("admin").get("/console/people").get_data(as_text=True)
    forms = re.findall(r'<form method="(\w+)" action="/console/people/revoke"', page)
    assert forms and set(forms) == {"get"}
    assert "Revoke…" in page and "Revoke all tokens…" in page


def test_one_token_is_named_and_nothing_changes_until_confirmed(as_role, console_app,
                                                                two_tokens):
    engine, (wallboard, report), listed = two_tokens
    admin, before = as_role("admin"), _logged(engine)
    asked = admin.get(f"/console/people/revoke?name=analyst&token={listed[0].id}")
    text = _text(asked)
    assert asked.status_code == 200, text
    assert f"Revoke API token #{listed[0].id} (wallboard) of analyst?" in text
    assert "nightly report" not in text
    assert 'name="confirm" value="yes"' in text and 'name="csrf_token"' in text
    assert re.search(r'<a href="/console/people">Cancel: back to People</a>', text)
    api = console_app.test_client()  # a GET revoked nothing and logged nothing
    assert api.get(POLICY, headers=bearer(wallboard)).status_code == 200
    assert _logged(engine) == before

    done = admin.post("/console/people/revoke", {"name": "analyst", "confirm": "yes",
                                                 "token": str(listed[0].id)})
    assert done.status_code == 303 and done.headers["Location"].endswith("/console/people")
    assert api.get(POLICY, headers=bearer(wallboard)).status_code == 401
    assert api.get(POLICY, headers=bearer(report)).status_code == 200
    entry = audit.page(engine, kind="people").entries[0]
    assert (entry.actor, entry.action, entry.target) == ("admin", "token.revoke", "analyst")


def test_all_tokens_are_counted_and_listed_before_they_are_revoked(as_role, console_app,
                                                                   two_tokens):
    engine, issued, listed = two_tokens
    admin = as_role("admin")
    text = _text(admin.get("/console/people/revoke?name=analyst"))
    assert "Revoke all 2 API tokens of analyst?" in text
    assert f"#{listed[0].id} wallboard" in text and f"#{listed[1].id} nightly report" in text
    assert 'name="token"' not in text
    api = console_app.test_client()
    assert all(api.get(POLICY, headers=bearer(t)).status_code == 200 for t in issued)
    done = admin.post("/console/people/revoke", {"name": "analyst", "confirm": "yes"},
                      follow_redirects=True)
    assert "2 API token(s) of analyst revoked" in _text(done)
    assert all(api.get(POLICY, headers=bearer(t)).status_code == 401 for t in issued)


def test_a_revoke_sent_unconfirmed_is_shown_the_confirmation(as_role, console_app,
                                                              two_tokens):
    """A People page loaded before the confirmation came posts straight to the revoke."""
    engine, (wallboard, _), listed = two_tokens
    admin, before = as_role("admin"), _logged(engine)
    sent = admin.post("/console/people/revoke", {"name": "analyst",
                                                 "token": str(listed[0].id)})
    assert sent.status_code == 303
    assert sent.headers["Location"].endswith(
        f"/console/people/revoke?name=analyst&token={listed[0].id}")
    assert admin.post("/console/people/revoke", {"name": "analyst"}).status_code == 303
    assert console_app.test_client().get(POLICY, headers=bearer(wallboard)).status_code == 200
    assert _logged(engine) == before


def test_a_token_gone_meanwhile_is_said_on_people(as_role, two_tokens, clock):
    engine, _, listed = two_tokens
    admin = as_role("admin")
    users.revoke_token(engine, "analyst", listed[0].id, clock.now(), actor="cli")
    gone = admin.get(f"/console/people/revoke?name=analyst&token={listed[0].id}",
                     follow_redirects=True)
    assert (f"Nothing revoked: analyst has no working API token #{listed[0].id} (revoked "
            "already, or another person's).") in _text(gone)
    users.revoke_tokens(engine, "analyst", clock.now(), actor="cli")
    none = admin.get("/console/people/revoke?name=analyst", follow_redirects=True)
    assert "analyst has no API tokens now: nothing revoked." in _text(none)
    nobody = admin.get("/console/people/revoke?name=nobody", follow_redirects=True)
    assert "Nothing revoked: no user named 'nobody'" in _text(nobody)


def test_only_admins_see_it_and_the_revoke_still_needs_the_csrf_token(as_role, two_tokens):
    _, _, listed = two_tokens
    assert as_role(None).get("/console/people/revoke?name=analyst").status_code == 401
    assert as_role("operator").get("/console/people/revoke?name=analyst").status_code == 403
    forged = as_role("admin").client.post("/console/people/revoke", data={
        "name": "analyst", "confirm": "yes", "token": str(listed[0].id)})
    assert forged.status_code == 400
