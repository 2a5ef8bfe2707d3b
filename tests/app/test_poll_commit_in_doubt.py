"""A poll whose COMMIT is cut off but lands logs the check-in the caller heard (found by a
review).

The first poll's transaction (count, entry, the check-in the policy chose *with* history)
is stalled at its COMMIT past the budget; PostgreSQL commits it. The route answers without
history (a different segment: no estimate) and journals the Announce of what it did say.
That Announce has the same dedupe key as the committed one: its replay inserted nothing, and
the log kept the estimate the caller never heard. Now it replaces it (`said_instead`).
"""

from __future__ import annotations

import json

from sqlalchemy import select

from app.signed_client import SignedClient
from app.storage import commands as c
from app.storage.schema import call_events, calls
from tests.app.test_commit_in_doubt import at_the_commit_of, stalled, store_of
from tests.app.test_late_facts import apply_each, at, engine  # noqa: F401 - fixture
from tests.app.test_voice_contract import call_row, wait_form
from tests.app.twiml_reading import spoken
from tests.conftest import AUTH_TOKEN
from tests.support.sids import sid
from tests.support.tcp_proxy import proxied_url, tcp_proxy  # noqa: F401 - fixture

CONFIG = '[estimate]\nmin_departures = 2\n[queues.support]\npolicy = "checkin"\n'
WAIT = "/voice/wait?policy=checkin&queue=support"


def test_a_poll_committed_though_cut_off_logs_the_check_in_the_caller_heard(
        make_app, postgres_url, tcp_proxy, clock):  # noqa: F811 - the fixture
    app = make_app(CONFIG, database_url=proxied_url(postgres_url, tcp_proxy), db_budget_s=1.0)
    twilio = SignedClient(app.test_client(), AUTH_TOKEN)
    for n in range(4):  # departures: the policy can estimate with history
        twilio.post("/voice/connect?queue=support",
                    {"CallSid": sid(f"CAold{n}"), "QueueTime": "20"})
        clock.advance(30)
    ca = sid("CA1")
    twilio.post("/voice/incoming", {"CallSid": ca, "From": "+14155550100"})
    with at_the_commit_of(app, "ANNOUNCE", stalled(tcp_proxy)):
        heard = twilio.post(WAIT, wait_form(ca, queue_time=60, position=2))
    store_of(app).replay()
    said = spoken(heard.data)
    with store_of(app).engine.connect() as conn:
        logged = json.loads(conn.execute(select(call_events.c.data).where(
            call_events.c.call_id == ca, call_events.c.event == "ANNOUNCE")).scalar_one())
    row = call_row(app, ca)
    assert "minute" not in said  # answered without history: no wait was promised
    assert logged["text"] in said  # ... yet the log says the caller heard another check-in
    assert row["first_announced_wait_s"] is None, (said, logged)


def said(call_id: str, wait_s: float | None, text: str, **extra) -> c.Announce:
    return c.Announce(call_id=call_id, now=at(60), queue="support", policy="checkin",
                      queue_time_s=60, position=2, kind="checkin", announced_wait_s=wait_s,
                      text=text, **extra)


def test_what_the_caller_heard_instead_replaces_the_stored_check_in_and_a_retry_does_not(
        engine):  # noqa: F811 - the fixture
    labels = {"queue": "support", "policy": "checkin", "arm": ""}
    call_id = apply_each(engine, [
        c.BeginCall(call_id="CAx", now=at(0), from_number="+14155550100", **labels),
        c.NotePoll(call_id="CAx", now=at(60), queue_time_s=60, position=2, **labels),
        said("CAx", 300.0, "Within 5 minutes.")])  # the try whose COMMIT landed late
    apply_each(engine, [said(call_id, 300.0, "Within 5 minutes, again.")])  # a retry: kept
    with engine.connect() as conn:
        assert conn.execute(select(calls.c.first_announced_wait_s)).scalar_one() == 300.0
    apply_each(engine, [said(call_id, None, "Thank you for waiting.", said_instead=True)])
    with engine.connect() as conn:
        row = conn.execute(select(calls).where(calls.c.call_id == call_id)).mappings().one()
        logged = conn.execute(select(call_events.c.data).where(
            call_events.c.event == "ANNOUNCE")).scalars().all()
    assert row["first_announced_wait_s"] is None and row["announcements"] == 1
    assert [json.loads(data)["text"] for data in logged] == ["Thank you for waiting."]
