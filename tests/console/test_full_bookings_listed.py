"""A callback booked from a full queue (Twilio's queue-full, the overflow's offer), on the
callbacks page and in the API: it had shown "entered the queue <booking time>", though
Twilio never queued the caller and no place was kept (review 41, R5)."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from app.storage import users
from tests.console.conftest import PASSWORD, bearer
from tests.console.test_closed_bookings_listed import cell
from tests.support.sids import sid

CONFIG = """
[line]
support_number = "+14155550000"
[queues.support]
policy = "checkin"
[queues.support.overflow]
max_wait_s = 1800
when_full = true
"""
FROM = "+14155550100"
RESULT = "/voice/queue-result?policy=checkin&queue=support"
CHOICE = "/voice/overflow/choice?policy=checkin&queue=support"


@pytest.fixture
def console_app(make_app, clock):
    """The console's fixtures on a line whose full queue offers a callback."""
    clock.set(datetime(2026, 12, 7, 15, 0, tzinfo=UTC))
    app = make_app(CONFIG)
    for role in users.ROLES:
        users.add_user(app.extensions["holdwell"].store.engine, role, role, PASSWORD,
                       clock.now())
    return app


def book_from_full(twilio, name: str) -> str:
    """A caller turned away by the full queue who pressed 2, then 1 to confirm the number."""
    call = {"CallSid": sid(name), "From": FROM}
    twilio.post("/voice/incoming?queue=support", call)
    twilio.post(RESULT, {**call, "QueueResult": "queue-full"})
    asked = twilio.post(CHOICE, {**call, "Digits": "2"})
    action = asked.text.split('action="', 1)[1].split('"', 1)[0].replace("&amp;", "&")
    assert "call you back" in twilio.post(action, {**call, "Digits": "1"}).text
    return sid(name)


def test_the_page_says_the_caller_never_queued_the_line_being_full(as_role, twilio_console):
    booked = book_from_full(twilio_console, "CA1")
    page = as_role("operator").get("/console/callbacks").get_data(as_text=True)
    assert cell(page, booked, "entered the queue") == "never: the line was full"
    assert cell(page, booked, "promised by") == "no time promised"


def test_the_api_gives_no_time_in_the_queue(console_app, tokens, twilio_console):
    booked = book_from_full(twilio_console, "CA1")
    listed = console_app.test_client().get("/api/v1/callbacks",
                                           headers=bearer(tokens["operator"])).get_json()
    [item] = listed["callbacks"]
    assert item["call_id"] == booked and item["status"] == "pending"
    assert item["entered_at"] is None and item["due_at"] is None
    assert item["requested_at"] == "2026-12-07T15:00:00Z"


def test_the_flag_is_documented(console_app):
    schema = console_app.test_client().get("/api/v1/openapi.json").get_json()
    fields = schema["components"]["schemas"]["CallbackItem"]["properties"]
    assert "full" in fields["line_full"]["description"]
    assert "full queue" in fields["entered_at"]["description"]
