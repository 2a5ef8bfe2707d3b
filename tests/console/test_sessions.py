"""Signing out ends the session on the server: a copy of the cookie is no credential after."""

from __future__ import annotations

from app.storage import config_versions
from tests.console.conftest import csrf_of

COOKIE = "holdwell_session"


def test_a_cookie_copied_before_sign_out_is_refused_after_it(console_app, as_role):
    operator, elsewhere = as_role("operator"), as_role("operator")
    copied = operator.client.get_cookie(COOKIE).value
    assert operator.post("/console/logout").status_code == 302
    assert elsewhere.get("/console/").status_code == 200  # only that session ended
    thief = console_app.test_client()
    thief.set_cookie(COOKIE, copied)
    assert thief.get("/console/").status_code == 401
    assert thief.get("/api/v1/queues").status_code == 401
    token = csrf_of(thief.get("/console/login").data)
    started = thief.post("/console/experiments/sales", data={
        "csrf_token": token, "weight_silence": "1", "weight_checkin": "1"})
    assert started.status_code == 401
    assert config_versions.get(console_app.extensions["holdwell"].store.engine).number == 1


def test_a_session_ends_on_the_server_after_its_lifetime(as_role, clock):
    analyst = as_role("analyst")
    clock.advance(11 * 3600)
    assert analyst.get("/console/").status_code == 200
    clock.advance(2 * 3600)
    assert analyst.get("/console/").status_code == 401
