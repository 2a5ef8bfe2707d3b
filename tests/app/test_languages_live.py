"""A Spanish queue, live: the words holdwell says itself (what failed, when the line opens)
are Spanish, in the queue's voice and language (a review heard them in English)."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from app.signed_client import SignedClient
from hold_policies.languages import ENGLISH, SPANISH
from tests.app.twiml_reading import parse, spoken
from tests.conftest import AUTH_TOKEN
from tests.support.broken_store import break_store
from tests.support.sids import sid

CONFIG = """
[line]
support_number = "+14155550000"
[queues.ventas]
policy = "callback"
voice = "Polly.Lucia"
language = "es-ES"
[queues.ventas.hours]
timezone = "UTC"
monday = "08:00-18:00"
[queues.ventas.hours.words]
closed = "Gracias por llamar. Ahora estamos cerrados. Abrimos de nuevo {opens}."
goodbye = "Gracias por llamar. Adiós."
"""
RESULT = "/voice/queue-result?queue=ventas&policy=callback"
MONDAY_NOON = datetime(2026, 12, 7, 12, 0, tzinfo=UTC)


@pytest.fixture
def twilio(make_app, clock):
    clock.set(MONDAY_NOON)
    app = make_app(CONFIG)
    return app, SignedClient(app.test_client(), AUTH_TOKEN)


def says(body: bytes) -> list[tuple[str, str | None, str | None]]:
    return [(s.text or "", s.get("voice"), s.get("language")) for s in parse(body).iter("Say")]


@pytest.mark.parametrize(("result", "episode", "name"), [
    ("error", 0, "back_in_line"), ("queue-full", 0, "queue_full"), ("error", 1, "line_failed")])
def test_out_of_the_queue_the_caller_hears_why_in_spanish(twilio, result, episode, name):
    _, client = twilio
    out = client.post(f"{RESULT}&episode={episode}",
                      {"CallSid": sid("CA1"), "QueueResult": result, "QueueTime": "30"})
    assert says(out.data)[0] == (SPANISH.text(name), "Polly.Lucia", "es-ES")
    assert ENGLISH.text(name) not in spoken(out.data)


def test_a_closed_line_says_when_it_opens_in_spanish(twilio, clock):
    _, client = twilio
    clock.set(datetime(2026, 12, 6, 10, 0, tzinfo=UTC))  # Sunday
    out = client.post("/voice/incoming?queue=ventas",
                      {"CallSid": sid("CA2"), "From": "+14155550100"})
    assert "Abrimos de nuevo mañana a las 8:00." in spoken(out.data)
    assert "AM" not in spoken(out.data) and "tomorrow" not in spoken(out.data)


def test_a_choice_the_app_cannot_take_is_apologised_for_in_spanish(twilio, monkeypatch):
    app, client = twilio
    break_store(app, monkeypatch)
    out = client.post("/voice/choice?queue=ventas&policy=callback",
                      {"CallSid": sid("CA3"), "From": "+14155550100", "Digits": "2",
                       "QueueTime": "400", "QueuePosition": "3", "CurrentQueueSize": "5"})
    assert out.status_code == 200
    assert says(out.data)[0] == (SPANISH.text("choice_failed"), "Polly.Lucia", "es-ES")
