"""Signed webhooks with hostile content: each gets valid TwiML or a 4xx that says why.

Findings of a hostile-environment session (correctly signed requests whose parameters,
query strings and headers no real Twilio request carries)."""

from __future__ import annotations

import logging
from urllib.parse import urlencode

import pytest

from app.signed_client import SignedClient
from tests.app.twiml_reading import parse
from tests.conftest import AUTH_TOKEN
from tests.support.sids import sid

CONFIG = """
[line]
support_number = "+14155550000"
[queues.support]
policy = "callback"
language = "de-DE"
"""
CALLER = sid("hostile-webhooks")
TOO_MANY_DIGITS = "9" * 4400  # past Python's 4,300-digit guard on int()


@pytest.fixture
def twilio(make_app) -> SignedClient:
    return SignedClient(make_app(CONFIG).test_client(), AUTH_TOKEN)


def test_a_new_caller_is_enqueued_whatever_episode_the_url_says(twilio, caplog):
    with caplog.at_level(logging.ERROR):
        answer = twilio.post(f"/voice/incoming?queue=support&episode={TOO_MANY_DIGITS}",
                             {"CallSid": CALLER, "From": "+14155550123"})
    assert answer.status_code == 200
    assert parse(answer.data).find("Enqueue").text == "support"
    assert not caplog.records


@pytest.mark.parametrize("path, form", [
    (f"/voice/wait?policy=callback&queue=support&episode={TOO_MANY_DIGITS}",
     {"QueueTime": "30", "QueuePosition": "2"}),
    (f"/voice/choice?policy=callback&queue=support&window={TOO_MANY_DIGITS}",
     {"Digits": "1"}),
], ids=["episode", "window"])
def test_a_count_too_long_to_read_is_no_count_and_no_failure(twilio, caplog, path, form):
    with caplog.at_level(logging.ERROR):
        answer = twilio.post(path, {"CallSid": CALLER, **form})
    assert answer.status_code == 200 and answer.mimetype == "text/xml"
    assert not caplog.records  # answered as a URL without it, not from the safety net


def test_a_keyed_number_with_a_try_count_too_long_to_read_is_a_400_naming_it(twilio, caplog):
    with caplog.at_level(logging.ERROR):
        answer = twilio.post(f"/voice/callback/entry?policy=callback&queue=support"
                             f"&tries={TOO_MANY_DIGITS}", {"CallSid": CALLER, "Digits": "1"})
    assert answer.status_code == 400 and b"query parameter tries" in answer.data
    assert not caplog.records


def signed_over_form(twilio: SignedClient, path: str, form: dict[str, str]) -> dict[str, str]:
    """The headers of a request to `path` signed over `form` as Twilio signs a form post."""
    return {"X-Twilio-Signature": twilio.signature(f"http://localhost{path}", form)}


@pytest.mark.parametrize("content_type, named", [
    ("text/plain", b"sent as &#39;text/plain&#39;"),
    ("application/json", b"sent as &#39;application/json&#39;"),
    ("", b"sent without a Content-Type"),
])
def test_a_body_that_is_not_a_form_is_a_415_that_says_so(twilio, content_type, named):
    """Its parameters were never read, so its signature was checked over none: a 403 had
    blamed HOLDWELL_PUBLIC_URL and the auth token."""
    path = "/voice/wait?policy=callback&queue=support"
    form = {"CallSid": CALLER, "QueueTime": "30", "QueuePosition": "2"}
    answer = twilio.client.post(path, data=urlencode(form), content_type=content_type,
                                headers=signed_over_form(twilio, path, form))
    assert answer.status_code == 415
    assert b"application/x-www-form-urlencoded" in answer.data and named in answer.data


def test_a_json_body_signed_over_no_parameters_is_a_415_not_a_missing_call_sid(twilio):
    path = "/voice/status"
    answer = twilio.client.post(path, json={"CallSid": CALLER, "CallStatus": "completed"},
                                headers=signed_over_form(twilio, path, {}))
    assert answer.status_code == 415 and b"application/json" in answer.data


@pytest.mark.parametrize("content_type", [
    "application/x-www-form-urlencoded; charset=utf-8", "multipart/form-data"])
def test_a_form_post_of_either_kind_is_still_read(twilio, content_type):
    path = "/voice/status"
    form = {"CallSid": CALLER, "CallStatus": "completed"}
    data = urlencode(form) if content_type.startswith("application") else form
    answer = twilio.client.post(path, data=data, content_type=content_type,
                                headers=signed_over_form(twilio, path, form))
    assert answer.status_code == 204


FORM = {"CallSid": CALLER, "CallStatus": "completed"}


def test_a_refusal_without_a_public_url_says_it_is_not_set_and_what_a_proxy_said(make_app):
    """Behind a TLS proxy with neither HOLDWELL_PUBLIC_URL nor HOLDWELL_TRUSTED_PROXIES the URL
    checked is the internal one, and the 403 had only asked whether HOLDWELL_PUBLIC_URL (not
    set) was the URL Twilio calls."""
    client = make_app(CONFIG).test_client()
    public = SignedClient(client, AUTH_TOKEN, base_url="https://hold.example.com")
    answer = client.post("/voice/status", data=FORM, base_url="http://10.0.0.5:5000", headers={
        "X-Twilio-Signature": public.signature("https://hold.example.com/voice/status", FORM),
        "X-Forwarded-Proto": "https", "X-Forwarded-Host": "hold.example.com\x7f"})
    body = answer.get_data(as_text=True)
    assert answer.status_code == 403
    assert "as signed for http://10.0.0.5:5000/voice/status" in body
    assert "HOLDWELL_PUBLIC_URL is not set" in body
    assert "X-Forwarded-Proto: https, X-Forwarded-Host: hold.example.com" in body
    assert "HOLDWELL_TRUSTED_PROXIES" in body and "\x7f" not in body


def test_a_trusted_proxys_headers_are_not_called_untrusted(make_app):
    client = make_app(CONFIG, proxy_count=1).test_client()
    answer = client.post("/voice/status", data=FORM, headers={
        "X-Twilio-Signature": "Zm9yZ2VkIHNpZ25hdHVyZQ==", "X-Forwarded-Proto": "https"})
    body = answer.get_data(as_text=True)
    assert answer.status_code == 403 and "HOLDWELL_PUBLIC_URL is not set" in body
    assert "HOLDWELL_TRUSTED_PROXIES" not in body


ASKING = """
[queues.support]
policy = "checkin"
[queues.support.checkin]
ask_reason = true
"""


@pytest.mark.parametrize("words, kept", [("\ufffe\uffff", None), ("my\ufffeparcel", "my parcel")])
def test_words_twiml_cannot_carry_are_not_kept_as_a_reason(make_app, caplog, words, kept):
    """A reason of noncharacters was stored, then dropped from the agent's briefing with a
    warning blaming the config's words, and the agent was told "In their words: ."."""
    twilio = SignedClient(make_app(ASKING).test_client(), AUTH_TOKEN)
    twilio.post("/voice/incoming?queue=support", {"CallSid": CALLER})
    twilio.post("/voice/wait?policy=checkin&queue=support",
                {"CallSid": CALLER, "QueueTime": "1", "QueuePosition": "1"})
    with caplog.at_level(logging.WARNING):
        heard = twilio.post("/voice/choice?policy=checkin&queue=support",
                            {"CallSid": CALLER, "SpeechResult": words, "Confidence": "0.9"})
        agent = twilio.post("/voice/agent?queue=support", {"CallSid": sid("hostile-agent")})
    assert heard.status_code == 200 and agent.status_code == 200
    assert "dropped characters" not in caplog.text
    said = " ".join(say.text or "" for say in parse(agent.data).iter("Say"))
    if kept is None:
        assert parse(heard.data).find("Say") is None and "In their words" not in said
    else:
        assert f"In their words: {kept}." in said


def test_an_audio_clip_refused_by_if_match_is_a_412_that_says_why_not_the_clip(make_app,
                                                                             tmp_path):
    from audio.generate import music_bed
    from audio.kinds import Kind
    from audio.prepare import write_prepared

    folder = tmp_path / "audio"
    folder.mkdir()
    write_prepared(folder / "hold_music.wav", music_bed(duration_s=2), Kind.MUSIC)
    app = make_app('[queues.support]\npolicy = "music_ads"\n', audio_dir=str(folder))
    wait = SignedClient(app.test_client(), AUTH_TOKEN).post(
        "/voice/wait?policy=music_ads&queue=support",
        {"CallSid": CALLER, "QueueTime": "1", "QueuePosition": "1"})
    url = parse(wait.data).find("Play").text
    clip = app.test_client().get(url)
    refused = app.test_client().get(url, headers={"If-Match": '"not-this-one"'})
    assert refused.status_code == 412 and refused.mimetype == "text/plain"
    assert clip.headers["ETag"].encode() in refused.data and len(refused.data) < 200
    again = app.test_client().get(url, headers={"If-Match": clip.headers["ETag"]})
    assert again.status_code == 200 and again.data == clip.data


NAMELESS_PART = (b'--x\r\nContent-Disposition: form-data\r\n\r\nv\r\n'
                 b'--x\r\nContent-Disposition: form-data; name="CallSid"\r\n\r\n'
                 + CALLER.encode() + b"\r\n--x--\r\n")


@pytest.mark.parametrize("path", ["/voice/incoming?queue=support",
                                  "/voice/wait?policy=callback&queue=support"])
def test_a_forged_form_that_cannot_be_signed_is_refused_not_answered(twilio, caplog, path):
    """A multipart part without a name reads as None, which the signature's HMAC cannot
    join: the TypeError escaped the signature check and the route's safe TwiML (an Enqueue
    at /voice/incoming) answered a request nobody had signed, with an ERROR logged."""
    with caplog.at_level(logging.WARNING):
        answer = twilio.client.post(path, data=NAMELESS_PART,
                                    content_type="multipart/form-data; boundary=x",
                                    headers={"X-Twilio-Signature": "Zm9yZ2VkIHNpZ25hdHVyZQ=="})
    assert answer.status_code == 403 and b"<Response" not in answer.data
    assert b"cannot be checked" in answer.data and b"TypeError" in answer.data
    assert not [r for r in caplog.records if r.levelno >= logging.ERROR]


def test_a_failure_before_the_signature_is_verified_is_never_a_callers_answer(twilio, mocker,
                                                                             caplog):
    """Whatever else fails before the signature is verified gets a 400, not the route's safe
    TwiML: that is for Twilio's requests only."""
    mocker.patch("app.security.SignatureCheck.problem", side_effect=RuntimeError("boom"))
    with caplog.at_level(logging.WARNING):
        answer = twilio.post("/voice/incoming?queue=support", {"CallSid": CALLER})
    assert answer.status_code == 400 and b"<Response" not in answer.data
    assert b"could not be checked as a Twilio webhook (RuntimeError)" in answer.data
    assert not [r for r in caplog.records if r.levelno >= logging.ERROR]


def test_an_app_wide_failure_before_the_check_still_answers_twilios_caller(make_app, caplog):
    """An app-wide before_request (the live config's look-up, which starts a thread) that
    fails runs before the voice signature check: a signed request still gets its safe TwiML,
    a forged one a 400."""
    app = make_app(CONFIG)

    def threads_exhausted() -> None:
        raise RuntimeError("can't start new thread")

    app.before_request(threads_exhausted)
    twilio = SignedClient(app.test_client(), AUTH_TOKEN)
    signed = twilio.post("/voice/incoming?queue=support", {"CallSid": CALLER})
    assert signed.status_code == 200 and parse(signed.data).find("Enqueue").text == "support"
    forged = app.test_client().post("/voice/incoming?queue=support", data={"CallSid": CALLER},
                                    headers={"X-Twilio-Signature": "Zm9yZ2VkIHNpZ25hdHVyZQ=="})
    assert forged.status_code == 400 and b"<Response" not in forged.data
