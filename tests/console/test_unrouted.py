"""A URL no route matches, or a method its route does not take, answers in its room's form:
the console's page (not Flask's bare one), JSON for any API path (`/api/v1` without a slash
answered HTML), and for a webhook words that say Twilio calls it with POST."""

from __future__ import annotations

import pytest


@pytest.mark.parametrize("method,path,code", [("GET", "/console/nope", 404),
                                              ("POST", "/console/login/extra", 404),
                                              ("DELETE", "/console/policies", 405)])
def test_the_console_answers_with_its_own_page(console_app, method, path, code):
    answer = console_app.test_client().open(path, method=method)
    page = answer.get_data(as_text=True)
    assert answer.status_code == code and answer.content_type.startswith("text/html")
    assert "holdwell console" in page and "Back to the wallboard" in page
    if code == 404:
        assert f"There is no {path} here." in page
    else:
        assert "this URL takes GET" in page
        assert set(answer.headers["Allow"].split(", ")) >= {"GET"}


@pytest.mark.parametrize("path", ["/api/v1", "/api/v1/", "/api/v1/nope"])
def test_every_api_path_answers_json(console_app, path):
    answer = console_app.test_client().get(path)
    assert answer.status_code == 404 and answer.is_json
    assert "/api/v1/openapi.json" in answer.get_json()["error"]


def test_an_api_method_not_taken_keeps_its_allow_header(console_app):
    answer = console_app.test_client().delete("/api/v1/queues")
    assert answer.status_code == 405 and answer.is_json
    assert "GET" in answer.headers["Allow"] and "this URL takes GET" in answer.get_json()["error"]


def test_a_webhook_fetched_with_get_says_twilio_posts_to_it(console_app):
    answer = console_app.test_client().get("/voice/wait?queue=support")
    assert answer.status_code == 405
    assert set(answer.headers["Allow"].split(", ")) == {"OPTIONS", "POST"}
    assert "Twilio calls it with POST" in answer.get_data(as_text=True)
    unknown = console_app.test_client().post("/voice/nope")
    assert unknown.status_code == 404
    assert "/voice/incoming?queue=NAME" in unknown.get_data(as_text=True)


def test_a_views_own_404_keeps_its_words(console_app, as_role, tokens):
    """A route that matched and found no such queue says so; only a URL no route matches is
    explained as one (Flask picks the app's NotFound handler before a blueprint's)."""
    from tests.console.conftest import bearer

    api = console_app.test_client().get("/api/v1/policies/nope",
                                        headers=bearer(tokens["operator"]))
    assert api.status_code == 404 and "no queue named 'nope'" in api.get_json()["error"]
    assert "openapi.json" not in api.get_json()["error"]
    page = as_role("operator").get("/console/policies/nope")
    assert page.status_code == 404
    assert "no queue named &#39;nope&#39;" in page.get_data(as_text=True)
    assert "There is no /console/policies/nope here" not in page.get_data(as_text=True)
