"""Text with line breaks survives an untouched policy form. A browser sends a text area's
line breaks as CRLF, drops a text box's, and eats a text area's first line break: each had
made a save of the untouched form a new version, and restarted a running split's count
(an arm's words are what its callers hear)."""

from __future__ import annotations

import pytest

from app.console import experiments
from app.console.policy_form import describe
from app.storage import config_versions, users
from tests.console.conftest import PASSWORD, Console

MULTI_LINE = '''
[line]
support_number = "+14155550000"
[queues.support]
policy = "checkin"
[queues.support.experiment]
arms = { checkin = 50, silence = 50 }
[queues.support.prompts]
apology = """Sorry to keep you waiting.
We are busy."""
welcome = "\\nThanks for calling."
[queues.support.checkin]
ask_reason = true
reason_hints = "billing,\\nrefund"
'''


@pytest.fixture
def multi_line_app(make_app, clock):
    app = make_app(MULTI_LINE)
    users.add_user(app.extensions["holdwell"].store.engine, "operator", "operator", PASSWORD,
                   clock.now())
    return app


def active_number(app) -> int:  # noqa: ANN001
    with app.extensions["holdwell"].store.engine.connect() as conn:
        return config_versions.active_number(conn)


def test_text_with_line_breaks_is_shown_in_a_text_area(multi_line_app):
    queue = multi_line_app.extensions["holdwell"].config.queues["support"]
    kinds = {field.name: field.kind for fields in describe(queue).values() for field in fields}
    assert kinds["checkin.reason_hints"] == "textarea"  # a text box drops its line breaks
    assert kinds["checkin.interval_s"] == "number" and kinds["voice"] == "text"


def test_an_untouched_form_posted_as_a_browser_does_changes_nothing(multi_line_app, clock):
    svc = multi_line_app.extensions["holdwell"]
    started = experiments.started_at(svc, "support")
    clock.advance(3600)
    operator = Console(multi_line_app, "operator")
    page = operator.get("/console/policies/support").get_data(as_text=True)
    assert ">\n\nThanks for calling.</textarea>" in page  # the parser eats one line break
    answer = operator.post("/console/policies/support", {
        "base_version": "1",
        "prompts.apology": "Sorry to keep you waiting.\r\nWe are busy.",
        "prompts.welcome": "\r\nThanks for calling.",
        "checkin.reason_hints": "billing,\r\nrefund"}, follow_redirects=True)
    assert "No change: support already runs these settings" in answer.get_data(as_text=True)
    assert active_number(multi_line_app) == 1
    assert experiments.started_at(svc, "support") == started


def test_new_text_is_saved_with_plain_line_breaks(multi_line_app):
    operator = Console(multi_line_app, "operator")
    operator.post("/console/policies/support", {
        "base_version": "1", "prompts.apology": "Sorry.\r\nStill busy."})
    assert active_number(multi_line_app) == 2
    body = config_versions.get(multi_line_app.extensions["holdwell"].store.engine).body
    assert body["queues"]["support"]["prompts"]["apology"] == "Sorry.\nStill busy."
