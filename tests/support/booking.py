"""A caller in line books a callback through the real routes (the policy's offer, key 2,
the read-back confirmed with 1) and leaves the queue on it: several tests need a callback
standing before they ring again."""

from __future__ import annotations

from collections.abc import Callable

from app.signed_client import SignedClient
from tests.app.test_voice_contract import wait_form
from tests.app.twiml_reading import parse


def book_from_the_line(twilio: SignedClient, call: str, queue: str, clock,  # noqa: ANN001
                       meanwhile: Callable[[], None] = lambda: None) -> None:
    """`call`, already in `queue` (a callback policy offering at once), books its callback a
    minute in and leaves the line; `meanwhile` runs after its first wait document, before
    the minute passes (a config change while they wait)."""
    route = f"policy=callback&queue={queue}"
    twilio.post(f"/voice/wait?{route}", wait_form(call, queue_time=0))
    meanwhile()
    clock.advance(60)
    form = {**wait_form(call, queue_time=60), "Digits": "2"}
    offer = twilio.post(f"/voice/choice?{route}", form)
    twilio.post(parse(offer.data).find("Gather").get("action"), {**form, "Digits": "1"})
    twilio.post(f"/voice/queue-result?{route}", {"CallSid": call, "QueueResult": "leave",
                                                 "QueueTime": "60"})
