"""Offering callbacks needs a caller ID: the console and the API refuse it with a 422 naming
`line.support_number` (not a 500), and no config version is added."""

from __future__ import annotations

import pytest

from app.storage import config_versions, users
from tests.console.conftest import PASSWORD, Console, bearer

NO_CALLER_ID = '[queues.support]\npolicy = "checkin"\n'


@pytest.fixture
def line_without_number(make_app, clock):  # noqa: ANN201
    app = make_app(NO_CALLER_ID)
    users.add_user(app.extensions["holdwell"].store.engine, "operator", "operator", PASSWORD,
                   clock.now())
    return app


def versions(app) -> int:  # noqa: ANN001
    return config_versions.history(app.extensions["holdwell"].store.engine).total


def test_the_policy_form_refuses_callbacks_without_a_support_number(line_without_number):
    before = versions(line_without_number)
    page = Console(line_without_number, "operator")
    answer = page.post("/console/policies/support", {"policy": "callback", "note": "try"})
    assert answer.status_code == 422
    assert "line.support_number: missing" in answer.get_data(as_text=True)
    assert versions(line_without_number) == before
    assert line_without_number.extensions["holdwell"].config.queues["support"].policy == "checkin"


def test_the_api_and_the_experiment_page_refuse_it_too(line_without_number, clock):
    engine = line_without_number.extensions["holdwell"].store.engine
    token = users.issue_token(engine, "operator", clock.now())
    before = versions(line_without_number)
    client = line_without_number.test_client()
    answer = client.patch("/api/v1/policies/support", headers=bearer(token),
                          json={"settings": {"policy": "callback"}})
    assert answer.status_code == 422
    said = answer.get_json()["error"]
    assert "line.support_number: missing" in said
    assert "in the config file (then `holdwell config import`; the console and the API" in said
    split = client.put("/api/v1/experiments/support", headers=bearer(token),
                       json={"arms": {"checkin": 1, "callback": 1}})
    assert split.status_code == 422
    page = Console(line_without_number, "operator")
    shown = page.post("/console/experiments/support",
                      {"weight_checkin": "1", "weight_callback": "1"}, follow_redirects=True)
    assert "Not started" in shown.get_data(as_text=True)
    assert "line.support_number" in shown.get_data(as_text=True)
    assert versions(line_without_number) == before


def test_the_pages_say_the_rule_without_the_apis_body_marker(line_without_number):
    """A rule across the whole config came keyed "(body)", the API's name for the request
    body, and both pages printed it: "Not saved: … (body): line.support_number: missing"."""
    page = Console(line_without_number, "operator")
    policy = page.post("/console/policies/support", {"policy": "callback", "note": "try"})
    split = page.post("/console/experiments/support",
                      {"weight_checkin": "1", "weight_callback": "1"}, follow_redirects=True)
    for answer in (policy, split):
        said = answer.get_data(as_text=True)
        assert "line.support_number: missing" in said
        assert "(body)" not in said
