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


def test_a_host_whose_clock_runs_behind_does_not_stop_the_estimates(make_app, clock,
                                                                     sqlite_url, tmp_path):
    """Answers logged by a host 45 s behind the host a caller polls: the last answer looked
    45 s older than it was, and a line answering one caller every 10 s read as stopped, with
    no wait told (reviewer 34). The quiet time is never longer than this host has seen the
    same last answer."""
    from datetime import timedelta

    from app import create_app
    from app.clock import ManualClock
    from tests.conftest import AUTH_TOKEN as TOKEN

    polling = SignedClient(make_app().test_client(), TOKEN)
    behind = ManualClock(clock.now() - timedelta(seconds=45))
    answering_app = create_app({"auth_token": TOKEN, "database_url": sqlite_url,
                                "config_path": str(tmp_path / "holdwell.toml"),
                                "journal_dir": str(tmp_path / "journal-b"),
                                "db_budget_s": 5.0}, clock=behind)
    answering = SignedClient(answering_app.test_client(), TOKEN)
    caller = sid("polling")
    polling.post("/voice/incoming", {"CallSid": caller, "From": "+14155550133"})
    bands = []
    for n in range(90):  # an answer every 10 s on the other host, a poll a minute here
        served = sid(f"fast {n}")
        answering.post("/voice/incoming", {"CallSid": served, "From": "+14155550144"})
        answering.post(POLL, {"CallSid": served, "QueuePosition": "1", "QueueTime": "0",
                              "CurrentQueueSize": "1"})
        clock.advance(10)
        behind.advance(10)
        answering.post("/voice/connect?queue=support&policy=checkin",
                       {"CallSid": served, "QueueTime": "10", "DequeingCallSid": AGENT})
        if n % 6 == 5 and n >= 60:
            answer = polling.post(POLL, {"CallSid": caller, "QueuePosition": "5",
                                         "QueueTime": str(10 * (n + 1)),
                                         "CurrentQueueSize": "5"})
            bands.append(said_band(answer))
    assert bands and all(band is not None for band in bands), bands
