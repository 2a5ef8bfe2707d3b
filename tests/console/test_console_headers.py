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
