"""The callback window confirmed is the one the offer said (audit C, item 1): the offer's
keys, the read-back and a keyed-in number carry it in our signed URLs, so ~25 seconds later
the caller is not confirmed "within 20 minutes" after hearing "within 15", nor no window."""

from __future__ import annotations

import re
from datetime import timedelta
from urllib.parse import parse_qs, urlsplit

from app.signed_client import SignedClient
from app.storage.db import as_utc
from tests.app.test_callbacks import callback_rows
from tests.app.test_voice_contract import wait_form
from tests.app.twiml_reading import parse, spoken
from tests.conftest import AUTH_TOKEN
from tests.support.sids import sid

CONFIG = """
[line]
support_number = "+14155550000"
[queues.support]
policy = "callback"
[queues.support.callback]
offer_after_estimate_s = 60
"""
BASE = "policy=callback&queue=support"
CALLER = "+14155550100"


def offered_then_pressed(make_app, clock, pressed_after_s: float):
    """Eight callers answered one every 90 s, then a caller third in line hears the check-in
    with the callback offer at 60 s and presses 2 `pressed_after_s` later."""
    app = make_app(CONFIG)
    twilio = SignedClient(app.test_client(), AUTH_TOKEN)
    for n in range(8):
        old = sid(f"CAold{n}")
        twilio.post("/voice/incoming", {"CallSid": old, "From": f"+1415555{1000 + n}"})
        twilio.post(f"/voice/wait?{BASE}&welcome=1", wait_form(old, 0))
        clock.advance(90)
        twilio.post("/voice/connect?queue=support", {"CallSid": old, "QueueTime": "90"})
        twilio.post(f"/voice/queue-result?{BASE}",
                    {"CallSid": old, "QueueResult": "bridged", "QueueTime": "90"})
    caller = sid("CA1")
    twilio.post("/voice/incoming", {"CallSid": caller, "From": CALLER})
    twilio.post(f"/voice/wait?{BASE}&welcome=1", wait_form(caller, 0, 3, 3))
    clock.advance(60)
    offer = twilio.post(f"/voice/wait?{BASE}", wait_form(caller, 60, 3, 3))
    offered = int(re.search(r"call you back within (\d+) minutes", spoken(offer.data)).group(1))
    clock.advance(pressed_after_s)
    read_back = twilio.post(parse(offer.data).find("Gather").get("action"),
                            {**wait_form(caller, 60 + pressed_after_s, 3, 3), "Digits": "2"})
    return app, twilio, offered, read_back


def confirmed_minutes(response) -> int:
    return int(re.search(r"within (\d+) minutes", spoken(response.data)).group(1))


def test_the_window_confirmed_is_the_window_offered(make_app, clock):
    app, twilio, offered, read_back = offered_then_pressed(make_app, clock, 25)
    clock.advance(8)
    confirmed = twilio.post(parse(read_back.data).find("Gather").get("action"),
                            {**wait_form(sid("CA1"), 93, 3, 3), "Digits": "1"})
    assert confirmed_minutes(confirmed) == offered  # it had been 20 after an offer of 15
    [row] = callback_rows(app)
    assert (as_utc(row["promised_by"])
            == as_utc(row["requested_at"]) + timedelta(minutes=offered))


def test_a_number_keyed_in_instead_keeps_the_window_offered(make_app, clock):
    app, twilio, offered, read_back = offered_then_pressed(make_app, clock, 25)
    clock.advance(5)
    ask = twilio.post(parse(read_back.data).find("Gather").get("action"),
                      {**wait_form(sid("CA1"), 90, 3, 3), "Digits": "2"})
    clock.advance(10)
    check = twilio.post(parse(ask.data).find("Gather").get("action"),
                        {**wait_form(sid("CA1"), 100, 3, 3), "Digits": "2125550199"})
    clock.advance(5)
    confirmed = twilio.post(parse(check.data).find("Gather").get("action"),
                            {**wait_form(sid("CA1"), 105, 3, 3), "Digits": "1"})
    assert confirmed_minutes(confirmed) == offered
    assert callback_rows(app)[0]["number"] == "+12125550199"


def test_the_window_rides_on_the_signed_urls_in_seconds(make_app, clock):
    _, _, offered, read_back = offered_then_pressed(make_app, clock, 0)
    action = parse(read_back.data).find("Gather").get("action")
    assert parse_qs(urlsplit(action).query)["window"] == [str(offered * 60)]


def test_a_url_without_the_window_confirms_as_before(make_app, clock):
    """A call in flight across the upgrade (or a key on a document that offered no window):
    the window is sized at the confirmation, as it always was."""
    app, twilio, _, _ = offered_then_pressed(make_app, clock, 0)
    read_back = twilio.post(f"/voice/choice?{BASE}",
                            {**wait_form(sid("CA1"), 61, 3, 3), "Digits": "2"})
    action = parse(read_back.data).find("Gather").get("action")
    assert "window=" not in action
    confirmed = twilio.post(action, {**wait_form(sid("CA1"), 62, 3, 3), "Digits": "1"})
    assert "within" in spoken(confirmed.data) and callback_rows(app)[0]["status"] == "pending"


def test_a_window_we_never_offer_is_not_taken_from_a_url(make_app, clock):
    app, twilio, offered, _ = offered_then_pressed(make_app, clock, 0)
    confirmed = twilio.post(f"/voice/callback/confirm?number=%2B14155550100&{BASE}&window=1",
                            {**wait_form(sid("CA1"), 62, 3, 3), "Digits": "1"})
    assert confirmed_minutes(confirmed) >= 1 and "window" not in confirmed.data.decode()
