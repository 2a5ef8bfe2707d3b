"""A caller's number never reaches the process log in full: the project keeps numbers
private everywhere else (masked for analysts, hashed in exports), and logs are shipped,
kept and read by more people than the call log. Log lines name the callback by its call id
and the number masked as the console masks it ('+•••••••••77')."""

from __future__ import annotations

import logging

from twilio.base.exceptions import TwilioRestException

from app.callback_placer import RestPlacer
from app.callback_watch import watch_round
from app.twilio_rest import send_sms
from tests.app.test_callback_rest import PUBLIC, at_risk_rest_line
from tests.app.test_callbacks import callback_rows
from tests.support.sids import sid

NUMBER = "+14155550177"


def test_an_sms_that_cannot_be_sent_is_logged_without_the_number(caplog, mocker):
    caplog.set_level(logging.WARNING)
    assert send_sms(None, to=NUMBER, from_="+14155550000", body="hi") is False
    failing = mocker.Mock()
    failing.messages.create.side_effect = RuntimeError("Twilio said no")
    assert send_sms(failing, to=NUMBER, from_="+14155550000", body="hi") is False
    assert len(caplog.records) == 2
    assert NUMBER not in caplog.text and "14155550177" not in caplog.text
    assert "77" in caplog.text  # masked, as the console masks it: two callers told apart


def test_a_number_twilio_refuses_is_logged_by_call_id_not_number(make_app, clock, mocker,
                                                                  caplog):
    app = at_risk_rest_line(make_app, clock, NUMBER)
    svc = app.extensions["holdwell"]
    mocker.patch.object(svc.rest_client.calls, "create", side_effect=TwilioRestException(
        400, "/Calls", f"The 'To' number {NUMBER} is not a valid phone number.", code=21211))
    placer = RestPlacer.configured(svc.rest_client, PUBLIC, "+14155550000", svc.config.callbacks)
    caplog.set_level(logging.INFO)
    watch_round(svc.store.engine, svc.config, clock.now(), placer)
    [row] = callback_rows(app)
    assert row["status"] == "failed"  # the refusal did happen, and was logged
    assert sid("risky") in caplog.text
    assert "14155550177" not in caplog.text


def test_numbers_in_text_are_masked_and_sids_left_whole():
    from app.number_mask import without_numbers

    call = "CA" + "1234567890" * 3 + "ab"
    text = f"Call {call}: 'To' +14155550177 (or 4155550178) refused, code 21211"
    said = without_numbers(text)
    assert call in said and "code 21211" in said  # a SID, an error code: kept
    assert "4155550177" not in said and "4155550178" not in said
    assert "+•••••••••77" in said and "(or •••••••78)" in said


def test_a_url_carrying_the_number_is_masked_too():
    from app.number_mask import without_numbers

    said = without_numbers("https://h/voice/callback/confirm?number=%2B14155550177&queue=s")
    assert "4155550177" not in said and "number=%2B•••••••••77&queue=s" in said


def test_a_refused_signature_names_the_url_without_the_callers_number(make_app, caplog):
    """The callback confirmation's action URL carries the keyed number; a wrong
    HOLDWELL_PUBLIC_URL (the mistake the 403 is worded to diagnose) logged it in full."""
    from app.signed_client import SignedClient
    from tests.app.test_callbacks import CONFIG
    from tests.conftest import AUTH_TOKEN

    app = make_app(CONFIG, public_url="https://hold.example.com")
    twilio = SignedClient(app.test_client(), AUTH_TOKEN, base_url="https://old.example.com")
    caplog.set_level(logging.INFO)
    reply = twilio.post("/voice/callback/confirm?number=%2B14155550177&policy=callback"
                        "&queue=support", {"CallSid": sid("CA1"), "Digits": "1",
                                           "From": NUMBER})
    assert reply.status_code == 403
    body = reply.get_data(as_text=True)
    assert "as signed for https://hold.example.com/voice/callback/confirm?number=%2B•" in body
    assert "4155550177" not in caplog.text and "4155550177" not in body
    assert "bad Twilio signature" in caplog.text
