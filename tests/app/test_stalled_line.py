"""When nobody is being answered any more, the caller at the head is not promised a new short
wait every minute (caller audit 34, defect 2): after a spell of one answer a minute the line
stopped, and the caller at its head heard "within 3 minutes" at minutes 1 and 2, "within 4"
at 3 to 5, and so on to "within 10" at minute 10, every band broken. The stop is told from the
quiet time itself (hold_policies.estimate.line_stalled): the first few minutes cannot be known
to be a stop, a quiet time the line's speed would give once in a hundred gaps can."""

from __future__ import annotations

import re

import pytest

from app.signed_client import SignedClient
from tests.conftest import AUTH_TOKEN
from tests.support.sids import sid

AGENT = sid("agent")
POLL = "/voice/wait?queue=support&policy=checkin"


def said_band(response) -> int | None:
    found = re.search(r"within (\d+) minute", response.get_data(as_text=True))
    return int(found.group(1)) if found else None


def serve_one_a_minute(twilio, clock, count: int) -> None:
    for n in range(count):
        call = sid(f"served {n}")
        twilio.post("/voice/incoming", {"CallSid": call, "From": "+14155550111"})
        twilio.post(POLL, {"CallSid": call, "QueuePosition": "1", "QueueTime": "0",
                           "CurrentQueueSize": "1"})
        clock.advance(60)
        twilio.post("/voice/connect?queue=support&policy=checkin",
                    {"CallSid": call, "QueueTime": "60", "DequeingCallSid": AGENT})


@pytest.fixture(params=["sqlite", "postgresql"])
def line(request, make_app, clock):
    overrides = {}
    if request.param == "postgresql":
        overrides["database_url"] = request.getfixturevalue("postgres_url")
    app = make_app(**overrides)
    return SignedClient(app.test_client(), AUTH_TOKEN), clock


def test_the_head_of_a_stopped_line_is_not_promised_a_wait_it_has_outlived(line):
    twilio, clock = line
    serve_one_a_minute(twilio, clock, 12)
    call = sid("at the head")
    twilio.post("/voice/incoming", {"CallSid": call, "From": "+14155550122"})
    bands = {}
    for minute in range(0, 16):
        answer = twilio.post(POLL, {"CallSid": call, "QueuePosition": "1",
                                    "QueueTime": str(60 * minute), "CurrentQueueSize": "1"})
        bands[minute] = said_band(answer)
        clock.advance(60)
    told = {minute: band for minute, band in bands.items() if band is not None}
    assert told and min(told) == 1  # a line that just paused still gets its estimate
    assert max(told) <= 4, told  # ten minutes of broken bands before
