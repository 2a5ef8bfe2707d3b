"""Without the call log (a locked or unreachable database), a check-in says the caller's place
only where Twilio's position is all of it. Where callbacks keep their place, or callers rejoin
after a dropped line, the callers ahead outside Twilio's count are known only to the log: a
caller had been told "you are next" with callbacks ahead, and, since a place once said never
goes up, heard no place again until they really were next."""

from __future__ import annotations

from contextlib import nullcontext

import pytest

from app.signed_client import SignedClient
from tests.app.twiml_reading import spoken
from tests.conftest import AUTH_TOKEN
from tests.support.locked_sqlite import locked_sqlite
from tests.support.request_budget import request_budget
from tests.support.sids import sid

PLAIN = """
[queues.support]
policy = "checkin"
"""
KEEPING_PLACES = """
[line]
support_number = "+14155550000"
[queues.support]
policy = "checkin"
[queues.support.overflow]
max_wait_s = 3600
"""
WAIT = "/voice/wait?policy=checkin&queue=support"


def _checkin(make_app, config: str, clock, outage_of: str | None = None) -> str:
    """What a caller who entered third hears at their first check-in, number 2 by Twilio's
    count; `outage_of`: with that SQLite file locked past the request's budget."""
    app = make_app(config)
    twilio = SignedClient(app.test_client(), AUTH_TOKEN)
    caller = sid("CA1")
    twilio.post("/voice/incoming", {"CallSid": caller, "From": "+14155550100"})
    twilio.post(WAIT, {"CallSid": caller, "QueueTime": "0", "QueuePosition": "3"})
    clock.advance(60)
    due = {"CallSid": caller, "QueueTime": "60", "QueuePosition": "2", "CurrentQueueSize": "4"}
    with (locked_sqlite(outage_of, "EXCLUSIVE") if outage_of else nullcontext(),
          request_budget(app, 0.2)):
        reply = twilio.post(WAIT, due)
    assert reply.status_code == 200
    return " ".join(spoken(reply.data).split())


def test_twilios_place_is_said_where_it_is_the_whole_place(make_app, sqlite_url, clock):
    assert "number 2" in _checkin(make_app, PLAIN, clock, outage_of=sqlite_url)


def test_no_place_is_said_where_callers_outside_twilios_count_may_be_ahead(make_app,
                                                                         sqlite_url, clock):
    said = _checkin(make_app, KEEPING_PLACES, clock, outage_of=sqlite_url)
    assert said, "the caller still hears the check-in"
    assert "number" not in said and "next" not in said


@pytest.mark.parametrize("config", [PLAIN, KEEPING_PLACES])
def test_with_the_log_the_place_is_said_either_way(make_app, clock, config):
    assert "number 2" in _checkin(make_app, config, clock)
