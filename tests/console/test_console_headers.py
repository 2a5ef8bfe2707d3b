"""Console pages and API answers are never framed by another site and load only our own
scripts: without these headers a hostile page could frame the console and trick a signed-in
operator into a save, a roll-back or a cancel (clickjacking)."""

from __future__ import annotations

import pytest

from tests.console.conftest import bearer


@pytest.mark.parametrize("path", ["/console/login", "/console/", "/console/nope",
                                  "/api/v1/openapi.json", "/api/v1/nope"])
def test_no_console_page_or_api_answer_can_be_framed(console_app, path):
    answer = console_app.test_client().get(path)
    assert answer.headers["X-Frame-Options"] == "DENY"
    policy = answer.headers["Content-Security-Policy"]
    assert "frame-ancestors 'none'" in policy and "script-src 'self'" in policy
    assert answer.headers["X-Content-Type-Options"] == "nosniff"


def test_a_signed_in_page_carries_them_too(console_app, tokens):
    answer = console_app.test_client().get("/api/v1/queues", headers=bearer(tokens["analyst"]))
    assert answer.status_code == 200 and answer.headers["X-Frame-Options"] == "DENY"


def test_webhooks_answer_twilio_without_them(console_app):
    """Twilio reads TwiML, not pages: the voice routes are left as they were."""
    answer = console_app.test_client().get("/voice/wait")
    assert "Content-Security-Policy" not in answer.headers


@pytest.mark.parametrize("path", ["/console/", "/console/unserved", "/console/callbacks",
                                  "/console/login"])
def test_no_console_page_is_kept_by_a_browser_or_a_proxy(as_role, path):
    """Pages show callers' numbers: after sign-out, the back button or a shared proxy must
    not show them again."""
    answer = as_role("operator").get(path)
    assert answer.status_code == 200 and answer.headers["Cache-Control"] == "no-store"


@pytest.mark.parametrize("path", ["/api/v1/unserved", "/api/v1/unserved.csv",
                                  "/api/v1/callbacks", "/api/v1/nope"])
def test_no_api_answer_is_kept_either(console_app, tokens, path):
    answer = console_app.test_client().get(path, headers=bearer(tokens["operator"]))
    assert answer.headers["Cache-Control"] == "no-store"


def test_the_consoles_own_files_keep_their_caching(console_app):
    answer = console_app.test_client().get("/console/static/console.css")
    assert answer.status_code == 200 and answer.headers["Cache-Control"] != "no-store"


def test_answers_over_https_ask_the_browser_to_keep_to_https(console_app):
    """Over https the browser is told to use nothing else for a year (security probe F10):
    a later visit typed as http:// is not downgraded before the Secure cookie is sent."""
    secure = console_app.test_client().get("/console/login", base_url="https://hold.example")
    assert secure.headers["Strict-Transport-Security"] == "max-age=31536000"
    plain = console_app.test_client().get("/console/login")
    assert "Strict-Transport-Security" not in plain.headers  # ignored over http anyway
