"""X-Twilio-Signature: valid passes; forged, missing, wrong URL get 403; proxies handled."""

from __future__ import annotations

import logging

import pytest
from twilio.request_validator import RequestValidator

from app import create_app
from app.settings import SettingsError
from app.signed_client import SignedClient
from tests.conftest import AUTH_TOKEN
from tests.support.sids import sid

FORM = {"CallSid": sid("CA1"), "From": "+14155550100"}


def test_valid_signature_is_accepted(twilio):
    assert twilio.post("/voice/incoming", FORM).status_code == 200


def test_forged_or_missing_signature_is_refused_and_logged(app, caplog):
    client = app.test_client()
    with caplog.at_level(logging.WARNING, logger="holdwell.security"):
        forged = client.post("/voice/incoming", data=FORM,
                             headers={"X-Twilio-Signature": "AAAAAAAAAAAAAAAAAAAAAAAAAAA="})
    assert forged.status_code == 403
    assert "bad Twilio signature" in caplog.text
    assert client.post("/voice/incoming", data=FORM).status_code == 403


def test_signature_with_another_token_is_refused(app):
    stranger = SignedClient(app.test_client(), "not-our-token")
    assert stranger.post("/voice/incoming", FORM).status_code == 403


def test_signature_over_a_different_url_is_refused(app):
    client = app.test_client()
    signature = RequestValidator(AUTH_TOKEN).compute_signature(
        "http://localhost/voice/wait", FORM)
    response = client.post("/voice/incoming", data=FORM, headers={"X-Twilio-Signature": signature})
    assert response.status_code == 403


def test_tampered_parameters_are_refused(app):
    client = app.test_client()
    signature = RequestValidator(AUTH_TOKEN).compute_signature(
        "http://localhost/voice/incoming", FORM)
    response = client.post("/voice/incoming", data={**FORM, "From": "+14155550199"},
                           headers={"X-Twilio-Signature": signature})
    assert response.status_code == 403


def test_public_url_setting_is_what_gets_validated(make_app):
    """Behind TLS termination Flask sees http://internal; Twilio signed the public https URL."""
    app = make_app(public_url="https://hold.example.com")
    public = SignedClient(app.test_client(), AUTH_TOKEN, base_url="https://hold.example.com")
    internal = SignedClient(app.test_client(), AUTH_TOKEN)  # signs http://localhost/...
    assert public.post("/voice/incoming?queue=support", FORM).status_code == 200
    assert internal.post("/voice/incoming?queue=support", FORM).status_code == 403


def test_a_refusal_says_why_without_giving_anything_away(make_app):
    """Twilio's debugger shows the answer's body: an operator whose public URL is wrong must
    read that the signature failed and for which URL, not werkzeug's "permission" page. The
    token and the expected signature are never in it."""
    app = make_app(public_url="https://hold.example.com")
    client = app.test_client()
    missing = client.post("/voice/incoming?queue=support", data=FORM)
    assert missing.status_code == 403
    assert "missing X-Twilio-Signature" in missing.get_data(as_text=True)
    signed_for_internal = SignedClient(client, AUTH_TOKEN).post("/voice/incoming?queue=support",
                                                                FORM)
    body = signed_for_internal.get_data(as_text=True)
    assert signed_for_internal.status_code == 403
    assert "does not match" in body
    assert "https://hold.example.com/voice/incoming?queue=support" in body
    assert "HOLDWELL_PUBLIC_URL" in body
    expected = RequestValidator(AUTH_TOKEN).compute_signature(
        "https://hold.example.com/voice/incoming?queue=support", FORM)
    assert AUTH_TOKEN not in body and expected not in body
    not_base64 = client.post("/voice/incoming", data=FORM,
                             headers={"X-Twilio-Signature": "s\u00e9cret"})
    assert "not a Twilio signature" in not_base64.get_data(as_text=True)


def test_public_url_makes_our_twiml_urls_absolute(make_app):
    app = make_app(public_url="https://hold.example.com")
    public = SignedClient(app.test_client(), AUTH_TOKEN, base_url="https://hold.example.com")
    response = public.post("/voice/incoming", FORM)
    assert (b'waitUrl="https://hold.example.com/voice/wait?policy=checkin&amp;queue=support'
            b'&amp;welcome=1"') in response.data


def test_behind_a_trusted_proxy_forwarded_headers_rebuild_the_url(make_app):
    app = make_app(proxy_count=1)
    client = app.test_client()
    url = "https://hold.example.com/voice/incoming"
    signature = RequestValidator(AUTH_TOKEN).compute_signature(url, FORM)
    headers = {"X-Twilio-Signature": signature, "X-Forwarded-Proto": "https",
               "X-Forwarded-Host": "hold.example.com"}
    assert client.post("/voice/incoming", data=FORM, headers=headers).status_code == 200
    no_proxy = make_app()
    assert no_proxy.test_client().post("/voice/incoming", data=FORM,
                                       headers=headers).status_code == 403


def test_a_trusted_proxy_does_not_pass_on_a_clients_path_prefix(make_app):
    """X-Forwarded-Prefix is rarely set or stripped by a proxy, so trusting it let a client's
    own "//evil.example" become the base of every link and redirect (security audit S5)."""
    client = make_app(proxy_count=1).test_client()
    page = client.get("/console/login", headers={"X-Forwarded-Prefix": "//evil.example"})
    assert page.status_code == 200 and b"evil.example" not in page.data


def test_turning_validation_off_is_explicit_and_warns_loudly(make_app, caplog):
    with caplog.at_level(logging.WARNING, logger="holdwell"):
        app = make_app(validate_signatures=False)
    assert "signature validation is OFF" in caplog.text
    assert app.test_client().post("/voice/incoming", data=FORM).status_code == 200


def test_no_auth_token_refuses_to_start(sqlite_url):
    with pytest.raises(SettingsError, match="TWILIO_AUTH_TOKEN"):
        create_app({"auth_token": None, "database_url": sqlite_url})
