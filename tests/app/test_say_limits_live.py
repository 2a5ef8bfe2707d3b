"""The longest words the config check lets through go out whole: one <Say> at the voice's
limit, and answers far under Twilio's 64,000 bytes (the room TWIML_FRAME_BYTES keeps for the
rest of an answer is measured here)."""

from __future__ import annotations

from xml.etree import ElementTree

from app.signed_client import SignedClient
from hold_policies.config import load_config
from hold_policies.say_limits import TWIML_FRAME_BYTES, TWIML_MAX_BYTES, twiml_bytes
from tests.app.test_voice_contract import wait_form
from tests.conftest import AUTH_TOKEN
from tests.support.sids import sid

WELCOME = ("Thank you for calling & holding. " * 100)[:3000]
CONFIG = f"""
[line]
support_number = "+14155550000"
[queues.support]
policy = "callback"
[queues.support.callback]
first_checkin_s = 0
offer_without_estimate_after_s = 0
[queues.support.prompts]
welcome = "{WELCOME}"
apology = "{"Sorry & thank you. " * 50}"
[queues.support.overflow]
max_wait_s = 600
voicemail = true
"""


def said(body: bytes) -> list[str]:
    return [say.text or "" for say in ElementTree.fromstring(body).iter("Say")]


def frame_bytes(body: bytes) -> int:
    return len(body) - sum(twiml_bytes(text) for text in said(body))


def test_a_welcome_at_the_polly_limit_is_said_whole_and_the_frames_are_small(
        make_app, config_file, clock):
    load_config(config_file(CONFIG), as_written=True)  # the check lets it through
    client = make_app(CONFIG).test_client()
    twilio = SignedClient(client, AUTH_TOKEN)
    incoming = twilio.post("/voice/incoming?queue=support",
                           {"CallSid": sid("CA1"), "From": "+14155550100"})
    assert incoming.status_code == 200 and not said(incoming.data)  # in line at once
    wait_url = ElementTree.fromstring(incoming.data).find("Enqueue").get("waitUrl")
    first = twilio.post(wait_url,  # the welcome, then the check-in due at once (first 0 s)
                        wait_form(sid("CA1"), queue_time=0, position=4999, size=4999))
    clock.advance(900)  # the app's clock and Twilio's QueueTime move together
    offer = twilio.post(wait_url,
                        wait_form(sid("CA1"), queue_time=900, position=4999, size=4999))
    assert said(first.data)[0] == WELCOME
    assert said(first.data)[1].startswith("Sorry & thank you.")
    assert b"<Gather" in offer.data and WELCOME not in said(offer.data)
    for answer in (incoming, first, offer):
        assert len(answer.data) < TWIML_MAX_BYTES
        assert frame_bytes(answer.data) < TWIML_FRAME_BYTES / 4
