"""A callback booked while the line was closed, on the callbacks page and in the API: it had
shown as pending since "entered the queue <booking time>" with "no time promised", one to
dial now, though the caller never queued and is due at the opening (operator audit C)."""

from __future__ import annotations

import re
from datetime import UTC, datetime

import pytest

from app.storage import users
from tests.console.conftest import PASSWORD, bearer
from tests.support.sids import sid

CONFIG = """
[line]
support_number = "+14155550000"
[queues.support]
policy = "callback"
[queues.support.hours]
timezone = "America/New_York"
monday = "08:00-18:00"
"""
SATURDAY = datetime(2026, 12, 5, 15, 0, tzinfo=UTC)  # 10:00 in New York
BOOK = "/voice/closed/book?policy=callback&queue=support"
FROM = "+14155550100"


@pytest.fixture
def console_app(make_app, clock):
    """The console's fixtures on a line open on Mondays only, rung on a Saturday."""
    clock.set(SATURDAY)
    app = make_app(CONFIG)
    for role in users.ROLES:
        users.add_user(app.extensions["holdwell"].store.engine, role, role, PASSWORD,
                       clock.now())
    return app


@pytest.fixture
def booked(twilio_console) -> str:
    """A Saturday caller who pressed 1 for a callback at Monday's opening."""
    call = {"CallSid": sid("CA1"), "From": FROM}
    twilio_console.post("/voice/incoming?queue=support", call)
    assert "call you back" in twilio_console.post(BOOK, {**call, "Digits": "1"}).text
    return sid("CA1")


def cell(page: str, call_id: str, label: str) -> str:
    row = re.search(rf'<tr data-call="{call_id}">(.*?)</tr>', page, re.S).group(1)
    return " ".join(re.search(rf'data-label="{label}"[^>]*>(.*?)</td>', row, re.S)
                    .group(1).split())


def test_the_page_says_it_was_booked_while_closed_and_is_due_at_the_opening(as_role, booked):
    page = as_role("operator").get("/console/callbacks").get_data(as_text=True)
    assert cell(page, booked, "entered the queue") == "never: booked while the line was closed"
    promised = cell(page, booked, "promised by")
    assert promised.startswith("due at 2026-12-07 08:00:00 EST")  # the line's clock
    assert "no time promised" not in promised


def test_the_api_gives_its_due_time_and_no_time_in_the_queue(console_app, tokens, booked):
    listed = console_app.test_client().get("/api/v1/callbacks",
                                           headers=bearer(tokens["operator"])).get_json()
    [item] = listed["callbacks"]
    assert item["call_id"] == booked and item["status"] == "pending"
    assert item["due_at"] == "2026-12-07T13:00:00Z" and item["entered_at"] is None
    assert item["requested_at"] == "2026-12-05T15:00:00Z" and item["promised_by"] is None


def test_the_due_time_is_documented(console_app):
    schema = console_app.test_client().get("/api/v1/openapi.json").get_json()
    fields = schema["components"]["schemas"]["CallbackItem"]["properties"]
    assert "closed" in fields["due_at"]["description"]
    assert "closed" in fields["entered_at"]["description"]


def test_the_wallboard_counts_it_pending_and_says_it_is_not_due_yet(console_app, tokens,
                                                                   as_role, booked, clock):
    """It is owed, so pending; but nobody may dial it before Monday's opening, and the board's
    count alone had read as one to dial now."""
    def board() -> dict:
        [queue] = console_app.test_client().get(
            "/api/v1/queues", headers=bearer(tokens["operator"])).get_json()["queues"]
        return queue

    queue = board()
    assert (queue["callbacks_pending"], queue["callbacks_not_yet_due"]) == (1, 1)
    page = as_role("operator").get("/console/").get_data(as_text=True)
    assert "1 booked while closed, due at the opening" in page
    clock.set(datetime(2026, 12, 7, 13, 0, 1, tzinfo=UTC))  # Monday, past 08:00 in New York
    queue = board()
    assert (queue["callbacks_pending"], queue["callbacks_not_yet_due"]) == (1, 0)
