"""The live app reads its line as the estimator needs it: answers and hang-ups counted apart
(a hang-up moves on only the callers behind it), on SQLite and PostgreSQL."""

from __future__ import annotations

import pytest

from app.signed_client import SignedClient
from app.storage.queue_flow import read_flow
from hold_policies.estimate import QueueFlow, band_for, estimate_wait
from tests.app.test_callbacks import enter
from tests.app.test_voice_contract import wait_form
from tests.app.twiml_reading import spoken
from tests.conftest import AUTH_TOKEN
from tests.support.sids import sid

CHECKIN = '[queues.support]\npolicy = "checkin"\n[estimate]\nmin_departures = 1\n'
WAIT = "/voice/wait?policy=checkin&queue=support"


@pytest.mark.parametrize("any_url", ["sqlite", "postgres"], indirect=True)
def test_a_caller_far_back_hears_the_wait_hang_ups_ahead_of_them_leave(make_app, clock,
                                                                      any_url):
    app = make_app(CHECKIN, database_url=any_url)
    twilio = SignedClient(app.test_client(), AUTH_TOKEN)
    for n in range(10):  # 4 answered after 30 s, between them 6 hung up after 30 s (the
        # line kept moving: a line that stops gives no estimate, test_stalled_line.py)
        if n % 3 == 0:
            enter(twilio, sid(f"CAserved{n}"), clock)
            clock.advance(30)
            twilio.post("/voice/connect?queue=support", {"CallSid": sid(f"CAserved{n}"),
                                                         "QueueTime": "30"})
            continue
        enter(twilio, sid(f"CAgone{n}"), clock)
        clock.advance(30)
        twilio.post("/voice/queue-result?queue=support", {
            "CallSid": sid(f"CAgone{n}"), "QueueResult": "hangup", "QueueTime": "30"})
    store = app.extensions["holdwell"].store
    with store.engine.connect() as conn:
        reading = read_flow(conn, "support", clock.now(), 900)
    assert (reading.departures, reading.abandons) == (10, 6)

    enter(twilio, sid("CAlate"), clock)
    clock.advance(60)
    checkin = spoken(twilio.post(WAIT, wait_form(sid("CAlate"), queue_time=60, position=12,
                                                 size=12)).data)
    flow = reading.flow(clock.now())
    told = band_for(estimate_wait(12, flow, queue_size=12).upper_s)
    as_if_all_served = band_for(estimate_wait(
        12, QueueFlow(flow.departures, flow.window_s, quiet_s=flow.quiet_s),
        queue_size=12).upper_s)
    assert told.minutes is not None and as_if_all_served.minutes is not None
    assert told.minutes > as_if_all_served.minutes  # the hang-ups did not carry them along
    assert f"within {told.words()}" in checkin
