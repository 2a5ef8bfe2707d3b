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


RETURNING = """
[line]
support_number = "+14155550000"
[queues.ventas]
policy = "callback"
language = "es-ES"
[queues.ventas.callback]
offer_without_estimate_after_s = 0
[queues.ventas.resume]
within_s = 300
[queues.ventas.prompts]
returning_caller = "Ya tiene una llamada reservada. Para mantenerla, pulse 1; para esperar, 2."
callback_kept = "Le llamaremos como prometimos. Adiós."
resumed = "Bienvenido de nuevo. Conserva su lugar en la cola."
callback_traded_for_waiting = "Su llamada de vuelta queda anulada. Espera en la línea."
callback_already_booked = "Ya tiene una llamada de vuelta reservada para este número. Adiós."
"""


def test_a_spanish_queue_words_a_return_and_a_booked_callback_in_spanish(make_app, clock):
    """The words of a return after a dropped line, of a callback already booked and of a
    caller ringing back while theirs is pending could not be written in a queue's prompts
    ("unknown key"): a Spanish queue's callers heard "Welcome back. You keep your place in
    line from before." in English, read by Polly.Lucia (caller audit)."""
    app = make_app(RETURNING)
    client = SignedClient(app.test_client(), AUTH_TOKEN)
    wait, caller = "/voice/wait?policy=callback&queue=ventas", "+14155550100"
    form = {"CallSid": sid("CA1"), "From": caller, "QueuePosition": "1",
            "CurrentQueueSize": "1"}
    client.post("/voice/incoming?queue=ventas", {"CallSid": sid("CA1"), "From": caller})
    client.post(wait + "&welcome=1", {**form, "QueueTime": "0"})
    clock.advance(60)
    client.post(wait, {**form, "QueueTime": "60"})  # a check-in, then the line drops
    clock.advance(3)
    client.post("/voice/queue-result?policy=callback&queue=ventas",
                {"CallSid": sid("CA1"), "QueueResult": "hangup", "QueueTime": "63"})
    clock.advance(20)
    back = client.post("/voice/incoming?queue=ventas", {"CallSid": sid("CA2"), "From": caller})
    assert spoken(back.data) == "Bienvenido de nuevo. Conserva su lugar en la cola."
    resumed = parse(back.data).find("Enqueue").get("waitUrl")
    choice = resumed.replace("/voice/wait", "/voice/choice")
    read_back = client.post(choice, {**form, "CallSid": sid("CA2"), "QueueTime": "10",
                                     "Digits": "2"})
    confirm = parse(read_back.data).find("Gather").get("action")
    client.post(confirm, {**form, "CallSid": sid("CA2"), "QueueTime": "15", "Digits": "1"})
    clock.advance(30)
    asked = client.post("/voice/incoming?queue=ventas", {"CallSid": sid("CA3"), "From": caller})
    assert spoken(asked.data).startswith("Ya tiene una llamada reservada.")
    answer = parse(asked.data).find("Gather").get("action")
    kept = client.post(answer, {"CallSid": sid("CA3"), "From": caller, "Digits": "1"})
    assert spoken(kept.data) == "Le llamaremos como prometimos. Adiós."
    clock.advance(30)
    asked = client.post("/voice/incoming?queue=ventas", {"CallSid": sid("CA4"), "From": caller})
    traded = client.post(parse(asked.data).find("Gather").get("action"),
                         {"CallSid": sid("CA4"), "From": caller, "Digits": "2"})
    assert spoken(traded.data).startswith("Su llamada de vuelta queda anulada.")
    for answer in (back, asked, kept, traded):
        assert "Welcome back" not in spoken(answer.data)
        assert all(s.get("language") == "es-ES" for s in parse(answer.data).iter("Say"))
