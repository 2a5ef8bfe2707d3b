"""A caller Twilio finds the queue full for, just before the line closes: told when it opens
again, not to "call again a little later" (when it would be shut). Further from closing, or
with no hours, the words are as before."""

from __future__ import annotations

import pytest

from app.signed_client import SignedClient
from tests.app.twiml_reading import parse, spoken
from tests.conftest import AUTH_TOKEN
from tests.support.sids import sid

HOURS = """
[queues.support]
policy = "checkin"
{language}
[queues.support.hours]
timezone = "UTC"
monday = "08:00-{close}"
tuesday = "08:00-{close}"
"""


def full(make_app, config: str):  # noqa: ANN001, ANN201
    app = make_app(config)
    twilio = SignedClient(app.test_client(), AUTH_TOKEN)
    answer = twilio.post("/voice/queue-result?queue=support&policy=checkin", {
        "CallSid": sid("CA1"), "QueueResult": "queue-full", "QueueTime": "0"})
    assert answer.status_code == 200
    assert parse(answer.data)[-1].tag == "Hangup"
    return spoken(answer.data)


def test_a_full_queue_about_to_close_says_when_it_opens_again(make_app, clock):
    assert clock.now().strftime("%A %H:%M") == "Monday 09:00"
    said = full(make_app, HOURS.format(language="", close="09:10"))
    assert said == ("Sorry, our line is full right now, and we close soon. We open again "
                    "tomorrow at 8 AM. Please call us then.")


def test_in_the_queues_language(make_app):
    said = full(make_app, HOURS.format(language='language = "es-MX"', close="09:10"))
    assert said == ("Lo sentimos, nuestra línea está saturada en este momento, y cerramos en "
                    "breve. Volveremos a abrir mañana a las 8 de la mañana. Por favor, llámenos "
                    "entonces.")  # es-MX reads [es-419]: the Americas' clock


@pytest.mark.parametrize("close", ["11:00", "09:16"])
def test_further_from_closing_a_little_later_is_still_true(make_app, close):
    assert full(make_app, HOURS.format(language="", close=close)) == (
        "Sorry, our line is full right now. Please call again a little later.")


def test_a_line_without_hours_says_as_before(make_app):
    assert full(make_app, '[queues.support]\npolicy = "checkin"\n') == (
        "Sorry, our line is full right now. Please call again a little later.")


def test_a_full_queue_already_closed_is_not_told_it_closes_soon(make_app):
    said = full(make_app, HOURS.format(language="", close="08:30"))  # 09:00: shut since 08:30
    assert said == "Thank you for calling. We are closed now. We open again tomorrow at 8 AM."

